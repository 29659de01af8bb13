import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bisectCrossing, findFirstCrossing, makeGrid } from '../../src/risk/crossing.js';

// src/risk/crossing.ts on predicates whose crossings are known: the grid from 0 outwards, the first
// side change, bisection to adjacent units.

describe('makeGrid', () => {
  it('steps range/steps from 0 outwards, signed, ending at the range', () => {
    expect(makeGrid(1, 100, 4, 100)).toEqual([0, 25, 50, 75, 100]);
    expect(makeGrid(-1, 100, 4, 100)).toEqual([0, -25, -50, -75, -100]);
  });
  it('stops at a limit short of the range and ends on it', () => {
    expect(makeGrid(-1, 100, 4, 60)).toEqual([0, -25, -50, -60]);
    expect(makeGrid(1, 100, 4, 50)).toEqual([0, 25, 50]);
  });
});

describe('findFirstCrossing', () => {
  it('finds the first of two crossings (beyond on [30, 40) and from 70): 30, not 70', () => {
    const beyond = (u: number) => (u >= 30 && u < 40) || u >= 70;
    // The grid point 50 is not beyond, 100 is: a bisection of [0, 100] alone would find 70.
    expect(bisectCrossing(0, 100, false, beyond)).toEqual({ inside: 69, crossing: 70 });
    expect(findFirstCrossing(makeGrid(1, 100, 20, 100), beyond)).toEqual({ inside: 29, crossing: 30 });
  });
  it('misses an excursion narrower than the grid step (documented), and finds none when nothing crosses', () => {
    const narrow = (u: number) => u >= 31 && u < 34;
    expect(findFirstCrossing(makeGrid(1, 100, 10, 100), narrow)).toBeUndefined();
    expect(findFirstCrossing(makeGrid(1, 100, 10, 100), () => false)).toBeUndefined();
  });
  it('a start beyond the threshold looks for the way back (down direction)', () => {
    expect(findFirstCrossing(makeGrid(-1, 1000, 8, 1000), (u) => u > -417)).toEqual({ inside: -416, crossing: -417 });
  });
  it('property: for a single threshold at t, the crossing is t exactly, in either direction', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 2, max: 200 }), fc.constantFrom<-1 | 1>(-1, 1), (t, steps, sign) => {
      const found = findFirstCrossing(makeGrid(sign, 10 ** 9, steps, 10 ** 9), (u) => sign * u >= t);
      expect(found).toEqual({ inside: sign * (t - 1), crossing: sign * t });
    }), { numRuns: 200, seed: 17 });
  });
});
