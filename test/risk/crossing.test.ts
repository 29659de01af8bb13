import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bisectCrossing, findFirstCrossing, makeGrid } from '../../src/risk/crossing.js';
import { narrowCrossing } from '../../src/risk/scan.js';

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

describe('narrowCrossing (src/risk/scan.ts)', () => {
  /** A probe of a value f(u) that crosses 0 once, at u ≥ t (bit 0 set there), counting its calls. */
  const probeOf = (f: (u: number) => number) => {
    const probe = {
      calls: 0, adjusted: 0, margin: 0,
      sidesAt(u: number) {
        probe.calls++;
        probe.adjusted = f(u);
        return f(u) <= 0 ? 1 : 0;
      },
    };
    return probe;
  };

  it('ends on the adjacent units around the crossing, in a few steps where the value is linear', () => {
    // f = 1,000 − u/1e5: crosses at u = 1e8, within a 1.25 % grid step (1.25e8 units).
    const probe = probeOf((u) => 1000 - u / 1e5);
    expect(narrowCrossing(0, 1.25e8, 0, 0, probe)).toEqual({ inside: 99999999, crossing: 100000000 });
    // Bisection takes 27 halvings of 1.25e8; the secant a handful (two ends, then each step).
    expect(probe.calls).toBeLessThanOrEqual(6);
    // Downwards (negative units), the same.
    const down = probeOf((u) => 1000 + u / 1e5);
    expect(narrowCrossing(0, -1.25e8, 0, 0, down)).toEqual({ inside: -99999999, crossing: -100000000 });
  });

  it('property: any single crossing, even of a value the secant reads badly (a step, a kink), is found exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 9 - 1 }), fc.constantFrom('linear', 'step', 'kink', 'cubic'), fc.constantFrom<-1 | 1>(-1, 1), (t, shape, sign) => {
      const x = (u: number) => sign * u;
      const f = {
        linear: (u: number) => t - 0.5 - x(u),
        step: (u: number) => (x(u) < t ? 1 : -1),
        kink: (u: number) => (x(u) < t ? (t - x(u)) * 1e-6 + 1e-9 : (t - x(u)) * 1e6 - 1),
        cubic: (u: number) => ((t - 0.5 - x(u)) / 1e9) ** 3,
      }[shape];
      const probe = probeOf(f);
      expect(narrowCrossing(0, sign * 10 ** 9, 0, 0, probe)).toEqual({ inside: sign * (t - 1), crossing: sign * t });
      // Never much worse than bisection (30 halvings of 1e9): the bisection safeguard.
      expect(probe.calls).toBeLessThanOrEqual(2 + 3 * 30);
    }), { numRuns: 300, seed: 17 });
  });
});
