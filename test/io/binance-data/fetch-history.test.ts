// fetchPriceHistory against the loopback Binance server (test/helpers/binance-data-server.ts):
// archive and REST, the switch between them, resume from the cache, checksums, backoff, weights.
import { afterEach, describe, expect, it } from 'vitest';
import { SERIES_KIND_CODE, type SeriesTable } from '../../../src/domain/series.js';
import { memoryCache } from '../../../src/io/binance-data/cache.js';
import { parseDay } from '../../../src/io/binance-data/days.js';
import { fetchPriceHistory, type FetchHistoryOptions } from '../../../src/io/binance-data/fetch-history.js';
import type { HttpDeps } from '../../../src/io/binance-data/http.js';
import { planFetch } from '../../../src/io/binance-data/plan.js';
import { barAt, FUNDING_JITTER_MS, startBinanceDataServer, type BinanceDataServer, type BinanceDataServerOptions } from '../../helpers/binance-data-server.js';

const day = (text: string) => parseDay(text)!;
const MIN = 60_000;

let server: BinanceDataServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A clock that only moves when the code sleeps: delays are recorded, never waited for. */
function fakeHttp(nowText: string): HttpDeps & { sleeps: number[] } {
  let now = Date.parse(nowText);
  const sleeps: number[] = [];
  return { fetch: (url, init) => fetch(url, init), now: () => now, sleeps, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
}

async function run(serverOptions: BinanceDataServerOptions, options: Partial<FetchHistoryOptions> & Pick<FetchHistoryOptions, 'plan' | 'from' | 'to'>, nowText = '2024-06-01T12:00:00Z') {
  server ??= await startBinanceDataServer(serverOptions);
  const http = options.http ?? fakeHttp(nowText);
  const cache = memoryCache();
  const result = await fetchPriceHistory({ interval: '1m', http, urls: { archive: server.url, fapi: server.url, dapi: server.url }, ...options, cache });
  return { result, http, cache, server };
}

function rowsOf(table: SeriesTable, symbol: string, kind: keyof typeof SERIES_KIND_CODE): number[] {
  const id = table.symbols.indexOf(symbol);
  const rows: number[] = [];
  for (let i = 0; i < table.times.length; i++) if (table.symbolIds[i] === id && table.kinds[i] === SERIES_KIND_CODE[kind]) rows.push(i);
  return rows;
}

const countRequests = (s: BinanceDataServer, pattern: RegExp) => s.log.filter((r) => pattern.test(r.path)).length;

describe('fetchPriceHistory', () => {
  it('reads whole months from monthly zips and other days from daily zips, with high and low on index and mark rows', async () => {
    const plan = planFetch(['BTCUSDT', 'BTCUSD_PERP']);
    const { result, server: s } = await run({}, { plan, from: day('2024-02-28'), to: day('2024-03-31'), interval: '1h' });
    expect(countRequests(s, /monthly\/markPriceKlines\/BTCUSDT\/1h\/BTCUSDT-1h-2024-03\.zip$/)).toBe(1);
    expect(countRequests(s, /daily\/markPriceKlines\/BTCUSDT\/1h\/BTCUSDT-1h-2024-02-2[89]\.zip$/)).toBe(2);
    expect(countRequests(s, /\/fapi\/|\/dapi\//)).toBe(0);
    const t = result.table;
    const mark = rowsOf(t, 'BTCUSDT', 'mark');
    // 2024-02-28 → 03-31: 33 days of hourly bars, stamped at their close.
    expect(mark.length).toBe(33 * 24);
    expect(t.times[mark[0]!]).toBe(day('2024-02-28') + 3_600_000);
    expect(t.times[mark.at(-1)!]).toBe(day('2024-04-01'));
    const [open, , high, low, close] = barAt('markPriceKlines:BTCUSDT', day('2024-02-28'), 3_600_000);
    expect([t.values[mark[0]!], t.highs![mark[0]!], t.lows![mark[0]!]]).toEqual([Number(close), Number(high), Number(low)]);
    expect(Number(open)).toBeGreaterThan(0);
    // BTC's USD index from COIN-M's BTCUSD pair; USDT a constant 1 at every bar.
    expect(countRequests(s, /cm\/monthly\/indexPriceKlines\/BTCUSD\/1h\//)).toBe(2);
    expect(rowsOf(t, 'BTC', 'index').length).toBe(33 * 24);
    const usdt = rowsOf(t, 'USDT', 'index');
    expect(usdt.length).toBe(33 * 24);
    expect(usdt.every((i) => t.values[i] === 1 && t.highs![i] === 1 && t.lows![i] === 1)).toBe(true);
    // Funding every 8 h, rounded to the second; both perpetuals.
    const funding = rowsOf(t, 'BTCUSDT', 'funding');
    expect(funding.length).toBe(33 * 3);
    expect(funding.every((i) => t.times[i]! % 1000 === 0 && Number.isNaN(t.highs![i]))).toBe(true);
    expect(rowsOf(t, 'BTCUSD_PERP', 'funding').length).toBe(33 * 3);
    expect(FUNDING_JITTER_MS).toBeGreaterThan(0);
  });

  it('takes the days the archive does not have from REST (a day of 1-minute bars in one page of 1440), and rounds REST funding times', async () => {
    const plan = planFetch(['ETHUSDT']);
    const { result, server: s } = await run({ archiveUntil: '2024-03-05' }, { plan, from: day('2024-03-04'), to: day('2024-03-07') }, '2024-03-08T00:30:00Z');
    expect(countRequests(s, /daily\/markPriceKlines\/ETHUSDT\/1m\/ETHUSDT-1m-2024-03-0[45]\.zip$/)).toBe(2);
    // 03-06 and 03-07: the archive answers 404, REST serves them: 1440 bars a day fit one page.
    const klinePages = s.log.filter((r) => r.path.startsWith('/fapi/v1/markPriceKlines'));
    expect(klinePages.map((r) => new URL(r.path, s.url).searchParams.get('limit'))).toEqual(['1440', '1440']);
    const mark = rowsOf(result.table, 'ETHUSDT', 'mark');
    expect(mark.length).toBe(4 * 1440);
    const times = mark.map((i) => result.table.times[i]!);
    expect(times.every((t, i) => i === 0 || t - times[i - 1]! === MIN)).toBe(true);
    // Funding's March file does not exist yet (the month has not ended): REST per day.
    const funding = rowsOf(result.table, 'ETHUSDT', 'funding');
    expect(funding.length).toBe(4 * 3);
    expect(funding.every((i) => result.table.times[i]! % (8 * 3_600_000) === 0)).toBe(true);
    // ETH's index comes from COIN-M's ETHUSD pair (dapi); fapi carries the mark pages (weight 10 at limit 1440) and 4 funding days.
    expect(s.weight).toEqual({ fapi: 2 * 10 + 4, dapi: 2 * 10 });
  });

  it('when --to is today: the closed bars so far from REST, never cached; no archive request for today', async () => {
    const plan = planFetch(['BTCUSDT']);
    const { result, cache, server: s } = await run({}, { plan, from: day('2024-03-07'), to: day('2024-03-08'), interval: '1h' }, '2024-03-08T10:30:00Z');
    const mark = rowsOf(result.table, 'BTCUSDT', 'mark');
    // 03-07 whole (24 bars), 03-08 the bars closed by 10:30 (00:00 … 09:00 opens, the last closing at 10:00).
    expect(mark.length).toBe(24 + 10);
    expect(result.table.times[mark.at(-1)!]).toBe(Date.parse('2024-03-08T10:00:00Z'));
    expect(s.log.some((l) => l.path.includes('2024-03-08.zip'))).toBe(false);
    expect(cache.keys().some((k) => k.includes('2024-03-08'))).toBe(false);
    // Funding paid so far today: 00:00 and 08:00.
    expect(rowsOf(result.table, 'BTCUSDT', 'funding').map((i) => result.table.times[i]).filter((t) => t! >= day('2024-03-08'))).toEqual([Date.parse('2024-03-08T00:00:00Z'), Date.parse('2024-03-08T08:00:00Z')]);
    expect(rowsOf(result.table, 'USDT', 'index').length).toBe(24 + 10);
  });
});
