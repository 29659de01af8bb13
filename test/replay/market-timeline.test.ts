import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import { buildMarketTimeline, describePriceState, findFirstAtOrAfter, findPriceRow, findUnderlyingAsset, findUnderlyingGroups, hasIntrabarExtremes, seriesKey } from '../../src/replay/market-timeline.js';
import { seriesOf, type SeriesRow } from '../helpers/series.js';
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
  it('numbers the series in the order of their first rows, one id per kind and name', () => {
    // BTC as index and mark under one name, and BTC again under a second symbol id of the same name
    const table = seriesOf([[at(0), 'BTC', 'mark', 5], [at(0), 'BTC', 'index', 1], [at(1), 'ETH', 'index', 2], [at(1), 'BTC', 'index', 3]]);
    const twice = { ...table, symbolIds: Int32Array.from([...table.symbolIds, table.symbols.length]), symbols: [...table.symbols, 'BTC'], kinds: Uint8Array.from([...table.kinds, 0]), times: Float64Array.from([...table.times, at(2)]), values: Float64Array.from([...table.values, 4]) };
    const ids = buildMarketTimeline(twice, { stalenessMs: MINUTE }).seriesIds;
    expect([...ids]).toEqual([['mark:BTC', 0], ['index:BTC', 1], ['index:ETH', 2]]);
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

describe('bar extremes', () => {
  // BTC index bars at minutes 0 and 2 with a high and low; BTCUSDT mark bars at minutes 0, 1, 2,
  // minute 1 without extremes; the BTC row of minute 0 is carried forward to minute 1.
  const T = Date.UTC(2024, 2, 1);
  const m = (n: number) => T + n * 60_000;
  const rows: SeriesRow[] = [
    [m(0), 'BTC', 'index', 100, 110, 90], [m(0), 'BTCUSDT', 'mark', 101, 111, 91],
    [m(1), 'BTCUSDT', 'mark', 102],
    [m(2), 'BTC', 'index', 103, 104, 80], [m(2), 'BTCUSDT', 'mark', 103, 105, 81],
  ];
  const ext = buildMarketTimeline(seriesOf(rows), { stalenessMs: 8 * 60_000 });
  const at = (kind: 'index' | 'mark', name: string, block: 0 | 1 | 2, k: number) => ext.extremes!.values[(block * ext.seriesCount + ext.seriesIds.get(seriesKey(kind, name))!) * 3 + k];

  it('count at the step of their own row only: a carried-forward bar is history', () => {
    expect(Array.from(ext.extremes!.steps)).toEqual([0, 2]);
    expect([0, 1, 2].map((k) => [at('index', 'BTC', 0, k), at('index', 'BTC', 1, k), at('index', 'BTC', 2, k)])).toEqual([[100, 90, 110], [100, 100, 100], [103, 80, 104]]);
    expect([0, 1, 2].map((k) => at('mark', 'BTCUSDT', 1, k))).toEqual([91, 102, 81]);
    expect(hasIntrabarExtremes(ext)).toBe(true);
    expect(hasIntrabarExtremes(tl)).toBe(false);
  });

  it('group each series by its underlying asset', () => {
    expect(['BTCUSDT', 'BTCUSDT_240628', 'BTCUSD_PERP', 'ETHBTC', '1000PEPEUSDC'].map((s) => findUnderlyingAsset('mark', s, ['USDT', 'USDC', 'BTC']))).toEqual(['BTC', 'BTC', 'BTC', 'ETH', '1000PEPE']);
    const groups = findUnderlyingGroups(ext, ['USDT']);
    expect(groups.count).toBe(1);
    expect(groups.ofSeries[ext.seriesIds.get('index:BTC')!]).toBe(groups.ofSeries[ext.seriesIds.get('mark:BTCUSDT')!]);
  });
});
