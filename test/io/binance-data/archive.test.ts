// Archive paths, checksums, the cache, and a run that stops half way then resumes.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { archivePath, decodeArchiveZip, parseChecksum } from '../../../src/io/binance-data/archive.js';
import { cacheKeyOfUrl, checkCacheKey, defaultCacheFolder, folderCache, memoryCache, storeCache } from '../../../src/io/binance-data/cache.js';
import { createMemoryStore } from '../../../src/io/store/memory.js';
import { parseDay } from '../../../src/io/binance-data/days.js';
import { fetchPriceHistory } from '../../../src/io/binance-data/fetch-history.js';
import type { HttpDeps } from '../../../src/io/binance-data/http.js';
import { planFetch } from '../../../src/io/binance-data/plan.js';
import { startBinanceDataServer, type BinanceDataServer, type BinanceDataServerOptions } from '../../helpers/binance-data-server.js';

const day = (t: string) => parseDay(t)!;
let server: BinanceDataServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakeHttp(): HttpDeps {
  let now = Date.parse('2024-06-01T00:00:00Z');
  return { fetch: (url, init) => fetch(url, init), now: () => now, sleep: async (ms) => void (now += ms) };
}

async function fetchWith(s: BinanceDataServer, cache: ReturnType<typeof memoryCache> | ReturnType<typeof folderCache>, symbols: string[], from: string, to: string) {
  return fetchPriceHistory({ plan: planFetch(symbols), from: day(from), to: day(to), interval: '1h', http: fakeHttp(), cache, urls: { archive: s.url, fapi: s.url, dapi: s.url }, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 10_000 } });
}

const start = async (options: BinanceDataServerOptions = {}) => (server = await startBinanceDataServer(options));

describe('archive paths', () => {
  it('are the archive\'s own layout for klines (daily, monthly) and funding (monthly)', () => {
    expect(archivePath({ market: 'um', dataset: 'markPriceKlines', name: 'BTCUSDT' }, '1m', { daily: day('2024-03-08') })).toBe('data/futures/um/daily/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2024-03-08.zip');
    expect(archivePath({ market: 'cm', dataset: 'indexPriceKlines', name: 'BTCUSD' }, '1h', { monthly: day('2024-03-01') })).toBe('data/futures/cm/monthly/indexPriceKlines/BTCUSD/1h/BTCUSD-1h-2024-03.zip');
    expect(archivePath({ market: 'cm', dataset: 'fundingRate', name: 'BTCUSD_PERP' }, '1m', { monthly: day('2024-03-01') })).toBe('data/futures/cm/monthly/fundingRate/BTCUSD_PERP/BTCUSD_PERP-fundingRate-2024-03.zip');
  });

  it('a .CHECKSUM names its zip', () => {
    const sum = 'ab'.repeat(32);
    expect(parseChecksum(`${sum}  BTCUSDT-1m-2024-03-08.zip\n`, 'BTCUSDT-1m-2024-03-08.zip', 'u')).toBe(sum);
    expect(() => parseChecksum(`${sum}  OTHER.zip`, 'BTCUSDT-1m-2024-03-08.zip', 'u')).toThrow(/u: \(document\): expected "<sha256 hex>  BTCUSDT-1m-2024-03-08.zip"/);
  });

  it('headerless CSVs (before 2022) read like headed ones, through convert\'s zip reader', async () => {
    const series = { symbol: 'BTCUSDT', kind: 'mark' as const, sources: [] };
    const row = '1709251200000,100,110,90,105,0,1709251259999,0,60,0,0,0\n';
    const zip = (csv: string) => zipSync({ 'BTCUSDT-1m-2024-03-01.csv': new TextEncoder().encode(csv) });
    const headed = await decodeArchiveZip(zip(`open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n${row}`), 'a', series, 60_000);
    const bare = await decodeArchiveZip(zip(row), 'b', series, 60_000);
    expect([...bare.times, ...bare.values, ...bare.highs!, ...bare.lows!]).toEqual([1709251260000, 105, 110, 90]);
    expect([...headed.times, ...headed.values]).toEqual([...bare.times, ...bare.values]);
    const funding = await decodeArchiveZip(zipSync({ 'BTCUSDT-fundingRate-2024-03.csv': new TextEncoder().encode('1709251200001,8,0.00031\n') }), 'c', { symbol: 'BTCUSDT', kind: 'funding', sources: [] }, 60_000);
    expect([...funding.times, ...funding.values]).toEqual([1709251200001, 0.00031]);
  });
});

describe('checksums', () => {
  it('refuses a zip whose checksum does not match, names the URL, and keeps nothing of it', async () => {
    const path = 'data/futures/um/daily/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2024-03-02.zip';
    const s = await start({ corrupt: [path] });
    const cache = memoryCache();
    await expect(fetchWith(s, cache, ['BTCUSDT'], '2024-03-01', '2024-03-03')).rejects.toThrow(new RegExp(`${s.url}/${path}: \\(document\\): expected SHA-256 [0-9a-f]{64} \\(its \\.CHECKSUM\\), got [0-9a-f]{64}: the download is corrupt`));
    expect(cache.keys().filter((k) => k.includes('BTCUSDT-1h-2024-03-02'))).toEqual([]);
    expect(cache.keys()).toContain('data/futures/um/daily/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2024-03-01.zip');
  });
});

describe('cache', () => {
  it('keys come from URL paths and cannot leave the cache folder', () => {
    expect(cacheKeyOfUrl('https://data.binance.vision/data/futures/um/daily/x/BTCUSDT-1m-2024-03-08.zip')).toBe('data/futures/um/daily/x/BTCUSDT-1m-2024-03-08.zip');
    for (const bad of ['../etc/passwd', 'a/../../b', '/abs', 'a//b', 'a\\b', '.hidden/x', 'a/..']) expect(() => checkCacheKey(bad), bad).toThrow(/cache key/);
    // The URL parser resolves dot segments before the key is made; encoded slashes are refused.
    expect(cacheKeyOfUrl('http://h/data/%2e%2e/%2e%2e/x')).toBe('x');
    expect(() => cacheKeyOfUrl('http://h/a%2F..%2F..%2Fb')).toThrow(/cache key/);
    expect(defaultCacheFolder({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe('/x/cache/pmbt');
    expect(defaultCacheFolder({}, '/home/u')).toBe('/home/u/.cache/pmbt');
  });

  it('an object store serves as the cache (a scheduled job\'s bucket), under its prefix', async () => {
    const s = await start();
    const store = createMemoryStore();
    const first = await fetchWith(s, storeCache(store, 'binance-cache'), ['BTCUSDT'], '2024-03-01', '2024-03-02');
    const keys: string[] = [];
    for await (const k of store.list('binance-cache')) keys.push(k);
    expect(keys).toContain('binance-cache/data/futures/um/daily/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2024-03-01.zip');
    const requests = s.log.length;
    const second = await fetchWith(s, storeCache(store, 'binance-cache'), ['BTCUSDT'], '2024-03-01', '2024-03-02');
    expect(s.log.length).toBe(requests);
    expect(second.table.values).toEqual(first.table.values);
  });

  it('resumes an interrupted run: the second run downloads only what the first did not finish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmbt-fetch-cache-'));
    dirs.push(dir);
    // The first run dies on one day's zip (500 until it gives up) after fetching the others.
    const s = await start({ faults: [{ match: /BTCUSDT-1h-2024-03-04\.zip$/, response: { status: 500 }, times: 2 }] });
    const cache = folderCache(dir);
    await expect(fetchWith(s, cache, ['BTCUSDT'], '2024-03-01', '2024-03-05')).rejects.toThrow(/BTCUSDT-1h-2024-03-04\.zip.*HTTP 500/);
    expect(readdirSync(join(dir, 'data', 'futures', 'um', 'daily', 'markPriceKlines', 'BTCUSDT', '1h')).filter((f) => f.startsWith('.'))).toEqual([]);
    const firstRun = s.log.length;
    const result = await fetchWith(s, cache, ['BTCUSDT'], '2024-03-01', '2024-03-05');
    const second = s.log.slice(firstRun).map((l) => l.path);
    // Mark days 01–05: only 03-04 (and any day the failure stopped before) is asked for again;
    // nothing that was saved whole is downloaded twice.
    const saved = new Set(s.log.slice(0, firstRun).filter((l) => l.status === 200 && l.path.endsWith('.zip')).map((l) => l.path));
    expect(second.filter((p) => saved.has(p))).toEqual([]);
    expect(second).toContain('/data/futures/um/daily/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2024-03-04.zip');
    expect(result.table.times.length).toBeGreaterThan(0);
    const third = s.log.length;
    const again = await fetchWith(s, cache, ['BTCUSDT'], '2024-03-01', '2024-03-05');
    expect(s.log.length).toBe(third);
    expect(again.fromCache).toBe(again.files);
  });
});
