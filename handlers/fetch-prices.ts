import { readDeployment } from '../src/batch/deployment.js';
import { appendPriceHistory, readPriceHistoryConfig, type AppendResult } from '../src/batch/price-history.js';
import { BINANCE_DATA_URLS } from '../src/io/binance-data/urls.js';
import { fetchPriceHistory } from '../src/io/binance-data/fetch-history.js';
import { memoryCache } from '../src/io/binance-data/cache.js';
import { readStepEnvironment } from './environment.js';

/**
 * The scheduled fetch: appends the days ended since the last run to the data bucket's price history
 * (data/price-history.json names it, its contracts and interval), with `pmbt fetch`'s code. A Lambda
 * keeps no cache between runs (memory only), so each run downloads only the new days. PMBT_PRICE_HISTORY names
 * another config; PMBT_BINANCE_{ARCHIVE,FAPI,DAPI}_URL other hosts (tests point them at loopback).
 */
export async function handler(): Promise<AppendResult> {
  const deployment = readDeployment(process.env);
  if (deployment === undefined) throw new Error('PMBT_DATA_BUCKET must be set (serverless.yml sets it)');
  const config = await readPriceHistoryConfig(process.env.PMBT_PRICE_HISTORY ?? 'data/price-history.json');
  const { store } = readStepEnvironment().locate(`s3://${deployment.bucket}/`);
  const urls = {
    archive: process.env.PMBT_BINANCE_ARCHIVE_URL ?? BINANCE_DATA_URLS.archive,
    fapi: process.env.PMBT_BINANCE_FAPI_URL ?? BINANCE_DATA_URLS.fapi,
    dapi: process.env.PMBT_BINANCE_DAPI_URL ?? BINANCE_DATA_URLS.dapi,
  };
  const http = { fetch: (url: string, init?: { signal?: AbortSignal }) => fetch(url, init), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), now: Date.now };
  const result = await appendPriceHistory(config, store, async (plan, from, to, interval) => (await fetchPriceHistory({ plan, from, to, interval, http, cache: memoryCache(), urls })).table, Date.now());
  console.log(JSON.stringify({ step: 'fetch-prices', prices: config.prices, ...result }));
  return result;
}
