import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { formatBinanceDecimal } from '../../src/records/binance-format.js';
import { formatCutWithin } from '../../src/risk/printed.js';

// src/risk/printed.ts: Binance's 8-decimal cut of a float known within ±error, or nothing when the
// interval could print two ways. Whenever it answers, the answer is the cut of the exact value.

const seed = Number(process.env.PMBT_SEED ?? 20261202);

describe('formatCutWithin', () => {
  it('cuts toward zero, as formatBinanceDecimal, when the bound keeps the digits', () => {
    expect(formatCutWithin(979.486634871, 1e-12)).toBe('979.48663487');
    expect(formatCutWithin(-12.345678919, 1e-12)).toBe('-12.34567891');
    // Within 1e-8 of zero either side: "0.00000000", never "-0.00000000".
    expect(formatCutWithin(-1e-10, 1e-12)).toBe('0.00000000');
    expect(formatCutWithin(0, 0)).toBe('0.00000000');
    expect(formatCutWithin(123456.500000004, 1e-11)).toBe('123456.50000000');
  });

  it('gives nothing where the interval holds a cut boundary, or the value is too large to cut in float', () => {
    // 1.5 ± 1e-9 holds 1.49999999… and 1.50000000….
    expect(formatCutWithin(1.5, 1e-9)).toBeUndefined();
    // A float exactly on a boundary, error 0: the product v·1e8 rounds, so it is not trusted.
    expect(formatCutWithin(1.5, 0)).toBeUndefined();
    expect(formatCutWithin(123456.5, 0)).toBeUndefined();
    expect(formatCutWithin(2.5e7, 1e-12)).toBeUndefined();
    expect(formatCutWithin(Number.NaN, 0)).toBeUndefined();
  });

  it('property: an answer is the cut of every decimal within the error', () => {
    // A decimal with 9 to 12 decimals (one with 8 or fewer lies on a cut boundary: no answer), its
    // float, and an error at least their distance.
    const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.integer({ min: 9, max: 12 })).map(([c, e]) => new Dec(c.toString()).div(new Dec(10).pow(e)));
    let answered = 0;
    fc.assert(fc.property(decimal, fc.double({ min: 1, max: 100, noNaN: true }), (d, widen) => {
      const v = d.toNumber();
      const error = new Dec(v).minus(d).abs().toNumber() * widen;
      const cut = formatCutWithin(v, error);
      if (cut === undefined) return;
      answered++;
      expect(cut).toBe(formatBinanceDecimal(d));
    }), { numRuns: 2000, seed });
    // Most of them answer: the check means something.
    expect(answered).toBeGreaterThan(1000);
  });
});
