import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import * as exact from '../../../src/engine/exact/pnl.js';
import { calculateCmNotionalCoin, calculateCmPnl, calculateUmPnl } from '../../../src/engine/fast/pnl.js';

// src/engine/fast/pnl.ts: float64 mirrors of src/engine/exact/pnl.ts (docs/architecture.md "Parity
// contract": CM's 1/entry − 1/mark cancels, so its relative error grows when mark ≈ entry while the
// absolute error stays ~1e-16 of the notional).

const d = (x: number) => new Dec(x);

describe('calculateUmPnl: positionAmt·(mark − entry)', () => {
  it('0.5 × (41,000 − 40,000) = 500; the short −500', () => {
    expect(calculateUmPnl(0.5, 40_000, 41_000)).toBe(500);
    expect(calculateUmPnl(-0.5, 40_000, 41_000)).toBe(-500);
  });
  it('docs §10: −0.05 × (40,000 − 52,000) = 600 and 0.04 × (42,000 − 52,350) = −414', () => {
    expect(calculateUmPnl(-0.05, 52_000, 40_000)).toBeCloseTo(600, 9);
    expect(calculateUmPnl(0.04, 52_350, 42_000)).toBeCloseTo(-414, 9);
  });
  it('Binance sample: 0.001 × (21123.05052574 − 22185.2) = −1.06214947426, to float precision', () => {
    expect(Math.abs(calculateUmPnl(0.001, 22185.2, 21123.05052574) - -1.06214947426)).toBeLessThan(1e-12);
  });
  it('zero at the entry and for a zero position', () => {
    expect(calculateUmPnl(3, 2000, 2000)).toBe(0);
    expect(Math.abs(calculateUmPnl(0, 2000, 2500))).toBe(0);
  });
  it('a NaN mark (a missing or stale price) gives NaN, which the kernel reads as "needs exact"', () => {
    expect(calculateUmPnl(1, 2000, Number.NaN)).toBeNaN();
  });
});

describe('calculateCmPnl: contracts·contractSize·(1/entry − 1/mark)', () => {
  it('docs §10: 100 × 100 × (1/50,000 − 1/40,000) = −0.05 BTC', () => {
    expect(calculateCmPnl(100, 100, 50_000, 40_000)).toBeCloseTo(-0.05, 15);
  });
  it('long gains as the mark rises, short mirrors it: ±10 × 10 × (1/2,000 − 1/2,500) = ±0.01', () => {
    expect(calculateCmPnl(10, 10, 2000, 2500)).toBeCloseTo(0.01, 15);
    expect(calculateCmPnl(-10, 10, 2000, 2500)).toBeCloseTo(-0.01, 15);
  });
  it('Binance sample: 1 × 100 × (1/11707.70000003 − 1/11788.66626667) = 0.0000586634845133499... BTC', () => {
    // the cancellation leaves ~1e-16 of the 0.0085 BTC notional: 1e-18 absolute, ~1e-13 relative
    expect(Math.abs(calculateCmPnl(1, 100, 11707.70000003, 11788.66626667) - 0.0000586634845133499)).toBeLessThan(1e-17);
  });
  it('zero at the entry price', () => {
    expect(calculateCmPnl(7, 100, 43210.5, 43210.5)).toBe(0);
  });
  it('a NaN mark gives NaN', () => {
    expect(calculateCmPnl(1, 100, 40_000, Number.NaN)).toBeNaN();
  });
});

describe('calculateCmNotionalCoin: |contracts·contractSize / mark|', () => {
  it('100 × 100 / 40,000 = 0.25 BTC, positive for a short too', () => {
    expect(calculateCmNotionalCoin(100, 100, 40_000)).toBe(0.25);
    expect(calculateCmNotionalCoin(-100, 100, 40_000)).toBe(0.25);
  });
  it('falls as the mark rises: 100 × 100 / 50,000 = 0.2', () => {
    expect(calculateCmNotionalCoin(100, 100, 50_000)).toBe(0.2);
  });
  it('a NaN mark gives NaN', () => {
    expect(calculateCmNotionalCoin(100, 100, Number.NaN)).toBeNaN();
  });
});

describe('against the exact engine on the same inputs', () => {
  // Positions of both signs and several sizes, entries and marks from far apart to a cent apart.
  const amounts = [-250, -3, -0.001, 0.001, 0.04, 1, 17, 1000];
  const entries = [0.0123, 0.5, 1.5, 2000, 40_000, 63_123.45];
  const moves = [-0.5, -0.01, -1e-7, 0, 1e-7, 0.003, 0.25];

  it('UM PnL within a few ulps of the exact value (no cancellation: one subtraction of prices, one product)', () => {
    for (const amt of amounts) for (const entry of entries) for (const m of moves) {
      const mark = entry * (1 + m);
      const x = exact.calculateUmPnl(d(amt), d(entry), d(mark)).toNumber();
      // The float subtraction mark − entry is exact or off by half an ulp of the prices.
      expect(Math.abs(calculateUmPnl(amt, entry, mark) - x)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(amt) * Math.max(entry, mark));
    }
  });

  it('CM PnL: the absolute error stays ~1e-16 of the notional, even when mark ≈ entry', () => {
    for (const contracts of [-500, -1, 1, 3, 10_000]) for (const size of [10, 100]) for (const entry of entries) for (const m of moves) {
      const mark = entry * (1 + m);
      const x = exact.calculateCmPnl(d(contracts), d(size), d(entry), d(mark)).toNumber();
      const notional = Math.abs((contracts * size) / entry) + Math.abs((contracts * size) / mark);
      expect(Math.abs(calculateCmPnl(contracts, size, entry, mark) - x)).toBeLessThanOrEqual(4 * Number.EPSILON * notional);
    }
  });

  it('CM notional within an ulp or two of the exact value', () => {
    for (const contracts of [-500, -1, 1, 3, 10_000]) for (const size of [10, 100]) for (const mark of entries) {
      const x = exact.calculateCmNotionalCoin(d(contracts), d(size), d(mark)).toNumber();
      expect(Math.abs(calculateCmNotionalCoin(contracts, size, mark) - x)).toBeLessThanOrEqual(2 * Number.EPSILON * x);
    }
  });
});
