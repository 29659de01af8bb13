import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { add, countDigits, decOf, divide, divideDec, multiply, negate, scaledOf } from '../../src/domain/scaled.js';
import { amount, propertyRuns, propertySeed, sameDec } from '../helpers/decimals.js';

// src/domain/scaled.ts: every operation gives Dec's result digit for digit (the same value and the
// same digit words, so the printed and the float64 forms are the same too).
const [runs, seed] = [propertyRuns, propertySeed];

describe('scaled integers (domain/scaled.ts) against Dec', () => {
  it('times, plus, minus and div give Dec\'s digits; neg and the round trip are exact', () => {
    fc.assert(fc.property(amount, amount, (a, b) => {
      const [x, y] = [scaledOf(a), scaledOf(b)];
      return sameDec(decOf(multiply(x, y)), a.times(b)) && sameDec(decOf(add(x, y)), a.plus(b)) && sameDec(decOf(add(x, negate(y))), a.minus(b))
        && sameDec(decOf(divide(x, y)), a.div(b)) && sameDec(decOf(negate(x)), a.neg()) && sameDec(decOf(x), a);
    }), { numRuns: 5 * runs, seed });
  });

  it('divideDec is Dec\'s div, zeros\' signs and non-finite operands included', () => {
    const operand = fc.oneof(amount, fc.constantFrom(new Dec(0), new Dec(-0), new Dec(Number.POSITIVE_INFINITY), new Dec(Number.NaN)));
    const same = (x: Dec, y: Dec) => (x.isNaN() ? y.isNaN() : x.isFinite() ? sameDec(x, y) : x.eq(y));
    fc.assert(fc.property(operand, operand, (a, b) => same(divideDec(a, b), a.div(b))), { numRuns: 5 * runs, seed });
  });

  it('a sum that cancels is +0, as Dec gives it', () => {
    fc.assert(fc.property(amount, (a) => sameDec(decOf(add(scaledOf(a), negate(scaledOf(a)))), a.minus(a))), { numRuns: runs, seed });
  });

  it('rounds half to even at 40 significant digits, and a carry past 99…9 moves the exponent', () => {
    const round = (digits: string) => decOf(multiply(scaledOf(new Dec(digits)), { c: 1n, e: 0 })).toFixed();
    // 41 digits ending in 5: ties go to the even neighbour
    const zeros = '0'.repeat(38);
    expect(round(`1${zeros}25`)).toBe(`1${zeros}20`);
    expect(round(`1${zeros}35`)).toBe(`1${zeros}40`);
    // past the tie: up
    expect(round(`1${zeros}351`)).toBe(`1${zeros}400`);
    expect(round(`1${zeros}25`)).toBe(new Dec(`1${zeros}25`).times(1).toFixed());
    expect(round('9'.repeat(41))).toBe(`1${'0'.repeat(41)}`);
    // a division's remainder breaks a tie upwards: 1/3 and 2/3 to 40 digits
    expect(decOf(divide({ c: 2n, e: 0 }, { c: 3n, e: 0 })).toString()).toBe(new Dec(2).div(3).toString());
    expect(countDigits(10n ** 40n - 1n)).toBe(40);
    expect(countDigits(10n ** 40n)).toBe(41);
    expect(countDigits(0n)).toBe(1);
  });

  it('refuses a decimal that is not finite', () => {
    expect(() => scaledOf(new Dec(Number.POSITIVE_INFINITY))).toThrow('not a finite decimal');
  });
});
