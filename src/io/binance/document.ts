import type { Dec } from '../../domain/decimal.js';
import type { Balance, CmPosition, Portfolio, UmPosition } from '../../domain/types.js';

// An imported account as a portfolio document (docs/formats.md), for `pmbt run`: amounts as the
// exact decimal strings Binance gave; the reported PnL is kept as the cross-check it is.

export type PortfolioDocument = Record<string, unknown>;

const BALANCE_FIELDS = ['crossMarginFree', 'crossMarginLocked', 'crossMarginBorrowed', 'crossMarginInterest', 'umWalletBalance', 'cmWalletBalance'] as const;

function balanceDocument(b: Balance): Record<string, unknown> {
  const doc: Record<string, unknown> = { asset: b.asset };
  for (const f of BALANCE_FIELDS) if (!b[f].isZero()) doc[f] = b[f].toString();
  if (b.marginLeverage !== undefined) doc.marginLeverage = b.marginLeverage;
  if (b.reportedUmUnrealizedPNL !== undefined) doc.umUnrealizedPNL = b.reportedUmUnrealizedPNL.toString();
  if (b.reportedCmUnrealizedPNL !== undefined) doc.cmUnrealizedPNL = b.reportedCmUnrealizedPNL.toString();
  return doc;
}

function positionDocument(p: UmPosition | CmPosition): Record<string, unknown> {
  const text = (d: Dec) => d.toString();
  return {
    symbol: p.symbol,
    positionAmt: text(p.positionAmt),
    entryPrice: text(p.entryPrice),
    positionSide: p.positionSide,
    ...(p.reportedUnRealizedProfit === undefined ? {} : { unRealizedProfit: text(p.reportedUnRealizedProfit) }),
  };
}

export function formatPortfolioDocument(p: Portfolio): PortfolioDocument {
  return {
    version: 1,
    id: p.id,
    mode: p.mode,
    ...(p.marginLeverage === undefined ? {} : { marginLeverage: p.marginLeverage }),
    balances: p.balances.map(balanceDocument),
    umPositions: p.umPositions.map(positionDocument),
    cmPositions: p.cmPositions.map(positionDocument),
  };
}
