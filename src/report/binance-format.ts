import { Dec } from '../domain/decimal.js';

/** Binance's print format: 8 decimals, cut toward zero ("21.12305052574" → "21.12305052"). */
export function formatBinanceDecimal(value: Dec): string {
  const text = value.toFixed(8, Dec.ROUND_DOWN);
  // A value cut to zero from below prints "0.00000000", not "-0.00000000".
  return text === '-0.00000000' ? '0.00000000' : text;
}
