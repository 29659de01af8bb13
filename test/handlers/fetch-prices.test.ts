// The scheduled fetch Lambda against a real S3-compatible server and the loopback Binance data
// server: the first run builds the history, a re-run the same day writes nothing, the next day
// appends one day — with `pmbt fetch`'s download code.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { handler } from '../../handlers/fetch-prices.js';
import { SERIES_KIND_CODE } from '../../src/domain/series.js';
import { readSeriesArrow } from '../../src/io/arrow/series.js';
import { startBinanceDataServer, type BinanceDataServer } from '../helpers/binance-data-server.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { s3Env, setEnv } from './harness.js';

const BUCKET = 'pm-data';
let s3: S3TestServer;
let client: S3Client;
let binance: BinanceDataServer;
let restoreEnv: () => void;

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  s3 = await startS3Server({ buckets: [BUCKET] });
  client = s3.client();
  binance = await startBinanceDataServer();
  const dir = mkdtempSync(join(tmpdir(), 'pmbt-fetch-prices-'));
  const config = join(dir, 'price-history.json');
  writeFileSync(config, JSON.stringify({ version: 1, schedule: 'cron(30 1 * * ? *)', prices: 'history/prices.arrow', symbols: ['BTCUSDT', 'BTCUSD_PERP'], interval: '1h', from: '2024-03-01' }));
  restoreEnv = setEnv({
    ...s3Env(s3.endpoint), PMBT_DATA_BUCKET: BUCKET, PMBT_PRICE_HISTORY: config,
    PMBT_BINANCE_ARCHIVE_URL: binance.url, PMBT_BINANCE_FAPI_URL: binance.url, PMBT_BINANCE_DAPI_URL: binance.url,
  });
});

afterAll(async () => {
  vi.useRealTimers();
  restoreEnv();
  await binance.close();
  await s3.stop();
});

const history = async () => readSeriesArrow(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'history/prices.arrow' }))).Body!.transformToByteArray(), 'history');

test('builds the history, re-runs idempotently, appends the next day', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.UTC(2024, 2, 3, 1, 30));
  expect(await handler()).toEqual({ days: ['2024-03-01', '2024-03-02'], rows: expect.any(Number), wrote: true, behind: 0 });
  const first = await history();
  // Hourly marks of both contracts, BTC's index, USDT's constant index, funding of both perpetuals.
  expect([...first.symbols].sort()).toEqual(['BTC', 'BTCUSDT', 'BTCUSD_PERP', 'USDT']);
  const marks = first.times.filter((_, i) => first.kinds[i] === SERIES_KIND_CODE.mark && first.symbols[first.symbolIds[i]!] === 'BTCUSDT');
  expect(marks.length).toBe(48);
  expect(new Date(first.times[first.times.length - 1]!).toISOString()).toBe('2024-03-03T00:00:00.000Z');

  const requests = binance.log.length;
  expect(await handler()).toEqual({ days: [], rows: first.times.length, wrote: false, behind: 0 });
  expect(binance.log.length).toBe(requests);

  vi.setSystemTime(Date.UTC(2024, 2, 4, 1, 30));
  const next = await handler();
  expect(next.days).toEqual(['2024-03-03']);
  const after = await history();
  expect(new Date(after.times[after.times.length - 1]!).toISOString()).toBe('2024-03-04T00:00:00.000Z');
  expect(after.times.length).toBeGreaterThan(first.times.length);
  expect(Array.from(after.times.slice(0, first.times.length))).toEqual(Array.from(first.times));
});
