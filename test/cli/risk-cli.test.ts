// End-to-end tests of `pmbt risk`: the real binary (bin/pmbt.js → dist/, so `npm run build` must
// have run: `npm test` does) on the bundled PM Pro example, its crossings re-evaluated here with the
// exact engine at the shock it printed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { parseMarketSnapshot } from '../../src/io/json/market.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { applyShock, findContractUnderlyings, makeAllFamily, makeLeaderFamily } from '../../src/risk/shock.js';
import { writeSeriesArrow } from '../../src/io/arrow/series.js';
import { makeBetaHistory } from '../helpers/beta-history.js';
import { loadDefaultRules } from '../helpers/rules.js';
import { seriesOf } from '../helpers/series.js';
import { ROOT, runPmbt } from '../helpers/pmbt.js';

const SAMPLE = ['--portfolio', 'data/samples/portfolio-pm-pro-example.json', '--market', 'data/samples/market-example.json', '--rules', 'data/samples/rules-pm-pro-example.json'];
const read = (name: string) => JSON.parse(readFileSync(join(ROOT, 'data', 'samples', name), 'utf8')) as Record<string, unknown>;

interface Crossing { shockPct: string; uniMMR: string | null; adjustedEquity: string; accountStatus: string; indexPrices: Record<string, string>; markPrices: Record<string, string> }
type Side = Record<string, Crossing | { none: string }> & { limitPct: string };
interface RiskOut {
  portfolioId: string; now: { uniMMR: string }; search: Record<string, unknown>; families: { family: string; down: Side; up: Side }[]; warnings: string[];
  betas: Record<string, string>; betaNote: string; betasFrom?: Record<string, unknown>;
}

async function risk(args: string[]): Promise<RiskOut> {
  const r = await runPmbt(['risk', ...args]);
  if (r.code !== 0) throw new Error(`pmbt risk exited ${r.code}: ${r.stderr}`);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as RiskOut;
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
});

describe('pmbt risk on the bundled PM Pro example', () => {
  it('done-when: the printed shocks put uniMMR within 1e-6 of each threshold (exact engine), with the printed prices, and a 1,000-point scan finds no earlier crossing', async () => {
    const out = await risk([...SAMPLE, '--range', '95', '--families', 'all,leader', '--beta', 'ETH=1']);
    expect(out.now.uniMMR).toBe('6.15351257');
    expect(out.search).toMatchObject({ rangePct: 95, grid: 81, engine: 'fast', unconfirmed: 0 });
    const rules = await loadDefaultRules([{ name: 'sample-rules', doc: read('rules-pm-pro-example.json') }]);
    const portfolio = parsePortfolio(read('portfolio-pm-pro-example.json'), rules);
    const market = parseMarketSnapshot(read('market-example.json'));
    const thresholds: Record<string, string> = { marginCall: '1.5', reduceOnly: '1.2', liquidation: '1.05' };
    expect(out.families.map((f) => f.family)).toEqual(['all', 'leader:BTC']);
    for (const [i, family] of [makeAllFamily(), makeLeaderFamily('BTC', new Map([['ETH', new Dec(1)]]))].entries()) {
      for (const [target, t] of Object.entries(thresholds)) {
        const c = out.families[i]!.down[target] as Crossing;
        const shock = new Dec(c.shockPct).div(100);
        const s = calculateAccountSnapshot(portfolio, applyShock(market, family, findContractUnderlyings(portfolio, rules), shock), rules);
        expect(s.uniMMR!.minus(t).abs().lte('1e-6'), `${family.name} ${target}: ${s.uniMMR!.toString()}`).toBe(true);
        expect(s.uniMMR!.lte(t)).toBe(true);
        // No earlier crossing: 1,000 points between 0 and the printed shock are all above the threshold.
        for (let k = 0; k < 1000; k++) {
          const earlier = calculateAccountSnapshot(portfolio, applyShock(market, family, findContractUnderlyings(portfolio, rules), shock.times(k).div(1000)), rules);
          expect(earlier.uniMMR!.gt(t), `${family.name} ${target} at ${k}/1000`).toBe(true);
        }
        expect(c.indexPrices.BTC).toBe(new Dec(40000).times(shock.plus(1)).toFixed(8, Dec.ROUND_DOWN));
      }
      expect(out.families[i]!.up.marginCall).toEqual({ none: 'within +95 %' });
    }
    expect(out.families[0]!.down.marginCall).toMatchObject({ shockPct: '-81.02847059', accountStatus: 'MARGIN_CALL' });
  });

  it('--engine exact prints the same document, its search on the exact engine alone', async () => {
    const args = [...SAMPLE, '--range', '95', '--families', 'all,single'];
    const fast = await risk(args);
    const exact = await risk([...args, '--engine', 'exact']);
    expect(exact.search).toMatchObject({ engine: 'exact', kernelEvaluations: 0 });
    expect(fast.search).toMatchObject({ engine: 'fast' });
    // The kernel scanned; the exact engine took the base, the confirmations and the crossings' numbers.
    expect((fast.search as { evaluations: number }).evaluations).toBeLessThan((exact.search as { evaluations: number }).evaluations);
    expect({ ...fast, search: undefined }).toEqual({ ...exact, search: undefined });
  });

  it('default range: every family and target is none within ±50 %', async () => {
    const out = await risk(SAMPLE);
    expect(out.families.map((f) => f.family)).toEqual(['all', 'leader:BTC', 'single:BTC', 'single:ETH', 'depeg:USDT']);
    for (const f of out.families) expect(f.down.zeroEquity).toEqual({ none: 'within -50 %' });
    expect(out.warnings).toEqual([]);
  });
});

describe('pmbt risk --betas-from', () => {
  it('estimates ETH\'s β (1.5 by construction) from a history and moves ETH by it in the leader family, as --beta ETH=1.5 does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmbt-risk-betas-'));
    try {
      const prices = join(dir, 'prices.arrow');
      // Hourly rows for the 30 days before the market's time (1650000000000, 2022-04-15T05:20Z).
      writeFileSync(prices, writeSeriesArrow(seriesOf(makeBetaHistory(1650000000000 - 30 * 24 * 3_600_000))));
      const args = [...SAMPLE, '--range', '95', '--families', 'leader'];
      const estimated = await risk([...args, '--betas-from', prices]);
      const given = await risk([...args, '--beta', 'ETH=1.5']);
      // The window ends at the market's time.
      expect(estimated.betasFrom).toEqual({
        prices, leader: 'BTC', window: '30d', interval: '1h', from: '2022-03-16T05:20:00.000Z', to: '2022-04-15T05:20:00.000Z',
        estimates: { ETH: { beta: '1.50000000', returns: 720, r2: 1 }, SOL: { beta: '0.70000000', returns: 720, r2: 0.6622 } }, tooShort: ['AVAX'],
      });
      expect(estimated.betaNote).toMatch(/^betas of ETH, SOL estimated from .*prices\.arrow: the OLS slope of each one's 1h log returns/);
      expect(estimated.betas).toEqual({ ETH: '1.5', SOL: '0.7' });
      expect(estimated.families).toEqual(given.families);
      // --beta replaces an estimate.
      const both = await risk([...args, '--betas-from', prices, '--beta', 'ETH=1']);
      expect(both.betas).toEqual({ ETH: '1', SOL: '0.7' });
      expect(both.betaNote).toMatch(/^betas of SOL estimated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pmbt risk: bad input exits 2 with one line', () => {
  it.each([
    [['--families', 'all,crash'], /unknown family "crash"/],
    [['--beta', 'ETH:1.2'], /--beta: expected ASSET=NUMBER/],
    [['--range', '0'], /--range must be/],
    [['--grid', '2.5'], /--grid must be/],
    [['--leader', 'USDT'], /--leader must be a non-stablecoin/],
    [['--engine', 'auto'], /--engine must be one of fast, exact, got auto/],
    [['--betas-from', 'x.arrow', '--beta-interval', '5d'], /--beta-interval must be a duration of at most a tenth of --beta-window \(30d\), got 5d/],
    [['--betas-from', 'no-such-file.arrow'], /no-such-file\.arrow/],
    [['--beta', 'ETH=3', '--matrix', '5', '--matrix-range', '50'], /matrix-range: expected a range whose moves keep every price above zero: below 33\.33 % with ETH's beta 3, got 50/],
  ])('%j', async (extra, message) => {
    const r = await runPmbt(['risk', ...SAMPLE, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('a market without a price the portfolio needs names the file and the price', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmbt-risk-cli-'));
    try {
      const market = join(dir, 'no-eth.json');
      writeFileSync(market, JSON.stringify({ indexPrices: { USDT: '1', BTC: '40000' }, markPrices: { BTCUSDT: '40000', BTCUSDT_220624: '42000', BTCUSD_PERP: '40000' } }));
      const r = await runPmbt(['risk', '--portfolio', 'data/samples/portfolio-pm-pro-example.json', '--market', market, '--rules', 'data/samples/rules-pm-pro-example.json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(market);
      expect(r.stderr).toMatch(/ETH/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
