import { describe, expect, it } from 'vitest';
import { loadPortfolio } from '../../src/engine/fast/batch.js';
import { calculateAccountSnapshots } from '../../src/engine/fast/snapshot.js';
import { NORMAL } from '../../src/engine/fast/status.js';
import { screenExtremeSpan } from '../../src/replay/fast-extremes.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { at, bookOf, rulesTimelineOf } from '../helpers/replay.js';
import type { SeriesRow } from '../helpers/series.js';

// Ten bars at 40,000 (BTCUSDT at a flat 1 %); the bar of minute `wickAt` goes down to `low`.
// Long 1 from 40,000 on 5,000 USDT: uniMMR = (P − 35,000) / (0.01·P): 12.5 at the close.
const rules = rulesTimelineOf();
const doc = { balances: [{ asset: 'USDT', umWalletBalance: '5000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] };
function setUp(wickAt: number, low: number) {
  const rows: SeriesRow[] = Array.from({ length: 10 }, (_, m): SeriesRow[] => [[at(m), 'USDT', 'index', 1], m === wickAt ? [at(m), 'BTC', 'index', 40_000, 40_000, low] : [at(m), 'BTC', 'index', 40_000], m === wickAt ? [at(m), 'BTCUSDT', 'mark', 40_000, 40_000, low] : [at(m), 'BTCUSDT', 'mark', 40_000]]).flat();
  const tl = bookOf(rows).timeline;
  const account = portfolioOf(doc, rules.base);
  const slot = fastSlotsOf([account], rules.base, tl)[0]!;
  loadPortfolio(slot.batch, 0, account, rules.base, slot.seriesId, slot.capacity);
  expect(calculateAccountSnapshots(slot.batch, 0, tl, 0, 10, NORMAL)).toBe(10);
  return { tl, batch: slot.batch };
}

describe('screenExtremeSpan', () => {
  it("keeps a span whose extremes are quiet, with each step's extreme (the close where the bar has none)", () => {
    const { tl, batch } = setUp(5, 38_000);
    const series = Array.from(batch.posSeries.subarray(0, 1));
    const { stop, extreme } = screenExtremeSpan(batch, 0, tl, rules.base.quoteAssets, 0, 10, NORMAL);
    expect(stop).toBe(10);
    // (38,000 − 35,000) / 380 = 7.8947…
    expect(extreme!.uniMMR[5]).toBeCloseTo(3000 / 380, 12);
    expect(extreme!.uniMMR[4]).toBe(12.5);
    // The series ids are back, and the span arrays hold the closes.
    expect(Array.from(batch.posSeries.subarray(0, 1))).toEqual(series);
    expect(Array.from(batch.spanUniMMR.subarray(0, 10))).toEqual(Array.from({ length: 10 }, () => 12.5));
  });

  it('stops at the first step whose extreme is not quiet', () => {
    // (35,500 − 35,000) / 355 = 1.408…: MARGIN_CALL at the low of minute 6.
    const { tl, batch } = setUp(6, 35_500);
    expect(screenExtremeSpan(batch, 0, tl, rules.base.quoteAssets, 0, 10, NORMAL).stop).toBe(6);
    expect(screenExtremeSpan(batch, 0, tl, rules.base.quoteAssets, 7, 10, NORMAL)).toEqual({ stop: 10, extreme: undefined });
  });
});
