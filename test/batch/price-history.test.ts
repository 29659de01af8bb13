import { describe, expect, test } from 'vitest';
import { appendPriceHistory, MAX_DAYS_PER_RUN, parsePriceHistoryConfig, type FetchDays } from '../../src/batch/price-history.js';
import { SERIES_KIND_CODE, type SeriesTable } from '../../src/domain/series.js';
import { readSeriesArrow } from '../../src/io/arrow/series.js';
import { DAY_MS } from '../../src/io/binance-data/days.js';
import { createMemoryStore } from '../../src/io/store/memory.js';

const D0 = Date.UTC(2024, 2, 1);
const config = parsePriceHistoryConfig({ version: 1, schedule: 'cron(30 1 * * ? *)', prices: 'history/prices.arrow', symbols: ['BTCUSDT'], interval: '1h', from: '2024-03-01' }, 'price-history.json');

/** Hourly BTCUSDT marks stamped at each bar's close over the days [from, to], like fetchPriceHistory; records each call. */
function fakeFetch(calls: [string, string][]): FetchDays {
  return async (_plan, from, to) => {
    calls.push([new Date(from).toISOString().slice(0, 10), new Date(to).toISOString().slice(0, 10)]);
    const times: number[] = [];
    for (let t = from + 3_600_000; t <= to + DAY_MS; t += 3_600_000) times.push(t);
    const table: SeriesTable = {
      times: Float64Array.from(times),
      symbolIds: new Int32Array(times.length),
      symbols: ['BTCUSDT'],
      kinds: new Uint8Array(times.length).fill(SERIES_KIND_CODE.mark),
      values: Float64Array.from(times, (t) => 60_000 + (t - D0) / 3_600_000),
    };
    return table;
  };
}

describe('appendPriceHistory', () => {
  test('first run from `from` to yesterday; the same day again writes nothing; the next day appends one day', async () => {
    const store = createMemoryStore({ uriPrefix: 's3://pm-data/' });
    const calls: [string, string][] = [];
    const fetchDays = fakeFetch(calls);
    const first = await appendPriceHistory(config, store, fetchDays, D0 + 3 * DAY_MS + 5 * 3_600_000); // 03-04 05:00
    expect(first).toEqual({ days: ['2024-03-01', '2024-03-02', '2024-03-03'], rows: 72, wrote: true, behind: 0 });
    const again = await appendPriceHistory(config, store, fetchDays, D0 + 3 * DAY_MS + 23 * 3_600_000);
    expect(again).toEqual({ days: [], rows: 72, wrote: false, behind: 0 });
    const next = await appendPriceHistory(config, store, fetchDays, D0 + 4 * DAY_MS + 60_000);
    expect(next.days).toEqual(['2024-03-04']);
    expect(calls).toEqual([['2024-03-01', '2024-03-03'], ['2024-03-04', '2024-03-04']]);
    const table = readSeriesArrow(await store.read('history/prices.arrow', { maxBytes: 1e7 }), 'h');
    // 4 days of hourly bars, the last stamped 03-05 00:00, each hour once.
    expect(table.times.length).toBe(96);
    expect(new Date(table.times[95]!).toISOString()).toBe('2024-03-05T00:00:00.000Z');
    expect(new Set(table.times).size).toBe(96);
  });

  test(`a long outage catches up ${MAX_DAYS_PER_RUN} days per run; keepDays drops the oldest`, async () => {
    const store = createMemoryStore();
    const calls: [string, string][] = [];
    const result = await appendPriceHistory(config, store, fakeFetch(calls), D0 + 40 * DAY_MS);
    expect(result.days).toHaveLength(MAX_DAYS_PER_RUN);
    expect(result.behind).toBe(40 - MAX_DAYS_PER_RUN);
    const windowed = await appendPriceHistory({ ...config, keepDays: 2 }, store, fakeFetch(calls), D0 + 40 * DAY_MS);
    expect(windowed.days).toHaveLength(40 - MAX_DAYS_PER_RUN);
    const table = readSeriesArrow(await store.read('history/prices.arrow', { maxBytes: 1e8 }), 'h');
    // Yesterday is 04-09: the window of two days starts at 04-08 00:00 (that row is the bar closing 04-07), then 48 hourly bars.
    expect(new Date(table.times[0]!).toISOString()).toBe('2024-04-08T00:00:00.000Z');
    expect(table.times.length).toBe(49);
  });

  test('the config names every field it rejects', () => {
    const base = { version: 1, schedule: 'cron(30 1 * * ? *)', prices: 'history/p.arrow', symbols: ['BTCUSDT'], from: '2024-03-01' };
    expect(() => parsePriceHistoryConfig({ ...base, prices: 'reports/p.arrow' }, 'c.json')).toThrow('c.json: prices: expected a key under history/ in the data bucket, got "reports/p.arrow"');
    expect(() => parsePriceHistoryConfig({ ...base, prices: 'history/../x' }, 'c.json')).toThrow('c.json: prices: expected a key under history/');
    expect(() => parsePriceHistoryConfig({ ...base, symbols: ['BTCXYZ'] }, 'c.json')).toThrow(/BTCXYZ/);
    expect(() => parsePriceHistoryConfig({ ...base, interval: '1w' }, 'c.json')).toThrow('c.json: interval: expected one of 1m,');
    expect(() => parsePriceHistoryConfig({ ...base, from: '2024-02-30' }, 'c.json')).toThrow('c.json: from: expected a day, YYYY-MM-DD');
    expect(() => parsePriceHistoryConfig({ ...base, keepDays: 0 }, 'c.json')).toThrow('c.json: keepDays: expected a whole number of days ≥ 1, got 0');
    expect(() => parsePriceHistoryConfig({ ...base, schedule: 'daily' }, 'c.json')).toThrow('c.json: schedule: expected an EventBridge schedule expression');
  });
});
