/**
 * The portfolio document as plain JSON (docs/formats.md, docs/formats.md "Scheduled actions"): what
 * portfolios.jsonl holds, one per line, and what parsePortfolio accepts. Amounts are decimal strings.
 */

export interface SampleBalanceDocument {
  asset: string;
  crossMarginFree?: string;
  crossMarginBorrowed?: string;
  umWalletBalance?: string;
  cmWalletBalance?: string;
  marginLeverage?: number;
}

export interface SamplePositionDocument {
  symbol: string;
  positionAmt: string;
  entryPrice: string;
  positionSide?: 'LONG' | 'SHORT';
}

export interface SampleOrderDocument {
  symbol: string;
  side: 'BUY' | 'SELL';
  price: string;
  origQty: string;
}

export type SampleActionDocument =
  | { time: string; type: 'trade'; market: 'UM' | 'CM'; symbol: string; side: 'BUY' | 'SELL'; qty: string; positionSide?: 'LONG' | 'SHORT' }
  | { time: string; type: 'transfer'; asset: string; amount: string; from: 'external' | 'crossMargin' | 'um' | 'cm'; to: 'external' | 'crossMargin' | 'um' | 'cm' }
  | { time: string; type: 'borrow' | 'repay'; asset: string; amount: string };

export interface SamplePortfolioDocument {
  version: 1;
  id: string;
  mode: 'PM' | 'PM_PRO';
  /** "<style>: <variant>; risk <tier>" — the style comes first so tools can group by it. */
  description: string;
  balances: SampleBalanceDocument[];
  umPositions: SamplePositionDocument[];
  cmPositions: SamplePositionDocument[];
  marginOpenOrders?: SampleOrderDocument[];
  actions?: SampleActionDocument[];
}

/** A decimal string with at most `decimals` places, trailing zeros dropped ("1234.5", "-0.012"). */
export function formatDecimal(value: number, decimals: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot format ${value} as a decimal`);
  let text = value.toFixed(decimals);
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

/** Reads back the style of a sample document from its description. */
export function findSampleStyle(doc: { description?: string }): string | undefined {
  return doc.description?.split(':', 1)[0];
}
