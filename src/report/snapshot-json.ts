import type { AccountSnapshot } from '../domain/types.js';
import { formatBinanceDecimal as f } from '../records/binance-format.js';

/**
 * The `pmbt snapshot` output (docs/formats.md "Outputs"): Binance's account fields as 8-decimal strings cut
 * toward zero, then the per-asset and per-position breakdown in the same format.
 */
export function renderSnapshotJson(s: AccountSnapshot): Record<string, unknown> {
  return {
    portfolioId: s.portfolioId,
    mode: s.mode,
    ...(s.time === undefined ? {} : { time: s.time }),
    uniMMR: s.uniMMR === null ? null : f(s.uniMMR),
    accountEquity: f(s.accountEquity),
    actualEquity: f(s.actualEquity),
    accountMaintMargin: f(s.accountMaintMargin),
    accountStatus: s.accountStatus,
    totalMarginOpenLoss: f(s.totalMarginOpenLoss),
    adjustedEquity: f(s.adjustedEquity),
    assets: s.assets.map((a) => ({
      asset: a.asset,
      indexPrice: f(a.indexPrice),
      net: f(a.net),
      umUnrealizedPNL: f(a.umUnrealizedPNL),
      cmUnrealizedPNL: f(a.cmUnrealizedPNL),
      actualEquity: f(a.actualEquityUSD),
      equity: f(a.equityUSD),
      collateralRate: f(a.effectiveCollateralRate),
      futuresMaintMargin: f(a.futuresMaintMargin),
      loanMaintMargin: f(a.loanMaintMargin),
      ...(a.marginLeverage === undefined ? {} : { marginLeverage: a.marginLeverage }),
      maintMarginUSD: f(a.maintMarginUSD),
    })),
    positions: s.positions.map((p) => ({
      market: p.market,
      symbol: p.symbol,
      positionSide: p.positionSide,
      positionAmt: f(p.positionAmt),
      entryPrice: f(p.entryPrice),
      markPrice: f(p.markPrice),
      marginAsset: p.marginAsset,
      notional: f(p.notional),
      unRealizedProfit: f(p.unRealizedProfit),
      bracketTable: p.bracketTable,
      bracket: p.bracket,
      maintMarginRatio: f(p.maintMarginRatio),
      cum: f(p.cum),
      maintMargin: f(p.maintMargin),
      maintMarginUSD: f(p.maintMarginUSD),
      positionLimit: f(p.positionLimit),
      exceedsPositionLimit: p.exceedsPositionLimit,
    })),
    openOrders: s.orders.map((o) => ({ symbol: o.symbol, side: o.side, price: f(o.price), openQty: f(o.openQty), openLoss: f(o.openLossUSD) })),
    warnings: s.warnings,
  };
}
