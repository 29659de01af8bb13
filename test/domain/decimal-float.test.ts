import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, floatOfDecimal } from '../../src/domain/decimal.js';
import { amount, price, propertyRuns, propertySeed } from '../helpers/decimals.js';

// floatOfDecimal (src/domain/decimal.ts): the same float64 as decimal.js's toNumber, bit for bit
// (Object.is tells −0 from +0).
const [runs, seed] = [propertyRuns, propertySeed];

describe('floatOfDecimal against Dec.toNumber', () => {
  it('is toNumber for amounts, prices and the 40-digit results of their products, quotients and sums', () => {
    fc.assert(fc.property(amount, price, amount, (a, p, b) => {
      const values = [a, p, b, a.times(p), a.div(p), a.plus(b), a.times(p).times(b), a.div(p).times(b).neg(), a.times(p).plus(b.div(p))];
      return values.every((d) => Object.is(floatOfDecimal(d), d.toNumber()));
    }), { numRuns: 5 * runs, seed });
  });

  it('is toNumber for any float64 made a decimal, and for decimals of up to 40 random digits at any exponent', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => Object.is(floatOfDecimal(new Dec(x)), new Dec(x).toNumber())), { numRuns: 5 * runs, seed });
    const digits = fc.stringMatching(/^[1-9][0-9]{0,39}$/);
    fc.assert(fc.property(digits, fc.integer({ min: -340, max: 320 }), fc.boolean(), (c, e, negative) => {
      const d = new Dec(`${negative ? '-' : ''}${c}e${e}`);
      return Object.is(floatOfDecimal(d), d.toNumber());
    }), { numRuns: 5 * runs, seed });
  });

  it('keeps signed zeros, infinities and NaN; takes the short path exactly at its limits', () => {
    for (const text of ['0', '-0', 'Infinity', '-Infinity', 'NaN', '1e22', '1e23', '99999999999999e22', '99999999999999e-22', '123456789012345e-22', '0.1', '-0.3', '9007199254740993', '1e-400', '-1e400', '2.4703282292062327e-324'])
      expect(Object.is(floatOfDecimal(new Dec(text)), new Dec(text).toNumber()), text).toBe(true);
    expect(Object.is(floatOfDecimal(new Dec('-0')), -0)).toBe(true);
  });
});
