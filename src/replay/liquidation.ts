import { Dec, ONE, ZERO } from '../domain/decimal.js';
import type { AccountSnapshot, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { findCmContract, findLiquidationFeeRate, findUmContract } from '../rules/resolve.js';
import { calculateBalanceNet } from '../engine/exact/balance.js';
import type { LiquidatedLeg, ReplayEvent } from './events.js';
import { applyFill } from './fills.js';

export interface LiquidationOptions {
  /** `full` closes everything; `stepwise` closes the largest MM contributors until uniMMR ≥ target. */
  policy: 'full' | 'stepwise';
  /** Fraction the liquidation fills worse than mark (positions) or index (collateral). */
  slippage: Dec;
  target: Dec;
}

export interface LiquidationOutcome {
  events: ReplayEvent[];
  snapshot: AccountSnapshot;
  bankrupt: boolean;
}

const indexPriceOf = (market: MarketSnapshot, asset: string): Dec => {
  const p = market.indexPrices.get(asset);
  // The snapshot that triggered the liquidation priced every asset held, so this cannot happen.
  if (p === undefined) throw new Error(`liquidation: no index price for ${asset}`);
  return p;
};

/**
 * Charges a fee, capped so it never takes the account's actual equity below zero (docs/margin-rules.md §4),
 * from `field` of `asset`. Returns the USD charged.
 */
function chargeCappedFee(state: Portfolio, market: MarketSnapshot, rules: Rules, asset: string, feeNative: Dec, field: 'umWalletBalance' | 'cmWalletBalance' | 'crossMarginFree'): Dec {
  const price = indexPriceOf(market, asset);
  const room = Dec.max(ZERO, calculateAccountSnapshot(state, market, rules).actualEquity);
  const feeUSD = Dec.min(feeNative.times(price), room);
  if (feeUSD.isZero()) return ZERO;
  const b = state.balances.find((x) => x.asset === asset)!;
  b[field] = b[field].minus(feeUSD.div(price));
  return feeUSD;
}

/** Closes one position at mark ∓ slippage; realized PnL and the fee go to the futures wallet. */
function closePosition(state: Portfolio, market: MarketSnapshot, rules: Rules, kind: 'UM' | 'CM', index: number, slippage: Dec): LiquidatedLeg {
  const list = kind === 'UM' ? state.umPositions : state.cmPositions;
  const p = list[index]!;
  const mark = market.markPrices.get(p.symbol)!;
  const price = p.positionAmt.isNegative() ? mark.times(ONE.plus(slippage)) : mark.times(ONE.minus(slippage));
  const contract = kind === 'UM' ? { ...findUmContract(rules, p.symbol), contractSize: ONE } : findCmContract(rules, p.symbol);
  const fill = applyFill(kind, p.positionAmt, p.entryPrice, p.positionAmt.neg(), price, contract.contractSize);
  list.splice(index, 1);
  const field = kind === 'UM' ? 'umWalletBalance' : 'cmWalletBalance';
  const b = state.balances.find((x) => x.asset === contract.marginAsset);
  if (b === undefined) state.balances.push({ asset: contract.marginAsset, crossMarginFree: ZERO, crossMarginLocked: ZERO, crossMarginBorrowed: ZERO, crossMarginInterest: ZERO, umWalletBalance: ZERO, cmWalletBalance: ZERO, [field]: fill.realizedPnl });
  else b[field] = b[field].plus(fill.realizedPnl);
  const notional = kind === 'UM' ? p.positionAmt.times(price).abs() : p.positionAmt.times(contract.contractSize).div(price).abs();
  const feeUSD = chargeCappedFee(state, market, rules, contract.marginAsset, notional.times(findLiquidationFeeRate(rules, p.symbol)), field);
  return { kind, name: p.symbol, quantity: p.positionAmt, price, realizedPnl: fill.realizedPnl, feeUSD };
}

/**
 * Repays loans and negative balances: each asset's wallets are netted against its loan, then
 * collateral (largest USD value first) is sold at index − slippage to buy what is still owed at
 * index + slippage, with the cross-margin liquidation fee on what was sold.
 */
function sellCollateralForDebts(state: Portfolio, market: MarketSnapshot, rules: Rules, slippage: Dec): LiquidatedLeg[] {
  for (const b of state.balances) {
    const h = calculateBalanceNet(b);
    b.crossMarginFree = h.isNegative() ? ZERO : h;
    b.umWalletBalance = h.isNegative() ? h : ZERO;
    b.crossMarginLocked = ZERO;
    b.crossMarginBorrowed = ZERO;
    b.crossMarginInterest = ZERO;
    b.cmWalletBalance = ZERO;
  }
  const usd = (asset: string, amount: Dec) => amount.times(indexPriceOf(market, asset));
  const byName = (a: { asset: string }, b: { asset: string }) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0);
  const debts = state.balances.filter((b) => b.umWalletBalance.isNegative()).sort((a, b) => usd(a.asset, a.umWalletBalance).cmp(usd(b.asset, b.umWalletBalance)) || byName(a, b));
  const legs: LiquidatedLeg[] = [];
  for (const debt of debts) {
    let owedUSD = debt.umWalletBalance.neg().times(indexPriceOf(market, debt.asset)).times(ONE.plus(slippage));
    const sources = state.balances.filter((b) => b !== debt && b.crossMarginFree.gt(0)).sort((a, b) => usd(b.asset, b.crossMarginFree).cmp(usd(a.asset, a.crossMarginFree)) || byName(a, b));
    for (const src of sources) {
      if (owedUSD.lte(0)) break;
      const sellPrice = indexPriceOf(market, src.asset).times(ONE.minus(slippage));
      const sold = Dec.min(src.crossMarginFree, owedUSD.div(sellPrice));
      src.crossMarginFree = src.crossMarginFree.minus(sold);
      const proceedsUSD = sold.times(sellPrice);
      owedUSD = owedUSD.minus(proceedsUSD);
      debt.umWalletBalance = debt.umWalletBalance.plus(proceedsUSD.div(indexPriceOf(market, debt.asset).times(ONE.plus(slippage))));
      legs.push({ kind: 'collateral', name: src.asset, quantity: sold, price: sellPrice, realizedPnl: ZERO, feeUSD: ZERO });
    }
    if (debt.umWalletBalance.abs().lt('1e-24')) debt.umWalletBalance = ZERO;
  }
  for (const leg of legs) {
    const fee = leg.quantity.times(rules.liquidationFee.crossMargin);
    leg.feeUSD = chargeCappedFee(state, market, rules, leg.name, fee, 'crossMarginFree');
  }
  return legs;
}

const isRecovered = (s: AccountSnapshot, target: Dec) => !s.adjustedEquity.isNegative() && (s.uniMMR === null || s.uniMMR.gte(target));

/**
 * docs/margin-rules.md §3–§4: cancel open orders and re-check; otherwise take the account over per policy, charge
 * capped fees, and record any deficit as bankruptcy. Reads the triggering snapshot, never
 * recomputes margin itself.
 */
export function runLiquidation(state: Portfolio, trigger: AccountSnapshot, market: MarketSnapshot, rules: Rules, options: LiquidationOptions, time: number): LiquidationOutcome {
  const events: ReplayEvent[] = [];
  const evaluate = () => calculateAccountSnapshot(state, market, rules);
  if (state.marginOpenOrders.length > 0) {
    const count = state.marginOpenOrders.length;
    state.marginOpenOrders = [];
    const after = evaluate();
    events.push({ type: 'ordersCancelled', time, count, uniMMR: after.uniMMR });
    if (after.accountStatus !== 'FORCE_LIQUIDATION') {
      events.push({ type: 'liquidationCancelled', time, uniMMR: after.uniMMR });
      return { events, snapshot: after, bankrupt: false };
    }
  }

  const legs: LiquidatedLeg[] = [];
  if (options.policy === 'full') {
    while (state.umPositions.length > 0) legs.push(closePosition(state, market, rules, 'UM', 0, options.slippage));
    while (state.cmPositions.length > 0) legs.push(closePosition(state, market, rules, 'CM', 0, options.slippage));
  } else {
    for (let s = evaluate(); !isRecovered(s, options.target) && s.positions.length > 0; s = evaluate()) {
      // Largest maintenance margin first; ties by symbol so the order never depends on input order.
      const worst = [...s.positions].sort((a, b) => b.maintMarginUSD.cmp(a.maintMarginUSD) || (a.symbol < b.symbol ? -1 : 1))[0]!;
      const list = worst.market === 'UM' ? state.umPositions : state.cmPositions;
      legs.push(closePosition(state, market, rules, worst.market, list.findIndex((p) => p.symbol === worst.symbol && p.positionSide === worst.positionSide), options.slippage));
    }
  }
  if (options.policy === 'full' || !isRecovered(evaluate(), options.target)) legs.push(...sellCollateralForDebts(state, market, rules, options.slippage));

  let after = evaluate();
  const feesUSD = legs.reduce((sum, l) => sum.plus(l.feeUSD), ZERO);
  events.push({ type: 'liquidation', time, policy: options.policy, uniMMRBefore: trigger.uniMMR, uniMMRAfter: after.uniMMR, legs, feesUSD });
  if (after.actualEquity.isNegative() && !after.actualEquity.isZero()) {
    events.push({ type: 'bankruptcy', time, deficitUSD: after.actualEquity.neg() });
    state.balances = [];
    state.umPositions = [];
    state.cmPositions = [];
    after = evaluate();
    return { events, snapshot: after, bankrupt: true };
  }
  return { events, snapshot: after, bankrupt: false };
}
