// The REST client against the loopback server: pages at the limits, request weights, backoff on
// 429/418/5xx and dropped connections (on a fake clock: delays are recorded, never waited for).
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, parseDay } from '../../../src/io/binance-data/days.js';
import { getWithRetry, WeightBudget, type HttpDeps } from '../../../src/io/binance-data/http.js';
import { createRestClient, decodeRestKlines, fetchRestFunding, fetchRestKlines, klineWeight, UnlistedSymbolError } from '../../../src/io/binance-data/rest.js';
import type { SourceSpec } from '../../../src/io/binance-data/plan.js';
import { startBinanceDataServer, type BinanceDataServer, type BinanceDataServerOptions } from '../../helpers/binance-data-server.js';

const MIN = 60_000;
const T0 = parseDay('2024-03-01')!;
const mark: SourceSpec = { market: 'um', dataset: 'markPriceKlines', name: 'BTCUSDT' };
const funding: SourceSpec = { market: 'cm', dataset: 'fundingRate', name: 'BTCUSD_PERP' };

let server: BinanceDataServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function fakeHttp(start = T0 + 40 * DAY_MS): HttpDeps & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return { fetch: (url, init) => fetch(url, init), now: () => now, sleeps, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
}

async function client(options: BinanceDataServerOptions = {}, http = fakeHttp(), weightPerMinute?: number) {
  server = await startBinanceDataServer(options);
  return { rest: createRestClient(http, { um: server.url, cm: server.url }, { weightPerMinute, retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 10_000 } }), http, server };
}

const limits = (s: BinanceDataServer, prefix: string) => s.log.filter((l) => l.path.startsWith(prefix)).map((l) => Number(new URL(l.path, s.url).searchParams.get('limit')));

describe('REST pagination', () => {
  it('klines: pages of 1500 bars, the last one asking only for what remains, no bar lost or repeated', async () => {
    const { rest, server: s } = await client();
    const { rows } = await fetchRestKlines(rest, mark, '1m', MIN, T0, T0 + 3001 * MIN);
    expect(rows.length).toBe(3001);
    expect(rows.every((r, i) => r[0] === T0 + i * MIN)).toBe(true);
    expect(limits(s, '/fapi/v1/markPriceKlines')).toEqual([1500, 1500, 1]);
    expect(s.weight.fapi).toBe(10 + 10 + 1);
    const part = decodeRestKlines(rows, 'x', { symbol: 'BTCUSDT', kind: 'mark', sources: [mark] }, MIN);
    expect(part.times[0]).toBe(T0 + MIN);
    expect(part.highs![0]).toBeGreaterThanOrEqual(part.values[0]!);
  });

  it('klines: exactly one page when the range is exactly the limit', async () => {
    const { rest, server: s } = await client();
    const { rows } = await fetchRestKlines(rest, mark, '1m', MIN, T0, T0 + 1500 * MIN);
    expect(rows.length).toBe(1500);
    expect(limits(s, '/fapi/v1/markPriceKlines')).toEqual([1500]);
  });

  it('funding: pages of 1000 from one past the last funding time', async () => {
    const { rest, server: s } = await client();
    // 8-hourly funding over 400 days: 1200 rows.
    const { rows } = await fetchRestFunding(rest, funding, T0, T0 + 400 * DAY_MS);
    expect(rows.length).toBe(1200);
    expect(new Set(rows.map((r) => r.fundingTime)).size).toBe(1200);
    expect(limits(s, '/dapi/v1/fundingRate')).toEqual([1000, 1000]);
  });

  it('kline weights follow Binance\'s table', () => {
    expect([1, 99, 100, 499, 500, 1000, 1001, 1500].map(klineWeight)).toEqual([1, 1, 2, 2, 5, 5, 10, 10]);
  });
});

describe('backoff', () => {
  it('honours Retry-After on 429, backs off exponentially on 418, 500 and a dropped connection, then succeeds', async () => {
    const { rest, http, server: s } = await client({
      faults: [
        { match: /markPriceKlines/, response: { status: 429, retryAfter: 7 } },
        { match: /markPriceKlines/, response: { status: 418 } },
        { match: /markPriceKlines/, response: 'drop' },
      ],
    });
    const { rows } = await fetchRestKlines(rest, mark, '1h', 3_600_000, T0, T0 + DAY_MS);
    expect(rows.length).toBe(24);
    expect(s.log.map((l) => l.status)).toEqual([429, 418, 'dropped', 200]);
    // Retry-After 7 s, then 100 · 2^1 and 100 · 2^2 ms.
    expect(http.sleeps).toEqual([7000, 200, 400]);
  });

  it('gives up after the attempts with an error naming the URL and the last failure', async () => {
    const { rest, http } = await client({ faults: [{ match: /fundingRate/, response: { status: 500 }, times: 10 }] });
    await expect(fetchRestFunding(rest, funding, T0, T0 + DAY_MS)).rejects.toThrow(/\/dapi\/v1\/fundingRate\?symbol=BTCUSD_PERP.*HTTP 500 \{"code":-1003,"msg":"Too many requests; injected\."\} after 4 attempts/);
    expect(http.sleeps).toEqual([100, 200, 400]);
  });

  it('another 4xx is an error at once, with Binance\'s code and msg; an unlisted symbol is told apart', async () => {
    const { rest, server: s } = await client();
    await expect(fetchRestKlines(rest, { market: 'um', dataset: 'markPriceKlines', name: 'BTCUSDT' }, '7m', MIN, T0, T0 + DAY_MS)).rejects.toThrow(/HTTP 400 \{"code":-1120,"msg":"Invalid interval\."\}/);
    await expect(fetchRestKlines(rest, { market: 'cm', dataset: 'indexPriceKlines', name: 'DOGEUSD' }, '1m', MIN, T0, T0 + DAY_MS)).rejects.toBeInstanceOf(UnlistedSymbolError);
    expect(s.log.map((l) => l.status)).toEqual([400, 400]);
  });

  it('getWithRetry returns a 404 as it is, without retrying', async () => {
    server = await startBinanceDataServer();
    const http = fakeHttp();
    const res = await getWithRetry(http, `${server.url}/data/nothing.zip`);
    expect(res.status).toBe(404);
    expect(http.sleeps).toEqual([]);
  });
});

describe('weight budget', () => {
  it('waits for the next minute once the budget is spent', async () => {
    const http = fakeHttp(T0 + 10_000);
    const budget = new WeightBudget(25);
    await budget.take(10, http);
    await budget.take(10, http);
    expect(http.sleeps).toEqual([]);
    await budget.take(10, http);
    expect(http.sleeps).toEqual([50_000 + 100]);
    expect(budget.usedWeight).toBe(10);
  });

  it('takes the server\'s X-MBX-USED-WEIGHT-1M when it is higher than its own count', async () => {
    const { rest, http, server: s } = await client({}, fakeHttp(T0 + 40 * DAY_MS), 30);
    s.weight.fapi = 25; // other clients on the same IP have used most of this minute
    await fetchRestKlines(rest, mark, '1m', MIN, T0, T0 + 1500 * MIN);
    expect(rest.budgets.um.usedWeight).toBe(35);
    expect(http.sleeps).toEqual([]);
    await fetchRestKlines(rest, mark, '1m', MIN, T0, T0 + 1500 * MIN);
    expect(http.sleeps.length).toBe(1);
    expect(http.sleeps[0]).toBeGreaterThan(0);
  });
});
