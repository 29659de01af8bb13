import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, minusDec, plusDec } from '../../src/domain/decimal.js';
import { amount, propertyRuns, propertySeed, sameDec } from '../helpers/decimals.js';

// plusDec and minusDec skip the additions of a zero: the same decimals as Dec's plus and minus,
// zeros' signs, digits past Dec's precision and non-finite operands included.
const operand = fc.oneof(amount, fc.constantFrom(new Dec(0), new Dec(-0), new Dec('1e-50'), new Dec('-123456789012345678901234567890123456789012345'), new Dec(Number.POSITIVE_INFINITY), new Dec(Number.NaN)));
const same = (x: Dec, y: Dec) => (x.isNaN() ? y.isNaN() : x.isFinite() ? sameDec(x, y) : x.eq(y));

describe('plusDec and minusDec', () => {
  it('give Dec\'s plus and minus on any operands', () => {
    fc.assert(fc.property(operand, operand, (x, y) => same(plusDec(x, y), x.plus(y)) && same(minusDec(x, y), x.minus(y))), { numRuns: 10 * propertyRuns, seed: propertySeed });
  });
  it('return the nonzero side itself when the other is a zero', () => {
    const x = new Dec('-12.5');
    expect(plusDec(x, new Dec(0))).toBe(x);
    expect(plusDec(new Dec(-0), x)).toBe(x);
    expect(minusDec(x, new Dec(-0))).toBe(x);
    expect(minusDec(new Dec(0), x).toString()).toBe('12.5');
    // zeros with zeros: Dec's sign (−0 + −0 is −0, −0 − −0 is +0)
    expect(plusDec(new Dec(-0), new Dec(-0)).s).toBe(-1);
    expect(minusDec(new Dec(-0), new Dec(-0)).s).toBe(1);
    // past Dec's precision: Dec rounds it, so plusDec does too
    const long = new Dec('1.23456789012345678901234567890123456789012345');
    expect(plusDec(long, new Dec(0)).toString()).toBe(long.plus(0).toString());
    expect(plusDec(long, new Dec(0))).not.toBe(long);
  });
});
