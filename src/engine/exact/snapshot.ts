import { Dec, ONE, plusDec, ZERO } from '../../domain/decimal.js';
import type { AccountSnapshot, AssetBreakdown, MarketSnapshot, OrderBreakdown, Portfolio, PositionBreakdown, Rules } from '../../domain/types.js';
import { evaluateAccount, findIndexPrice, makeContributions, prepareAccount, type AssetContribution, type PositionContribution } from './account-numbers.js';

// Reported PnL differs from ours whenever the market given is not the one the snapshot was taken
// at, so the cross-check only warns, and only past Binance's 8-decimal print precision.
const PNL_CROSS_CHECK_TOLERANCE = new Dec('1e-8');

const differs = (reported: Dec | undefined, computed: Dec): boolean => reported !== undefined && reported.minus(computed).abs().gt(PNL_CROSS_CHECK_TOLERANCE);

/** A position's breakdown and its PnL cross-check warning. */
function describePosition(x: PositionContribution, i: number, warnings: string[]): PositionBreakdown {
  const { p, mark, pnl, notional } = x;
  if (differs(p.reportedUnRealizedProfit, pnl)) {
    warnings.push(`${x.kind === 'UM' ? 'umPositions' : 'cmPositions'}[${i}] (${p.symbol}): unRealizedProfit reported ${p.reportedUnRealizedProfit!.toString()}, recomputed ${pnl.toString()} at mark ${mark.toString()}; the recomputed value is used`);
  }
  const rows: readonly { bracket: number; maintMarginRatio: Dec; cum: Dec }[] = x.contract.brackets;
  const limit = x.kind === 'UM' ? x.contract.brackets[x.contract.brackets.length - 1]!.notionalCap : x.contract.brackets[x.contract.brackets.length - 1]!.qtyCap;
  const b = rows[x.bracketIndex]!;
  return {
    market: x.kind, symbol: p.symbol, positionSide: p.positionSide, positionAmt: p.positionAmt, entryPrice: p.entryPrice, markPrice: mark,
    marginAsset: x.contract.marginAsset, notional, unRealizedProfit: pnl, bracketTable: x.contract.bracketTable, bracket: b.bracket,
    maintMarginRatio: b.maintMarginRatio, cum: b.cum, maintMargin: x.maintMargin, maintMarginUSD: ZERO, positionLimit: limit, exceedsPositionLimit: notional.gt(limit),
  };
}

/** An asset's breakdown, and its warnings: a loan at the rules' default leverage, reported PnL that differs. */
function describeAsset(a: AssetContribution, warnings: string[]): AssetBreakdown {
  const t = a.totals;
  if (a.defaultLeverage) warnings.push(`balances[${t.balanceIndex}] (${t.asset}): no marginLeverage given; the rules' defaultMarginLeverage ${a.leverage}x sets its loan MMR`);
  for (const [field, reported, computed] of [['umUnrealizedPNL', t.reportedUm, t.umUnrealizedPNL], ['cmUnrealizedPNL', t.reportedCm, t.cmUnrealizedPNL]] as const) {
    if (differs(reported, computed)) {
      warnings.push(`balances[${t.balanceIndex}] (${t.asset}): ${field} reported ${reported!.toString()}, recomputed ${computed.toString()} from the positions and market; the recomputed value is used`);
    }
  }
  return {
    asset: t.asset, indexPrice: a.indexPrice, net: a.net, umUnrealizedPNL: t.umUnrealizedPNL, cmUnrealizedPNL: t.cmUnrealizedPNL,
    actualEquityUSD: a.actualUSD, equityUSD: a.equityUSD, effectiveCollateralRate: a.actualUSD.isZero() ? ZERO : a.equityUSD === a.actualUSD ? ONE : a.equityUSD.div(a.actualUSD),
    loanMaintMargin: a.loanMaintMargin, futuresMaintMargin: t.futuresMaintMargin, maintMarginUSD: a.maintMarginUSD, marginLeverage: a.leverage,
  };
}

/**
 * The one snapshot function: uniMMR and everything behind it for one account at one instant
 * (docs/margin-rules.md §2–§4). Pure; a missing price is a MissingPriceError, a missing rule an InputError naming where it belongs.
 */
export function calculateAccountSnapshot(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): AccountSnapshot {
  const out = makeContributions();
  const numbers = evaluateAccount(portfolio, prepareAccount(portfolio, rules), market, rules, out);
  const warnings: string[] = [];
  const umCount = portfolio.umPositions.length;
  const positions = out.positions.map((x, k) => describePosition(x, k < umCount ? k : k - umCount, warnings));
  const assets = out.assets.map((a) => describeAsset(a, warnings));
  const actualEquity = assets.reduce((sum, a) => plusDec(sum, a.actualEquityUSD), ZERO);
  for (const p of positions) p.maintMarginUSD = p.maintMargin.times(findIndexPrice(market, p.marginAsset));
  const orders: OrderBreakdown[] = out.orderLosses.map((openLossUSD, i) => {
    const o = portfolio.marginOpenOrders[i]!;
    return { symbol: o.symbol, side: o.side, price: o.price, openQty: o.openQty, openLossUSD };
  });
  return {
    portfolioId: portfolio.id,
    mode: portfolio.mode,
    time: market.time,
    accountEquity: out.accountEquity,
    actualEquity,
    totalMarginOpenLoss: out.totalMarginOpenLoss,
    adjustedEquity: numbers.adjustedEquity,
    accountMaintMargin: numbers.accountMaintMargin,
    uniMMR: numbers.uniMMR,
    accountStatus: numbers.accountStatus,
    assets,
    positions,
    orders,
    warnings,
  };
}
