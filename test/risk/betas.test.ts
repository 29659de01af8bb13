import { describe, expect, it } from 'vitest';
import { estimateBetas, fitSlope, MIN_RETURNS } from '../../src/risk/betas.js';
import { BETA_T0, makeBetaHistory } from '../helpers/beta-history.js';
import { HOUR, seriesOf } from '../helpers/series.js';

// src/risk/betas.ts: β of each asset on the leader from a price history, on a history whose betas
// are known by construction (test/helpers/beta-history.ts has the arithmetic).

const DAY = 24 * HOUR;
const window = { windowMs: 30 * DAY, intervalMs: HOUR, window: '30d', interval: '1h' };

describe('estimateBetas on a synthetic history', () => {
  const series = seriesOf(makeBetaHistory());
  const e = estimateBetas(series, 'prices.arrow', { ...window, leader: 'BTC', end: BETA_T0 + 30 * DAY });

  it('ETH: β = 1.5, R² = 1; SOL: β = 0.7 with orthogonal noise, R² = 0.49 / 0.74', () => {
    // 30 days × 24 hourly returns = 720 (a multiple of 4: the noise cancels exactly in the slope).
    expect(e.estimates.get('ETH')).toMatchObject({ returns: 720 });
    expect(e.estimates.get('ETH')!.beta.toFixed(8)).toBe('1.50000000');
    expect(e.estimates.get('ETH')!.r2).toBeCloseTo(1, 12);
    expect(e.estimates.get('SOL')!.beta.toFixed(8)).toBe('0.70000000');
    expect(e.estimates.get('SOL')!.r2).toBeCloseTo(0.49 / 0.74, 10);
  });

  it('leaves out the leader and stablecoins, and lists an asset with too few returns', () => {
    expect([...e.estimates.keys()].sort()).toEqual(['ETH', 'SOL']);
    // AVAX: 5 hourly rows at the end, 4 returns < MIN_RETURNS.
    expect(MIN_RETURNS).toBeGreaterThan(4);
    expect(e.tooShort).toEqual(['AVAX']);
  });

  it('samples the price in force at each interval: a 2-hour interval sees BTC flat, so it refuses', () => {
    // Every 2 hours BTC is back at 40,000: no leader return moves.
    expect(() => estimateBetas(series, 'prices.arrow', { ...window, intervalMs: 2 * HOUR, interval: '2h', leader: 'BTC', end: BETA_T0 + 30 * DAY }))
      .toThrow(/prices\.arrow: index:BTC: expected at least 10 2h returns of the leader that move, within the 30d window to/);
  });

  it('a window ending earlier uses fewer returns, the same slope', () => {
    const early = estimateBetas(series, 'prices.arrow', { ...window, windowMs: 10 * DAY, window: '10d', leader: 'BTC', end: BETA_T0 + 12 * DAY });
    expect(early.estimates.get('ETH')).toMatchObject({ returns: 240 });
    expect(early.estimates.get('SOL')!.beta.toFixed(8)).toBe('0.70000000');
  });

  it('a leader absent from the history is an InputError naming the file and the series', () => {
    expect(() => estimateBetas(series, 'prices.arrow', { ...window, leader: 'DOGE', end: BETA_T0 + 30 * DAY })).toThrow(/prices\.arrow: index:DOGE: expected the leader's index series/);
  });

  it('fitSlope: y = 2x + 3 → slope 2, R² 1; a constant x → none', () => {
    expect(fitSlope([1, 2, 3], [5, 7, 9])).toEqual({ slope: 2, r2: 1 });
    expect(fitSlope([1, 1, 1], [5, 7, 9])).toBeUndefined();
  });
});
