import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import { buildMarketTimeline, describePriceState, findFirstAtOrAfter, findPriceRow, seriesKey } from '../../src/replay/market-timeline.js';
import { seriesOf } from '../helpers/series.js';
import { at } from '../helpers/replay.js';
import { MINUTE } from '../helpers/series.js';

// BTC's index at minutes 0 and 10, BTCUSDT's mark at minute 5, a funding row at minute 7.
const series = seriesOf([[at(0), 'BTC', 'index', 1], [at(10), 'BTC', 'index', 2], [at(5), 'BTCUSDT', 'mark', 3], [at(7), 'BTCUSDT', 'funding', 0.0001]]);
const tl = buildMarketTimeline(series, { stalenessMs: 8 * MINUTE });

describe('buildMarketTimeline', () => {
  it('makes a step of every index or mark time, and files each funding row under the step that follows it', () => {
    expect([...tl.stepTimes]).toEqual([at(0), at(5), at(10)]);
    expect([...tl.fundingOffsets]).toEqual([0, 0, 0, 1]);
    expect([...tl.fundingSteps]).toEqual([2]);
  });
  it('rejects a window without prices', () => {
    expect(() => buildMarketTimeline(series, { from: at(20), to: at(30), stalenessMs: MINUTE })).toThrow(InputError);
  });
});

describe('prices in force', () => {
  it('carries a price forward up to the staleness limit and says why one is not usable', () => {
    const mark = tl.seriesIds.get(seriesKey('mark', 'BTCUSDT'))!;
    expect(findPriceRow(tl, mark, 0)).toBe(-1);
    expect(findPriceRow(tl, mark, 2)).toBeGreaterThanOrEqual(0);
    expect(describePriceState(tl, 'mark:BTCUSDT', 0)).toEqual({ missing: 'not-yet' });
    expect(describePriceState(tl, 'mark:ETHUSDT', 0)).toEqual({ missing: 'no-series' });
    // BTC at minute 0 is 5 minutes old at step 1 (fresh); with a 4-minute limit it is stale
    const strict = buildMarketTimeline(series, { stalenessMs: 4 * MINUTE });
    expect(describePriceState(strict, 'index:BTC', 1)).toEqual({ missing: 'stale', lastTime: at(0) });
  });
  it('finds the first element at or after a value', () => {
    expect([0, 1, 5, 9].map((v) => findFirstAtOrAfter(Int32Array.from([1, 5, 5, 8]), v))).toEqual([0, 0, 1, 4]);
  });
});
