#!/usr/bin/env node
// Benchmark of `pmbt fetch` (docs/performance.md "Fetching"): one month (2024-03) of 1-minute mark
// and index klines and funding for 10 contracts, downloaded from the loopback Binance server
// (test/helpers/binance-data-server.ts, bundled here with esbuild) into an empty cache, verified,
// unzipped, decoded, merged and written as Arrow. Prints one JSON line. Run: npm run bench:fetch --silent
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { writeSeriesArrow } from '../dist/io/arrow/series.js';
import { folderCache } from '../dist/io/binance-data/cache.js';
import { parseDay } from '../dist/io/binance-data/days.js';
import { fetchPriceHistory } from '../dist/io/binance-data/fetch-history.js';
import { planFetch } from '../dist/io/binance-data/plan.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'ADAUSDT', 'LINKUSDT', 'BTCUSD_PERP', 'ETHUSD_PERP'];

const dir = mkdtempSync(join(tmpdir(), 'pmbt-bench-fetch-'));
try {
  const serverModule = join(dir, 'server.mjs');
  await build({ entryPoints: [new URL('../test/helpers/binance-data-server.ts', import.meta.url).pathname], bundle: true, platform: 'node', format: 'esm', outfile: serverModule, logLevel: 'silent' });
  const { startBinanceDataServer } = await import(pathToFileURL(serverModule).href);
  const server = await startBinanceDataServer();
  try {
    const fetchMonth = (cache) => fetchPriceHistory({
      plan: planFetch(SYMBOLS), from: parseDay('2024-03-01'), to: parseDay('2024-03-31'), interval: '1m',
      http: { fetch: (url, init) => fetch(url, init), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: Date.now },
      cache: folderCache(join(dir, cache)), urls: { archive: server.url, fapi: server.url, dapi: server.url },
    });
    // The server makes its zips on first request: a first run leaves them ready, so the timed run
    // measures the client (download, verify, unzip, decode, merge, write) into an empty cache.
    await fetchMonth('warm-up');
    const started = performance.now();
    const result = await fetchMonth('cache');
    const arrow = writeSeriesArrow(result.table);
    writeFileSync(join(dir, 'prices.arrow'), arrow);
    const seconds = (performance.now() - started) / 1000;
    const rows = result.table.times.length;
    console.log(JSON.stringify({
      symbols: SYMBOLS.length, month: '2024-03', interval: '1m', seconds: Number(seconds.toFixed(2)), files: result.files,
      bytes: result.bytes, restRequests: result.restRequests, rows, rowsPerSecond: Math.round(rows / seconds), arrowBytes: arrow.length,
    }));
  } finally {
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
