// End-to-end tests of `pmbt import` through the real binary (bin/pmbt.js → dist/, built by `npm test`
// before vitest): saved Binance responses (test/fixtures/binance/, transcribed from Binance's
// documentation) into portfolio documents that `pmbt run` replays, and into a market snapshot.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_COMMAND, IMPORT_USAGE } from '../../src/cli/import.js';
import { findMentionedFlags, parseFlags } from '../../src/cli/flags.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { runPmbt } from '../helpers/pmbt.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'binance');
const fixture = (name: string) => join(FIXTURES, name);

let dir = '';
let prices = '';

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
  dir = mkdtempSync(join(tmpdir(), 'pmbt-import-cli-'));
  // Six hours of minute prices for USDT, BTC, BTCUSDT and BTCUSD_PERP.
  prices = writeSmallJob(join(dir), { portfolios: 1 }).job.prices as string;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const pmbt = runPmbt;

/** Runs a tiny job over `portfolios` (a file or a folder) and returns its stdout summary. */
async function runJob(jobId: string, portfolios: string): Promise<string> {
  const job = join(dir, `job-${jobId}.json`);
  writeFileSync(job, JSON.stringify({ jobId, prices, portfolios, output: join(dir, 'out'), timeline: { resolution: '1h' } }));
  const r = await pmbt(['run', job, '--quiet', '--workers', '1']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** A folder of two accounts: alice (PM: balance + fapi v2 positions), bob (PM Pro: balance + account summary). */
function writeDesk(): string {
  const desk = join(dir, 'desk');
  mkdirSync(join(desk, 'alice'), { recursive: true });
  mkdirSync(join(desk, 'bob'), { recursive: true });
  copyFileSync(fixture('papi-v1-balance.json'), join(desk, 'alice', 'balance.json'));
  copyFileSync(fixture('fapi-v2-positionRisk.json'), join(desk, 'alice', 'positions.json'));
  copyFileSync(fixture('sapi-v1-portfolio-balance.json'), join(desk, 'bob', 'a.json'));
  copyFileSync(fixture('sapi-v1-portfolio-account.json'), join(desk, 'bob', 'b.json'));
  copyFileSync(fixture('sapi-v1-portfolio-asset-index-price.json'), join(desk, 'index.json'));
  return desk;
}

describe('pmbt import', () => {
  it('one account from its files: a portfolio document that pmbt run replays', async () => {
    const out = join(dir, 'one.json');
    const r = await pmbt(['import', fixture('papi-v1-balance.json'), fixture('papi-v1-um-positionRisk.json'), fixture('papi-v1-account.json'), '--id', 'acct-1', '--margin-leverage', '5', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('portfolio acct-1 (PM): 1 balances, 1 UM and 0 CM positions');
    const doc = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({ version: 1, id: 'acct-1', mode: 'PM', marginLeverage: 5, umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.001', entryPrice: '22185.2', positionSide: 'LONG' }], cmPositions: [] });
    expect(await runJob('one', out)).toMatch(/^portfolios {3}1 \(ok 1, failed 0\)$/m);
  });

  it('a folder of two accounts: JSON Lines that pmbt run replays; and the folder itself as a job\'s portfolios', async () => {
    const desk = writeDesk();
    const out = join(dir, 'desk.jsonl');
    const r = await pmbt(['import', desk, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const docs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; mode: string });
    expect(docs.map((d) => [d.id, d.mode])).toEqual([['alice', 'PM'], ['bob', 'PM_PRO']]);
    // The shared index response is a market response, unused without --market-out.
    expect(r.stderr).toMatch(/warning: 1 market response\(s\) not used/);
    expect(await runJob('desk', out)).toMatch(/^portfolios {3}2 \(ok 2, failed 0\)$/m);
    expect(await runJob('desk-folder', desk)).toMatch(/^portfolios {3}2 \(ok 2, failed 0\)$/m);
  });

  it('--market-out: the market from asset-index-price, fapi and dapi premiumIndex, with the stablecoin default warned', async () => {
    const market = join(dir, 'market.json');
    const r = await pmbt(['import', fixture('sapi-v1-portfolio-asset-index-price.json'), fixture('fapi-v1-premiumIndex.json'), fixture('dapi-v1-premiumIndex.json'), '--market-out', market]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(market, 'utf8'))).toEqual({
      version: 1,
      time: 1683518338121,
      indexPrices: { BTC: '28251.9136906', FDUSD: '1', USDC: '1', USDT: '1' },
      markPrices: { BTCUSDT: '11793.63104562', BTCUSD_200925: '12077.0134375', BTCUSD_PERP: '11029.69574559' },
    });
    expect(r.stderr).toContain('pmbt import: warning: index price of USDT: no input gives it, 1 USD assumed (a stablecoin default)');
  });

  it('pmbt snapshot takes the account responses and the three market responses as they are', async () => {
    const r = await pmbt(['snapshot', '--binance', fixture('papi-v1-balance.json'), '--binance', fixture('fapi-v2-positionRisk.json'),
      '--market', fixture('sapi-v1-portfolio-asset-index-price.json'), '--market', fixture('fapi-v1-premiumIndex.json'), '--market', fixture('dapi-v1-premiumIndex.json')]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { positions: { symbol: string; markPrice: string; unRealizedProfit: string }[]; warnings: string[] };
    expect(out.positions.map((p) => [p.symbol, p.markPrice])).toEqual([['BTCUSDT', '11793.63104562']]);
    // PnL recomputed at the premiumIndex mark: 0.001 × (11793.63104562 − 22185.2), cut to 8 decimals.
    expect(out.positions[0]!.unRealizedProfit).toBe('-10.39156895');
    expect(out.warnings[0]).toBe('index price of USDT: no input gives it, 1 USD assumed (a stablecoin default)');
  });

  it('a bad response names the file and the field (exit 2)', async () => {
    const bad = join(dir, 'bad-positions.json');
    const rows = JSON.parse(readFileSync(fixture('fapi-v3-positionRisk.json'), 'utf8')) as Record<string, unknown>[];
    rows[0]!.positionAmt = 'thirty';
    writeFileSync(bad, JSON.stringify(rows));
    const r = await pmbt(['import', bad, '--out', join(dir, 'bad.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`pmbt import: ${bad}: [0].positionAmt: expected a decimal number (string or number), got "thirty"`);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ hello: 'world' }));
    const r2 = await pmbt(['import', unknown, '--out', join(dir, 'bad.json')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/unknown\.json: \(document\): expected the saved response of one of \/papi\/v1\/balance/);
  });

  it('usage errors exit 2; --help lists only flags the parser takes', async () => {
    expect((await pmbt(['import', '--out', join(dir, 'x.json')])).code).toBe(2);
    expect((await pmbt(['import', fixture('papi-v1-balance.json')])).code).toBe(2);
    expect((await pmbt(['import', fixture('papi-v1-balance.json'), '--out', join(dir, 'x.csv')])).stderr).toMatch(/--out must end in \.json, \.jsonl or \.ndjson/);
    const help = await pmbt(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.trim()).toBe(IMPORT_USAGE);
    for (const flag of findMentionedFlags(IMPORT_USAGE)) {
      const declared = IMPORT_COMMAND.flags.find((f) => f.name === flag);
      expect(declared, `--${flag}`).toBeDefined();
      expect(() => parseFlags(IMPORT_COMMAND.flags, [`--${flag}`, 'x'], { positionals: true })).not.toThrow();
    }
    expect((await pmbt(['--help'])).stdout).toContain('pmbt import');
  });
});
