import { floatOf, floatOfDecimal, type Dec } from '../../domain/decimal.js';
import type { Balance, Portfolio, Rules } from '../../domain/types.js';
import { addFuturesWallets, calculateBalanceNet, calculateMarginNet } from '../exact/balance.js';
import { findCmContract, findLoanMaintMarginRatio, findUmContract } from '../../rules/resolve.js';
import type { FlatTables } from './tables.js';

/**
 * A batch of portfolios as struct-of-arrays for the fast kernel. Each portfolio owns a fixed slice
 * of the position, asset and order arrays, sized at creation for everything its scheduled actions
 * could add, so reloading it after an exact state change never reallocates.
 */
export interface FastBatch {
  tables: FlatTables;
  size: number;
  modePM: Uint8Array;
  /** Status thresholds per portfolio (the rules in force when it was last loaded). */
  marginCall: Float64Array;
  reduceOnly: Float64Array;
  liquidation: Float64Array;
  posStart: Int32Array;
  posCount: Int32Array;
  assetStart: Int32Array;
  assetCount: Int32Array;
  orderStart: Int32Array;
  orderCount: Int32Array;
  // positions, grouped by margin asset (an asset's are [assetPosStart, assetPosEnd))
  posSeries: Int32Array; // mark series id, −1 when the history has none
  posEntry: Float64Array;
  posQty: Float64Array; // UM: positionAmt; CM: contracts·contractSize (USD)
  posInvEntry: Float64Array; // 1/entry (CM PnL)
  /** The PnL's constant magnitude: |qty·entry| (UM), |qty/entry| (CM); its other term is the notional (snapshot.ts "error bound"). */
  posPnlScale: Float64Array;
  /**
   * 3 × the highest rate of the leg's bracket table (its last row: rates rise): × the notional, it
   * bounds the margin terms and the error of a bracket row chosen on the wrong side of an edge.
   */
  posMarginWeight: Float64Array;
  posBracket: Int32Array; // the bracket row found last time: usually still the right one
  posIsCM: Uint8Array;
  posTableStart: Int32Array;
  posTableEnd: Int32Array;
  // assets
  assetSeries: Int32Array; // index series id, −1 when none
  assetBalanceNet: Float64Array; // free + locked − borrowed − interest + UM + CM wallets
  assetBorrowed: Float64Array;
  assetLoanMMR: Float64Array;
  assetTierStart: Int32Array; // −1: no collateral rule (fine while its net ≤ 0)
  assetTierEnd: Int32Array;
  /** The rate of a one-tier (flat) collateral table, NaN for a tiered one. */
  assetFlatRate: Float64Array;
  assetPosStart: Int32Array;
  assetPosEnd: Int32Array;
  // orders
  orderBase: Int32Array;
  orderQuote: Int32Array;
  orderIsBuy: Uint8Array;
  orderPrice: Float64Array;
  orderQty: Float64Array;
  // outputs per portfolio
  outEquity: Float64Array;
  outActual: Float64Array;
  outOpenLoss: Float64Array;
  outMaintMargin: Float64Array;
  outUniMMR: Float64Array; // NaN when there is no maintenance margin
  /**
   * A bound on the magnitude sum of adjusted equity's terms (balances, PnL terms, order legs, in
   * USD) over the last kernel call's steps: a step's float error is at most findErrorFactor × this
   * (snapshot.ts).
   */
  outGross: Float64Array;
  /** The same for maintenance margin: Σ (3 × notional × the table's top rate + loan margin) × price. */
  outMarginScale: Float64Array;
  /** A status code (status.ts), or NEEDS_EXACT when a price or rule is missing. */
  outStatus: Int8Array;
  /**
   * 1 when the loaded account holds nothing, checked in its decimals: no position, no open order,
   * every balance's net and loan exactly zero. Its sums then have no terms at all, so every step is
   * exactly the exact engine's (0 equity, no margin, NORMAL, no price read) and needs no band.
   */
  emptyAccount: Uint8Array;
  /** The balances loaded per portfolio, and each one's asset slot: refreshBalances rewrites their nets in place. */
  balanceCount: Int32Array;
  balanceSlot: Int32Array;
  /** Per loaded balance (as balanceSlot): its float net and the decimals it came from (floatBalanceNet). */
  balanceNets: (BalanceNet | undefined)[];
  /**
   * Per step of the last kernel call (snapshot.ts calculateAccountSnapshots), SPAN_STEPS long,
   * shared by the batch's portfolios: results (uniMMR, equities, margin) and working sums.
   */
  spanUniMMR: Float64Array;
  spanEquity: Float64Array;
  spanActual: Float64Array;
  spanMaintMargin: Float64Array;
  spanOpenLoss: Float64Array;
  spanPnl: Float64Array;
  spanFuturesMM: Float64Array;
  /** Each asset's actual USD value per step, asset-major, for portfolios with open orders. */
  spanAssetActualUSD: Float64Array;
  /** The magnitude bound of each asset's actual USD value over the span, for portfolios with open orders. */
  spanAssetScaleUSD: Float64Array;
}

/**
 * The most steps one kernel call evaluates: the span arrays stay within the core's cache whatever
 * the history's length.
 */
export const SPAN_STEPS = 1024;

export interface PortfolioCapacity {
  positions: number;
  assets: number;
  orders: number;
}

/** Room for the portfolio as it is and for every leg or asset its actions could add. */
export function findPortfolioCapacity(p: Portfolio): PortfolioCapacity {
  const trades = p.actions.filter((a) => a.type === 'trade').length;
  return {
    positions: p.umPositions.length + p.cmPositions.length + trades,
    assets: p.balances.length + p.umPositions.length + p.cmPositions.length + 2 * p.marginOpenOrders.length + p.actions.length,
    orders: p.marginOpenOrders.length,
  };
}

export function createFastBatch(tables: FlatTables, capacities: readonly PortfolioCapacity[]): FastBatch {
  const n = capacities.length;
  const starts = (k: keyof PortfolioCapacity) => {
    const s = new Int32Array(n);
    let total = 0;
    capacities.forEach((c, i) => {
      s[i] = total;
      total += c[k];
    });
    return { s, total };
  };
  const pos = starts('positions');
  const assets = starts('assets');
  const orders = starts('orders');
  const f = (len: number) => new Float64Array(len);
  const orderAssets = capacities.reduce((most, c) => (c.orders > 0 ? Math.max(most, c.assets) : most), 0);
  const i32 = (len: number) => new Int32Array(len);
  return {
    tables, size: n, modePM: new Uint8Array(n), marginCall: f(n), reduceOnly: f(n), liquidation: f(n),
    posStart: pos.s, posCount: i32(n), assetStart: assets.s, assetCount: i32(n), orderStart: orders.s, orderCount: i32(n),
    posSeries: i32(pos.total), posEntry: f(pos.total), posQty: f(pos.total), posInvEntry: f(pos.total), posPnlScale: f(pos.total), posMarginWeight: f(pos.total), posBracket: i32(pos.total), posIsCM: new Uint8Array(pos.total),
    posTableStart: i32(pos.total), posTableEnd: i32(pos.total),
    assetSeries: i32(assets.total), assetBalanceNet: f(assets.total), assetBorrowed: f(assets.total), assetLoanMMR: f(assets.total),
    assetTierStart: i32(assets.total), assetTierEnd: i32(assets.total), assetFlatRate: f(assets.total), assetPosStart: i32(assets.total), assetPosEnd: i32(assets.total),
    orderBase: i32(orders.total), orderQuote: i32(orders.total), orderIsBuy: new Uint8Array(orders.total), orderPrice: f(orders.total), orderQty: f(orders.total),
    outEquity: f(n), outActual: f(n), outOpenLoss: f(n), outMaintMargin: f(n), outUniMMR: f(n), outGross: f(n), outMarginScale: f(n), outStatus: new Int8Array(n), emptyAccount: new Uint8Array(n), balanceCount: i32(n), balanceSlot: i32(assets.total), balanceNets: new Array<BalanceNet | undefined>(assets.total).fill(undefined),
    spanUniMMR: f(SPAN_STEPS), spanEquity: f(SPAN_STEPS), spanActual: f(SPAN_STEPS), spanMaintMargin: f(SPAN_STEPS), spanOpenLoss: f(SPAN_STEPS),
    spanPnl: f(SPAN_STEPS), spanFuturesMM: f(SPAN_STEPS), spanAssetActualUSD: f(orderAssets * SPAN_STEPS), spanAssetScaleUSD: f(orderAssets),
  };
}

/**
 * A balance's float net and the decimals it came from. Funding moves a futures wallet; the margin
 * account's part of the net is kept with its sources. Compared field by field: this runs for every
 * balance at every reload, and arrays of the fields were most of its allocations. Kept per loaded
 * balance in the batch (b.balanceNets[i]), not by the balance in a WeakMap: the sources' identities
 * say whether it still holds, and a WeakMap's insertion was most of a first load's cost.
 */
interface BalanceNet {
  free: Dec; locked: Dec; borrowed: Dec; interest: Dec; marginNet: Dec;
  um: Dec | undefined; cm: Dec | undefined; net: number;
}
function floatBalanceNet(b: FastBatch, i: number, bal: Balance): number {
  let known = b.balanceNets[i];
  if (known === undefined || known.free !== bal.crossMarginFree || known.locked !== bal.crossMarginLocked || known.borrowed !== bal.crossMarginBorrowed || known.interest !== bal.crossMarginInterest) {
    known = { free: bal.crossMarginFree, locked: bal.crossMarginLocked, borrowed: bal.crossMarginBorrowed, interest: bal.crossMarginInterest, marginNet: calculateMarginNet(bal), um: undefined, cm: undefined, net: 0 };
    b.balanceNets[i] = known;
  }
  if (known.um !== bal.umWalletBalance || known.cm !== bal.cmWalletBalance) {
    known.um = bal.umWalletBalance;
    known.cm = bal.cmWalletBalance;
    known.net = floatOfDecimal(addFuturesWallets(known.marginNet, bal));
  }
  return known.net;
}

/** As the exact engine's test for an asset it leaves out (isEmptyAsset), on the balance's decimals. */
const holdsNothing = (bal: Balance): boolean => calculateBalanceNet(bal).isZero() && bal.crossMarginBorrowed.isZero();

/**
 * Writes portfolio `p`'s current exact state into its slice (float64). Symbols and assets resolve
 * through the same rule lookups as the exact engine; a missing rule throws the same InputError.
 */
export function loadPortfolio(b: FastBatch, p: number, state: Portfolio, rules: Rules, seriesId: (kind: 'index' | 'mark', name: string) => number, capacity: PortfolioCapacity): void {
  b.modePM[p] = state.mode === 'PM' ? 1 : 0;
  b.marginCall[p] = floatOf(rules.thresholds.marginCall);
  b.reduceOnly[p] = floatOf(rules.thresholds.reduceOnly);
  b.liquidation[p] = floatOf(rules.thresholds.liquidation);

  const a0 = b.assetStart[p]!;
  let assets = 0;
  const slotOf = (asset: string): number => {
    for (let i = 0; i < assets; i++) if (assetNames[i] === asset) return a0 + i;
    if (assets === capacity.assets) throw new Error(`fast kernel: portfolio ${state.id} outgrew its asset capacity`);
    const slot = a0 + assets;
    assetNames[assets++] = asset;
    b.assetSeries[slot] = seriesId('index', asset);
    b.assetBalanceNet[slot] = 0;
    b.assetBorrowed[slot] = 0;
    b.assetLoanMMR[slot] = 0;
    const tier = b.tables.collateral.get(asset);
    b.assetTierStart[slot] = tier === undefined ? -1 : tier[0];
    b.assetTierEnd[slot] = tier === undefined ? -1 : tier[1];
    b.assetFlatRate[slot] = tier !== undefined && tier[1] - tier[0] === 1 ? b.tables.rates[tier[0]]! : Number.NaN;
    return slot;
  };
  const assetNames: string[] = new Array<string>(capacity.assets);
  for (const [k, bal] of state.balances.entries()) {
    const slot = slotOf(bal.asset);
    b.balanceSlot[a0 + k] = slot;
    b.assetBalanceNet[slot] = floatBalanceNet(b, a0 + k, bal);
    b.assetBorrowed[slot] = floatOfDecimal(bal.crossMarginBorrowed);
    if (!bal.crossMarginBorrowed.isZero()) {
      b.assetLoanMMR[slot] = floatOf(findLoanMaintMarginRatio(rules, bal.marginLeverage ?? state.marginLeverage ?? rules.defaultMarginLeverage));
    }
  }

  // Resolved first, written grouped by margin asset below (each asset's in listing order, as the
  // exact engine sums them).
  const legs: { isCM: boolean; symbol: string; qty: number; entry: number; range: readonly [number, number]; slot: number }[] = [];
  const addPosition = (isCM: boolean, symbol: string, amt: number, entry: number) => {
    if (legs.length === capacity.positions) throw new Error(`fast kernel: portfolio ${state.id} outgrew its position capacity`);
    const contract = isCM ? findCmContract(rules, symbol) : findUmContract(rules, symbol);
    const size = isCM ? floatOf((contract as ReturnType<typeof findCmContract>).contractSize) : 1;
    legs.push({ isCM, symbol, qty: amt * size, entry, range: (isCM ? b.tables.cm : b.tables.um).get(contract.bracketTable)!, slot: slotOf(contract.marginAsset) });
  };
  // The account's own amounts by floatOfDecimal: most are converted once (keeping a float per decimal
  // costs more than converting it again at a reload).
  for (const x of state.umPositions) addPosition(false, x.symbol, floatOfDecimal(x.positionAmt), floatOfDecimal(x.entryPrice));
  for (const x of state.cmPositions) addPosition(true, x.symbol, floatOfDecimal(x.positionAmt), floatOfDecimal(x.entryPrice));

  const o0 = b.orderStart[p]!;
  let orders = 0;
  if (state.mode === 'PM') {
    for (const o of state.marginOpenOrders) {
      const i = o0 + orders++;
      b.orderBase[i] = slotOf(o.baseAsset);
      b.orderQuote[i] = slotOf(o.quoteAsset);
      b.orderIsBuy[i] = o.side === 'BUY' ? 1 : 0;
      b.orderPrice[i] = floatOfDecimal(o.price);
      b.orderQty[i] = floatOfDecimal(o.openQty);
    }
  }
  b.orderCount[p] = orders;
  b.assetCount[p] = assets;
  b.balanceCount[p] = state.balances.length;
  b.emptyAccount[p] = legs.length === 0 && orders === 0 && state.balances.every(holdsNothing) ? 1 : 0;

  let i = b.posStart[p]!;
  for (let slot = a0; slot < a0 + assets; slot++) {
    b.assetPosStart[slot] = i;
    for (const leg of legs) {
      if (leg.slot !== slot) continue;
      b.posSeries[i] = seriesId('mark', leg.symbol);
      b.posEntry[i] = leg.entry;
      b.posQty[i] = leg.qty;
      b.posInvEntry[i] = 1 / leg.entry;
      b.posPnlScale[i] = Math.abs(leg.isCM ? leg.qty / leg.entry : leg.qty * leg.entry);
      b.posMarginWeight[i] = 3 * b.tables.rates[leg.range[1] - 1]!;
      b.posBracket[i] = leg.range[0];
      b.posIsCM[i] = leg.isCM ? 1 : 0;
      b.posTableStart[i] = leg.range[0];
      b.posTableEnd[i] = leg.range[1];
      i++;
    }
    b.assetPosEnd[slot] = i;
  }
  b.posCount[p] = legs.length;
}

/**
 * After a change of balance amounts only (funding, interest: the same balances, positions, orders
 * and rules as at the last loadPortfolio), rewrites the balances' nets and nothing else. Returns
 * false, writing nothing, when the balances are not the ones loaded (one was added): the caller
 * then loads the portfolio.
 */
export function refreshBalances(b: FastBatch, p: number, state: Portfolio): boolean {
  if (state.balances.length !== b.balanceCount[p]) return false;
  const a0 = b.assetStart[p]!;
  const balances = state.balances;
  for (let k = 0; k < balances.length; k++) b.assetBalanceNet[b.balanceSlot[a0 + k]!] = floatBalanceNet(b, a0 + k, balances[k]!);
  if (b.posCount[p] === 0 && b.orderCount[p] === 0) b.emptyAccount[p] = state.balances.every(holdsNothing) ? 1 : 0;
  return true;
}
