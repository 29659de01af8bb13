import { Dec, minusDec, ONE, plusDec, ZERO } from '../../domain/decimal.js';
import { MissingPriceError } from '../../domain/errors.js';
import type {
  AccountSnapshot,
  CmPosition,
  UmPosition,
  AssetBreakdown,
  MarketSnapshot,
  OrderBreakdown,
  Portfolio,
  PositionBreakdown,
  Rules,
} from '../../domain/types.js';
import { findCmContract, findCollateralTiers, findLoanMaintMarginRatio, findUmContract } from '../../rules/resolve.js';
import { divideDec } from '../../domain/scaled.js';
import { calculateBalanceNet } from './balance.js';
import { calculateOrderOpenLoss } from './open-loss.js';
import { calculateCmNotionalCoin, calculateCmPnl, calculateUmPnl } from './pnl.js';
import { findAccountStatus } from './status.js';
import { calculateAssetEquity, calculateCmMaintMargin, calculateUmMaintMargin, findMarginalCollateralRate } from './tables.js';

/** Per-asset running totals while positions are folded in (native units). */
export interface AssetTotals {
  asset: string;
  balanceNet: Dec;
  borrowed: Dec;
  marginLeverage?: number;
  umUnrealizedPNL: Dec;
  cmUnrealizedPNL: Dec;
  futuresMaintMargin: Dec;
  reportedUm?: Dec;
  reportedCm?: Dec;
  balanceIndex?: number;
}

export function findIndexPrice(market: MarketSnapshot, asset: string): Dec {
  const p = market.indexPrices.get(asset);
  if (p === undefined) throw new MissingPriceError('index', asset, market.time);
  return p;
}

export function findMarkPrice(market: MarketSnapshot, symbol: string): Dec {
  const p = market.markPrices.get(symbol);
  if (p === undefined) throw new MissingPriceError('mark', symbol, market.time);
  return p;
}

// Reported PnL differs from ours whenever the market given is not the one the snapshot was taken
// at, so the cross-check only warns, and only past Binance's 8-decimal print precision.
const PNL_CROSS_CHECK_TOLERANCE = new Dec('1e-8');

type Totals = Map<string, AssetTotals>;

function totalsOf(totals: Totals, asset: string): AssetTotals {
  let t = totals.get(asset);
  if (t === undefined) {
    t = { asset, balanceNet: ZERO, borrowed: ZERO, umUnrealizedPNL: ZERO, cmUnrealizedPNL: ZERO, futuresMaintMargin: ZERO };
    totals.set(asset, t);
  }
  return t;
}

function addBalances(totals: Totals, portfolio: Portfolio): void {
  portfolio.balances.forEach((b, i) => {
    const t = totalsOf(totals, b.asset);
    t.balanceIndex = i;
    t.balanceNet = calculateBalanceNet(b);
    t.borrowed = b.crossMarginBorrowed;
    t.marginLeverage = b.marginLeverage;
    t.reportedUm = b.reportedUmUnrealizedPNL;
    t.reportedCm = b.reportedCmUnrealizedPNL;
  });
}

/**
 * One position's PnL, notional and bracket, folded into its margin asset's totals. UM and CM differ
 * only in PnL, notional and the bracket table's bounds; the rest is one path.
 */
function addPosition(totals: Totals, warnings: string[], kind: 'UM' | 'CM', p: UmPosition | CmPosition, i: number, market: MarketSnapshot, rules: Rules): PositionBreakdown {
  const mark = findMarkPrice(market, p.symbol);
  let pnl: Dec;
  let notional: Dec;
  let bracket: { index: number; maintMargin: Dec };
  let rows: readonly { bracket: number; maintMarginRatio: Dec; cum: Dec }[];
  let limit: Dec;
  let contract: { marginAsset: string; bracketTable: string };
  if (kind === 'UM') {
    const c = findUmContract(rules, p.symbol);
    pnl = calculateUmPnl(p.positionAmt, p.entryPrice, mark);
    notional = p.positionAmt.times(mark).abs();
    bracket = calculateUmMaintMargin(c.brackets, notional);
    [contract, rows, limit] = [c, c.brackets, c.brackets[c.brackets.length - 1]!.notionalCap];
  } else {
    const c = findCmContract(rules, p.symbol);
    pnl = calculateCmPnl(p.positionAmt, c.contractSize, p.entryPrice, mark);
    notional = calculateCmNotionalCoin(p.positionAmt, c.contractSize, mark);
    bracket = calculateCmMaintMargin(c.brackets, notional);
    [contract, rows, limit] = [c, c.brackets, c.brackets[c.brackets.length - 1]!.qtyCap];
  }
  if (p.reportedUnRealizedProfit !== undefined && p.reportedUnRealizedProfit.minus(pnl).abs().gt(PNL_CROSS_CHECK_TOLERANCE)) {
    warnings.push(`${kind === 'UM' ? 'umPositions' : 'cmPositions'}[${i}] (${p.symbol}): unRealizedProfit reported ${p.reportedUnRealizedProfit.toString()}, recomputed ${pnl.toString()} at mark ${mark.toString()}; the recomputed value is used`);
  }
  const t = totalsOf(totals, contract.marginAsset);
  if (kind === 'UM') t.umUnrealizedPNL = plusDec(t.umUnrealizedPNL, pnl);
  else t.cmUnrealizedPNL = plusDec(t.cmUnrealizedPNL, pnl);
  t.futuresMaintMargin = plusDec(t.futuresMaintMargin, bracket.maintMargin);
  const b = rows[bracket.index]!;
  return {
    market: kind, symbol: p.symbol, positionSide: p.positionSide, positionAmt: p.positionAmt, entryPrice: p.entryPrice, markPrice: mark,
    marginAsset: contract.marginAsset, notional, unRealizedProfit: pnl, bracketTable: contract.bracketTable, bracket: b.bracket,
    maintMarginRatio: b.maintMarginRatio, cum: b.cum, maintMargin: bracket.maintMargin, maintMarginUSD: ZERO, positionLimit: limit, exceedsPositionLimit: notional.gt(limit),
  };
}

/** An asset with nothing in it needs no price (a replay leaves such rows behind). */
function isEmptyAsset(t: AssetTotals, positionAssets: ReadonlySet<string>): boolean {
  return t.balanceNet.isZero() && t.borrowed.isZero() && t.futuresMaintMargin.isZero() && t.umUnrealizedPNL.isZero() && t.cmUnrealizedPNL.isZero() && !positionAssets.has(t.asset);
}

/** One asset's equity (haircut by its collateral tiers) and maintenance margin (futures and loan), in USD. */
function evaluateAsset(t: AssetTotals, warnings: string[], portfolio: Portfolio, market: MarketSnapshot, rules: Rules): AssetBreakdown {
  const price = findIndexPrice(market, t.asset);
  const net = plusDec(plusDec(t.balanceNet, t.umUnrealizedPNL), t.cmUnrealizedPNL);
  const actualUSD = net.times(price);
  const equityUSD = net.isPositive() && !net.isZero() ? calculateAssetEquity(findCollateralTiers(rules, t.asset), actualUSD) : actualUSD;
  let loanMaintMargin = ZERO;
  let leverage: number | undefined;
  if (!t.borrowed.isZero()) {
    leverage = t.marginLeverage ?? portfolio.marginLeverage;
    if (leverage === undefined) {
      leverage = rules.defaultMarginLeverage;
      warnings.push(`balances[${t.balanceIndex}] (${t.asset}): no marginLeverage given; the rules' defaultMarginLeverage ${leverage}x sets its loan MMR`);
    }
    loanMaintMargin = t.borrowed.times(findLoanMaintMarginRatio(rules, leverage));
  }
  const maintMarginUSD = plusDec(t.futuresMaintMargin, loanMaintMargin).times(price);
  for (const [field, reported, computed] of [['umUnrealizedPNL', t.reportedUm, t.umUnrealizedPNL], ['cmUnrealizedPNL', t.reportedCm, t.cmUnrealizedPNL]] as const) {
    if (reported !== undefined && reported.minus(computed).abs().gt(PNL_CROSS_CHECK_TOLERANCE)) {
      warnings.push(`balances[${t.balanceIndex}] (${t.asset}): ${field} reported ${reported.toString()}, recomputed ${computed.toString()} from the positions and market; the recomputed value is used`);
    }
  }
  return {
    asset: t.asset, indexPrice: price, net, umUnrealizedPNL: t.umUnrealizedPNL, cmUnrealizedPNL: t.cmUnrealizedPNL,
    actualEquityUSD: actualUSD, equityUSD, effectiveCollateralRate: actualUSD.isZero() ? ZERO : equityUSD === actualUSD ? ONE : equityUSD.div(actualUSD),
    loanMaintMargin, futuresMaintMargin: t.futuresMaintMargin, maintMarginUSD, marginLeverage: leverage,
  };
}

/** Open loss of the cross-margin open orders (mode PM only; PM Pro counts none). */
function evaluateOpenOrders(portfolio: Portfolio, assets: readonly AssetBreakdown[], market: MarketSnapshot, rules: Rules): OrderBreakdown[] {
  if (portfolio.mode !== 'PM') return [];
  const legValue = (asset: string) => {
    const indexPrice = findIndexPrice(market, asset);
    const held = assets.find((a) => a.asset === asset)?.actualEquityUSD ?? ZERO;
    return { indexPrice, collateralRate: findMarginalCollateralRate(findCollateralTiers(rules, asset), Dec.max(ZERO, held)) };
  };
  return portfolio.marginOpenOrders.map((o) => ({
    symbol: o.symbol, side: o.side, price: o.price, openQty: o.openQty, openLossUSD: calculateOrderOpenLoss(o, legValue(o.baseAsset), legValue(o.quoteAsset)),
  }));
}

/**
 * The one snapshot function (its sums by plusDec and minusDec, uniMMR by divideDec, a rate of an
 * unhaircut value 1 without dividing it by itself: Dec's decimals, at less cost): uniMMR and everything behind it for one account at one instant
 * (docs/margin-rules.md §2–§4). Pure; a missing price is a MissingPriceError, a missing rule an InputError naming where it belongs.
 */
export function calculateAccountSnapshot(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): AccountSnapshot {
  const warnings: string[] = [];
  const totals: Totals = new Map();
  addBalances(totals, portfolio);
  const positions = [
    ...portfolio.umPositions.map((p, i) => addPosition(totals, warnings, 'UM', p, i, market, rules)),
    ...portfolio.cmPositions.map((p, i) => addPosition(totals, warnings, 'CM', p, i, market, rules)),
  ];

  const positionAssets = new Set(positions.map((p) => p.marginAsset));
  const assets = [...totals.values()].filter((t) => !isEmptyAsset(t, positionAssets)).map((t) => evaluateAsset(t, warnings, portfolio, market, rules));
  const accountEquity = assets.reduce((sum, a) => plusDec(sum, a.equityUSD), ZERO);
  const actualEquity = assets.reduce((sum, a) => plusDec(sum, a.actualEquityUSD), ZERO);
  const accountMaintMargin = assets.reduce((sum, a) => plusDec(sum, a.maintMarginUSD), ZERO);
  for (const p of positions) p.maintMarginUSD = p.maintMargin.times(findIndexPrice(market, p.marginAsset));

  const orders = evaluateOpenOrders(portfolio, assets, market, rules);
  const totalMarginOpenLoss = orders.reduce((sum, o) => plusDec(sum, o.openLossUSD), ZERO);
  const adjustedEquity = minusDec(accountEquity, totalMarginOpenLoss);
  const uniMMR = accountMaintMargin.isZero() ? null : divideDec(adjustedEquity, accountMaintMargin);
  return {
    portfolioId: portfolio.id,
    mode: portfolio.mode,
    time: market.time,
    accountEquity,
    actualEquity,
    totalMarginOpenLoss,
    adjustedEquity,
    accountMaintMargin,
    uniMMR,
    accountStatus: findAccountStatus(adjustedEquity, uniMMR, rules.thresholds),
    assets,
    positions,
    orders,
    warnings,
  };
}
