import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { formatBinanceDecimal } from '../../src/records/binance-format.js';

/** The definition: toFixed(8) cut toward zero, and no "-0.00000000". */
const reference = (x: Dec) => {
  const text = x.toFixed(8, Dec.ROUND_DOWN);
  return text === '-0.00000000' ? '0.00000000' : text;
};

describe('formatBinanceDecimal', () => {
  it('prints what toFixed(8, ROUND_DOWN) prints, for decimals of any size and length', () => {
    // mantissas up to 40 digits (the exact engine's precision) at powers of ten from 1e-50 to 1e70,
    // and results of 40-digit division (periodic digits to the last word)
    const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: -90, max: 70 })).map(([m, k]) => new Dec(`${m}e${k}`));
    const quotient = fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 1e6 })).map(([a, b]) => new Dec(a).div(b));
    fc.assert(fc.property(fc.oneof(decimal, quotient), (x) => formatBinanceDecimal(x) === reference(x)), { numRuns: 3000, seed: Number(process.env.PMBT_SEED ?? 20261121) });
  });
  it('handles the edges: zero and negative zero, cut-to-zero negatives, exact 8th decimal, huge values', () => {
    for (const s of ['0', '-0', '-0.000000009', '0.00000001', '-0.00000001', '1e-9', '123456789012345678901234567890', '1.5e80', '-2.000000019', '99999999.999999999'])
      expect(formatBinanceDecimal(new Dec(s))).toBe(reference(new Dec(s)));
  });
});

const d = (x: string | number) => new Dec(x);

describe('docs/margin-rules.md §6 number format', () => {
  it('cuts to 8 decimals toward zero', () => {
    expect(formatBinanceDecimal(d('21.12305052574'))).toBe('21.12305052');
    expect(formatBinanceDecimal(d('-21.12305052574'))).toBe('-21.12305052');
    expect(formatBinanceDecimal(d('-0.000000001'))).toBe('0.00000000');
    expect(formatBinanceDecimal(d('5'))).toBe('5.00000000');
  });
  it('accountEquity 122607.35137903 / accountMaintMargin 23.72469206 → uniMMR 5167.92171923', () => {
    expect(formatBinanceDecimal(d('122607.35137903').div('23.72469206'))).toBe('5167.92171923');
  });
});
