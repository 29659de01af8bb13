// `pmbt fetch` end to end through the real binary (dist/, built by `npm test` before vitest),
// against the loopback Binance server only: fetch a week, import saved account responses, replay.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES_KIND_CODE, type SeriesTable } from '../../src/domain/series.js';
import { readSeriesArrow } from '../../src/io/arrow/series.js';
import { startBinanceDataServer, type BinanceDataServer } from '../helpers/binance-data-server.js';
import { ROOT, runPmbt } from '../helpers/pmbt.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'binance');
const WEEK = ['--from', '2024-03-01', '--to', '2024-03-08'];

let dir = '';
let server: BinanceDataServer;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
  dir = mkdtempSync(join(tmpdir(), 'pmbt-fetch-cli-'));
  // The archive stops after 03-06: the last two days come from REST.
  server = await startBinanceDataServer({ archiveUntil: '2024-03-06' });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const urls = () => ['--archive-url', server.url, '--fapi-url', server.url, '--dapi-url', server.url];

function seriesSummary(table: SeriesTable): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < table.times.length; i++) {
    const key = `${table.symbols[table.symbolIds[i]!]} ${['index', 'mark', 'funding'][table.kinds[i]!]}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Replays `portfolios` through `prices` over the week; returns summary.json. */
async function replayWeek(jobId: string, prices: string, portfolios: string): Promise<{ window: { from: string; to: string; steps: number }; intrabar?: boolean }> {
  const job = join(dir, `job-${jobId}.json`);
  writeFileSync(job, JSON.stringify({ jobId, prices, portfolios, output: join(dir, 'out'), timeline: { resolution: '1h' } }));
  const r = await runPmbt(['run', job, '--quiet', '--workers', '1']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^portfolios {3}\d+ \(ok \d+, failed 0\)$/m);
  for (const file of ['summary.json', 'report.html', 'timeline/batch-000000.arrow', '_SUCCESS']) expect(existsSync(join(dir, 'out', jobId, file)), file).toBe(true);
  return JSON.parse(readFileSync(join(dir, 'out', jobId, 'summary.json'), 'utf8')) as never;
}

describe('pmbt fetch', () => {
  it('fetches a week for three contracts, which pmbt run replays with an imported portfolio; a second run downloads nothing', async () => {
    const cache = join(dir, 'cache');
    const out = join(dir, 'prices.arrow');
    const r = await runPmbt(['fetch', '--symbols', 'BTCUSDT,ETHUSDT,BTCUSD_PERP', ...WEEK, '--out', out, '--cache', cache, ...urls()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('pmbt fetch: assuming USDT = 1 USD at every bar');
    expect(r.stderr).toMatch(/fetched \d+\/\d+ files/);
    expect(r.stdout).not.toMatch(/fetched \d+\/\d+/);
    expect(r.stdout).toMatch(/^wrote .*prices\.arrow: \d+ rows/m);
    const table = readSeriesArrow(new Uint8Array(readFileSync(out)), out);
    const bars = 8 * 1440;
    expect(seriesSummary(table)).toEqual({
      'BTC index': bars, 'ETH index': bars, 'USDT index': bars,
      'BTCUSDT mark': bars, 'ETHUSDT mark': bars, 'BTCUSD_PERP mark': bars,
      'BTCUSDT funding': 24, 'ETHUSDT funding': 24, 'BTCUSD_PERP funding': 24,
    });
    expect(table.times[0]).toBe(Date.UTC(2024, 2, 1, 0, 0));
    expect(table.times.at(-1)).toBe(Date.UTC(2024, 2, 9));
    expect(table.highs).toBeDefined();
    const markRow = table.kinds.indexOf(SERIES_KIND_CODE.mark);
    expect(table.highs![markRow]).toBeGreaterThanOrEqual(table.values[markRow]!);
    expect(table.lows![markRow]).toBeLessThanOrEqual(table.values[markRow]!);
    // Both sources were used: daily zips up to 03-06, REST for 03-07 and 03-08.
    expect(server.log.some((l) => l.path.includes('/daily/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2024-03-06.zip') && l.status === 200)).toBe(true);
    expect(server.log.some((l) => l.path.startsWith('/fapi/v1/markPriceKlines?symbol=BTCUSDT') && l.path.includes(`startTime=${Date.UTC(2024, 2, 8)}`))).toBe(true);

    const before = server.log.length;
    const again = await runPmbt(['fetch', '--symbols', 'BTCUSDT,ETHUSDT,BTCUSD_PERP', ...WEEK, '--out', join(dir, 'again.arrow'), '--cache', cache, '--quiet', ...urls()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(server.log.length - before).toBe(0);
    expect(again.stdout).toMatch(/\d+ files: (\d+) from the cache .*, 0 downloaded \(0 bytes, 0 REST requests\)/);
    expect(readFileSync(join(dir, 'again.arrow')).equals(readFileSync(out))).toBe(true);

    const portfolio = join(dir, 'account.json');
    const imported = await runPmbt(['import', join(FIXTURES, 'papi-v1-balance.json'), join(FIXTURES, 'papi-v1-um-positionRisk.json'), '--id', 'acct', '--out', portfolio]);
    expect(imported.code, imported.stderr).toBe(0);
    const summary = await replayWeek('fetched-week', out, portfolio);
    expect(summary.window.from).toBe('2024-03-01T00:00:00.000Z');
    expect(summary.window.to).toBe('2024-03-09T00:00:00.000Z');
    expect(summary.intrabar).toBe(true);
  });

  it('--for: every contract and asset the imported portfolios hold, then the replay', async () => {
    const desk = join(dir, 'desk');
    mkdirSync(join(desk, 'alice'), { recursive: true });
    mkdirSync(join(desk, 'bob'), { recursive: true });
    copyFileSync(join(FIXTURES, 'papi-v1-balance.json'), join(desk, 'alice', 'balance.json'));
    copyFileSync(join(FIXTURES, 'fapi-v2-positionRisk.json'), join(desk, 'alice', 'positions.json'));
    copyFileSync(join(FIXTURES, 'sapi-v1-portfolio-balance.json'), join(desk, 'bob', 'a.json'));
    copyFileSync(join(FIXTURES, 'sapi-v1-portfolio-account.json'), join(desk, 'bob', 'b.json'));
    const portfolios = join(dir, 'desk.jsonl');
    const imported = await runPmbt(['import', desk, '--out', portfolios]);
    expect(imported.code, imported.stderr).toBe(0);
    const out = join(dir, 'desk-prices.arrow');
    const r = await runPmbt(['fetch', '--for', portfolios, ...WEEK, '--out', out, '--cache', join(dir, 'cache'), '--quiet', ...urls()]);
    expect(r.code, r.stderr).toBe(0);
    const table = readSeriesArrow(new Uint8Array(readFileSync(out)), out);
    const docs = readFileSync(portfolios, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { balances?: { asset: string }[]; umPositions?: { symbol: string }[] });
    for (const d of docs) {
      for (const b of d.balances ?? []) expect(table.symbols, b.asset).toContain(b.asset);
      for (const p of d.umPositions ?? []) expect(table.symbols, p.symbol).toContain(p.symbol);
    }
    const summary = await replayWeek('fetched-desk', out, portfolios);
    expect(summary.window.steps).toBeGreaterThan(0);
  });

  it('usage errors and bad input exit 2 with one line', async () => {
    const bad = async (args: string[], pattern: RegExp) => {
      const r = await runPmbt(['fetch', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    };
    const out = ['--out', join(dir, 'x.arrow'), '--cache', join(dir, 'cache-bad'), '--quiet', ...urls()];
    await bad(['--symbols', 'BTCUSDT', '--from', '2024-03-01', ...out], /--to is required/);
    await bad(['--symbols', 'BTCUSDT', '--from', '2024-02-30', '--to', '2024-03-01', ...out], /--from must be a day YYYY-MM-DD, got 2024-02-30/);
    await bad(['--symbols', 'BTCUSDT', '--from', '2024-03-02', '--to', '2024-03-01', ...out], /--to \(2024-03-01\) is before --from/);
    await bad(['--symbols', 'BTCUSDT', '--from', '2024-03-01', '--to', '2999-01-01', ...out], /after today/);
    await bad(['--symbols', 'BTCUSDT', ...WEEK, '--interval', '7m', ...out], /--interval must be one of 1m, 3m/);
    await bad([...WEEK, ...out], /say what to fetch/);
    await bad(['--symbols', 'BTCETH', ...WEEK, ...out], /--symbols: BTCETH: expected a Binance futures contract/);
    // Not listed anywhere: Binance's own {code, msg} and the URL.
    await bad(['--symbols', 'NOPEUSD_PERP', '--from', '2024-03-01', '--to', '2024-03-01', ...out], /http:\/\/127\.0\.0\.1:\d+\/dapi\/v1\/markPriceKlines\?symbol=NOPEUSD_PERP.*HTTP 400 \{"code":-1121,"msg":"Invalid symbol\."\}/);
    const help = await runPmbt(['fetch', '--help']);
    expect(help.code).toBe(0);
    expect((await runPmbt(['--help'])).stdout).toContain('pmbt fetch');
  });
});
