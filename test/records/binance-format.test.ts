import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { formatBinanceDecimal, formatBinanceDecimalWithin } from '../../src/records/binance-format.js';

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

describe('formatBinanceDecimalWithin: the cut of every number within an error of a float', () => {
  it('gives the cut when the interval stays inside one 8-decimal cell, none when an edge is within reach', () => {
    // 1.000000005 ± 10⁻¹²: every number prints 1.00000000.
    expect(formatBinanceDecimalWithin(1.000000005, 1e-12)).toBe('1.00000000');
    // 1000 ± 10⁻¹²: 999.99999999… and 1000.00000000… on either side of the edge.
    expect(formatBinanceDecimalWithin(1000, 1e-12)).toBeUndefined();
    // −2.500000005 ± 10⁻¹²: cut toward zero, −2.50000000; −2.5 itself is an edge.
    expect(formatBinanceDecimalWithin(-2.500000005, 1e-12)).toBe('-2.50000000');
    expect(formatBinanceDecimalWithin(-2.5, 1e-12)).toBeUndefined();
    // Around 0 the cell is (−10⁻⁸, 10⁻⁸): both sides print 0.00000000.
    expect(formatBinanceDecimalWithin(0, 5e-9)).toBe('0.00000000');
    // An error of one cell never fits; no number, no finite error: none.
    expect(formatBinanceDecimalWithin(1.000000005, 1e-8)).toBeUndefined();
    for (const [x, e] of [[Number.NaN, 0], [Number.POSITIVE_INFINITY, 0], [1, Number.NaN], [1, -1]] as const) expect(formatBinanceDecimalWithin(x, e)).toBeUndefined();
  });
  it('even with no error, the float\'s ulp is allowed for: 0.1 + 0.2 is too near the edge 0.3', () => {
    // 0.30000000000000004 lies 4·10⁻¹⁷ above 0.3, the first number printed 0.30000000: within the slack (2⁻⁵⁰·0.3 ≈ 2.7·10⁻¹⁶).
    expect(formatBinanceDecimalWithin(0.1 + 0.2, 0)).toBeUndefined();
    expect(formatBinanceDecimalWithin(0.300000004, 0)).toBe('0.30000000');
    // 10⁷ + 0.5·10⁻⁸: its ulp (1.9·10⁻⁹) and slack (8.9·10⁻⁹) reach both edges of its cell.
    expect(formatBinanceDecimalWithin(10_000_000.000000005, 0)).toBeUndefined();
  });
  it('whatever it gives is the cut of every decimal within the error of the float', () => {
    // Floats of up to 16 significant digits below 10⁶ (the size of an account's equity, in USD, where
    // the slack is far inside a cell), errors from 1e-20 to 1e-9; points across the interval.
    const float = fc.tuple(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.integer({ min: -24, max: -10 })).map(([m, k]) => m * 10 ** k);
    let given = 0;
    fc.assert(fc.property(float, fc.integer({ min: -20, max: -9 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), (x, p, ts) => {
      const error = 10 ** p;
      const printed = formatBinanceDecimalWithin(x, error);
      if (printed === undefined) return;
      given++;
      for (const t of [-1, 1, ...ts]) expect(formatBinanceDecimal(new Dec(x).plus(new Dec(error).times(t)))).toBe(printed);
    }), { numRuns: 3000, seed: Number(process.env.PMBT_SEED ?? 20261202) });
    // Most intervals fit in a cell (the test is not vacuous).
    expect(given).toBeGreaterThan(1500);
  });
});
