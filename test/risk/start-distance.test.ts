// A job's distance at the start (docs/risk.md "In a job"): each replayed portfolio's summary line
// carries `startDistance`, the first crossing per target of the `all` family at the job's first
// step's market — checked here against `pmbt risk`'s search on the exact engine at a market built
// by hand from the history's first rows.
import { readFileSync, rmSync } from 'node:fs';
import { Dec } from '../../src/domain/decimal.js';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBatchContext } from '../../src/batch/context.js';
import { parseJobSpec, renderJobSpec } from '../../src/batch/job.js';
import { replayBatch, type BatchItem } from '../../src/batch/run-batch.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { checkPortfolioSummary } from '../../src/records/portfolio-summary.js';
import { calculateRiskDistances, DEFAULT_RISK_OPTIONS, RISK_TARGETS } from '../../src/risk/distances.js';
import { formatShockPct } from '../../src/risk/render.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { marketOf } from '../helpers/portfolio.js';
import { loadDefaultRules } from '../helpers/rules.js';

const small = writeSmallJob(undefined, { portfolios: 24 });
const files = { ...small, job: { ...small.job, risk: { distance: true } } };
afterAll(() => rmSync(small.dir, { recursive: true, force: true }));

const readDocs = (path: string) => readFileSync(path, 'utf8').split('\n').flatMap((l) => {
  try {
    return [JSON.parse(l) as Record<string, unknown>];
  } catch {
    return [];
  }
}).filter((d) => /^p\d+$/.test(String(d.id)));

async function runBatch(job: Record<string, unknown>) {
  const spec = parseJobSpec(job);
  const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
  const items: BatchItem[] = readDocs(spec.portfolios).map((doc, index) => ({ index, doc }));
  return replayBatch(ctx, 0, items);
}

describe('startDistance on each summary line', async () => {
  const result = await runBatch(files.job);
  const rules = await loadDefaultRules();
  // The small job's first minute (test/helpers/job-files.ts): BTC 40,000, BTCUSDT at 1.0005 × and
  // BTCUSD_PERP at 1.0003 × it; the exact engine reads each float as its shortest decimal.
  const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: String(40_000 * 1.0005), BTCUSD_PERP: String(40_000 * 1.0003) });

  it('is the exact search of family all at the first step\'s market, shock for shock', () => {
    let crossings = 0;
    for (const line of result.portfolios) {
      expect(line.ok).toBe(true);
      if (!line.ok) continue;
      const doc = readDocs(small.job.portfolios as string).find((d) => d.id === line.portfolioId)!;
      const exact = calculateRiskDistances(parsePortfolio(doc, rules), market, rules, { ...DEFAULT_RISK_OPTIONS, families: ['all'], engine: 'exact' }).families[0]!;
      const expected = { family: 'all', rangePct: 50, down: {} as Record<string, string>, up: {} as Record<string, string> };
      for (const [dir, d] of [['down', exact.down], ['up', exact.up]] as const) {
        for (const t of RISK_TARGETS) if (d.targets[t] !== undefined) expected[dir][t] = formatShockPct(d.targets[t]!.units);
      }
      crossings += Object.keys(expected.down).length + Object.keys(expected.up).length;
      expect(line.startDistance, line.portfolioId).toEqual(expected);
      // The line, with the field, reads back.
      expect(() => checkPortfolioSummary(JSON.parse(JSON.stringify(line)), 'batch.jsonl', 'line 1')).not.toThrow();
    }
    // Leverage rises with the index (up to 18x): some portfolios cross within ±50 %.
    expect(crossings).toBeGreaterThan(5);
  });

  it('risk.distance.families adds the other families after all: each the exact search of that family, shock for shock', async () => {
    // 'all' listed last still comes first (it is startDistance); betas move the leader family apart from all.
    const withFamilies = await runBatch({ ...files.job, risk: { distance: { families: ['depeg', 'single', 'leader', 'all'], leader: 'BTC', betas: { ETH: '1.5' } } } });
    const names = new Set<string>();
    for (const line of withFamilies.portfolios) {
      expect(line.ok).toBe(true);
      if (!line.ok) continue;
      const doc = readDocs(small.job.portfolios as string).find((d) => d.id === line.portfolioId)!;
      const exact = calculateRiskDistances(parsePortfolio(doc, rules), market, rules, {
        ...DEFAULT_RISK_OPTIONS, families: ['all', 'depeg', 'single', 'leader'], leader: 'BTC', betas: new Map([['ETH', new Dec('1.5')]]), engine: 'exact',
      }).families;
      const expected = exact.map((f) => {
        const out = { family: f.family.name, rangePct: 50, down: {} as Record<string, string>, up: {} as Record<string, string> };
        for (const [dir, d] of [['down', f.down], ['up', f.up]] as const) {
          for (const t of RISK_TARGETS) if (d.targets[t] !== undefined) out[dir][t] = formatShockPct(d.targets[t]!.units);
        }
        return out;
      });
      expect(line.startDistance, line.portfolioId).toEqual(expected[0]);
      expect(line.otherStartDistances, line.portfolioId).toEqual(expected.slice(1));
      for (const d of expected.slice(1)) names.add(d.family);
      expect(() => checkPortfolioSummary(JSON.parse(JSON.stringify(line)), 'batch.jsonl', 'line 1')).not.toThrow();
    }
    // The small job's books hold BTC and USDT: one family of each kind.
    expect([...names].sort()).toEqual(['depeg:USDT', 'leader:BTC', 'single:BTC']);
  });

  it('risk.distance false leaves it out; { rangePct, gridPoints } sets the search', async () => {
    const off = await runBatch({ ...files.job, risk: { distance: false } });
    for (const line of off.portfolios) expect(line.ok && line.startDistance).toBeUndefined();
    const narrow = await runBatch({ ...files.job, risk: { distance: { rangePct: 10, gridPoints: 9 } } });
    for (const line of narrow.portfolios) if (line.ok) expect(line.startDistance).toMatchObject({ family: 'all', rangePct: 10 });
  });
});

describe('the sample job\'s first portfolio (docs/risk.md "In a job")', () => {
  it('sample-00001: margin call at −47.41431339 %, reduce-only at −49.96321592 %, nothing else within ±50 %', async () => {
    const spec = parseJobSpec({ ...JSON.parse(readFileSync('data/sample/job.json', 'utf8')) as Record<string, unknown>, risk: { distance: true } });
    const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
    const doc = JSON.parse(readFileSync(spec.portfolios, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(doc.id).toBe('sample-00001');
    const line = replayBatch(ctx, 0, [{ index: 0, doc }]).portfolios[0]!;
    expect(line.ok && line.startDistance).toEqual({ family: 'all', rangePct: 50, down: { marginCall: '-47.41431339', reduceOnly: '-49.96321592' }, up: {} });
  });
});

describe('the sample job\'s first portfolio with every family (docs/risk.md "In a job", "More families")', () => {
  it('sample-00001 with ETH\'s beta 1.2: leader, single and depeg entries as the docs print them', async () => {
    const spec = parseJobSpec({ ...JSON.parse(readFileSync('data/sample/job.json', 'utf8')) as Record<string, unknown>, risk: { distance: { families: ['all', 'leader', 'single', 'depeg'], betas: { ETH: 1.2 } } } });
    const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
    const doc = JSON.parse(readFileSync(spec.portfolios, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    const line = replayBatch(ctx, 0, [{ index: 0, doc }]).portfolios[0]!;
    expect(line.ok && line.startDistance).toEqual({ family: 'all', rangePct: 50, down: { marginCall: '-47.41431339', reduceOnly: '-49.96321592' }, up: {} });
    expect(line.ok && line.otherStartDistances).toEqual([
      { family: 'leader:BTC', rangePct: 50, down: { marginCall: '-38.71999655', reduceOnly: '-41.25261113', liquidation: '-42.49064787' }, up: {} },
      { family: 'single:BTC', rangePct: 50, down: {}, up: {} },
      { family: 'single:ETH', rangePct: 50, down: { marginCall: '-41.24911878', reduceOnly: '-44.18421890', liquidation: '-45.62767517' }, up: {} },
      { family: 'depeg:USDT', rangePct: 50, down: {}, up: {} },
      { family: 'depeg:USDC', rangePct: 50, down: { marginCall: '-17.34382343', reduceOnly: '-18.72966502', liquidation: '-19.42264205', zeroEquity: '-24.27453137' }, up: {} },
    ]);
  });
});

describe('risk.distance in the job spec', () => {
  it('defaults to on (rangePct 50, gridPoints 81); false turns it off; it renders for the workers', () => {
    expect(parseJobSpec(small.job).risk.distance).toEqual({ rangePct: 50, gridPoints: 81 });
    expect(parseJobSpec({ ...small.job, risk: { distance: false } }).risk.distance).toBeUndefined();
    expect(parseJobSpec({ ...files.job, risk: { distance: true } }).risk.distance).toEqual({ rangePct: 50, gridPoints: 81 });
    const renderedRisk = (job: unknown) => renderJobSpec(parseJobSpec(job)).risk as { distance?: unknown; startRisk?: unknown };
    expect(renderedRisk({ ...files.job, risk: { distance: false } }).distance).toBe(false);
    expect(parseJobSpec(renderJobSpec(parseJobSpec({ ...files.job, risk: { distance: false } }))).risk.distance).toBeUndefined();
    expect(renderedRisk(files.job).distance).toEqual({ rangePct: 50, gridPoints: 81 });
    expect(parseJobSpec(renderJobSpec(parseJobSpec({ ...files.job, risk: { distance: { rangePct: 20 } } })))).toMatchObject({ risk: { distance: { rangePct: 20, gridPoints: 81 } } });
  });

  it('families, leader and betas: parsed, all first and once, rendered for the workers as given', () => {
    const distance = { rangePct: 30, gridPoints: 41, families: ['single', 'all', 'depeg', 'single'], leader: 'ETH', betas: { BTC: 0.8, SOL: '1.25' } };
    const spec = parseJobSpec({ ...files.job, risk: { distance } });
    expect(spec.risk.distance).toEqual({ rangePct: 30, gridPoints: 41, otherFamilies: ['single', 'depeg'], leader: 'ETH', betas: { BTC: '0.8', SOL: '1.25' } });
    expect((renderJobSpec(spec).risk as { distance: unknown }).distance).toEqual({ rangePct: 30, gridPoints: 41, families: ['all', 'single', 'depeg'], leader: 'ETH', betas: { BTC: '0.8', SOL: '1.25' } });
    expect(parseJobSpec(renderJobSpec(spec)).risk.distance).toEqual(spec.risk.distance);
    // ['all'] alone is the default.
    expect(parseJobSpec({ ...files.job, risk: { distance: { families: ['all'] } } }).risk.distance).toEqual({ rangePct: 50, gridPoints: 81 });
  });

  it('the worst portfolios\' start risk (the report\'s chart and heat maps) on unless risk.startRisk is false, whatever risk.distance says', () => {
    expect(parseJobSpec(small.job).risk.startRisk).toBe(true);
    expect(parseJobSpec({ ...small.job, risk: { distance: true } }).risk.startRisk).toBe(true);
    expect(parseJobSpec({ ...small.job, risk: { distance: false } }).risk.startRisk).toBe(true);
    expect(parseJobSpec({ ...small.job, risk: { startRisk: false } }).risk).not.toHaveProperty('startRisk');
    expect(parseJobSpec({ ...small.job, risk: { startRisk: false } }).risk.distance).toEqual({ rangePct: 50, gridPoints: 81 });
    expect(parseJobSpec({ ...small.job, risk: { distance: true, startRisk: false } }).risk.startRisk).toBeUndefined();
    // The workers get the spec rendered: the choice survives it either way.
    for (const risk of [{}, { startRisk: false }, { startRisk: true, distance: false }]) {
      const spec = parseJobSpec({ ...small.job, risk });
      expect(parseJobSpec(renderJobSpec(spec)).risk).toEqual(spec.risk);
    }
    expect(() => parseJobSpec({ ...small.job, risk: { startRisk: 'yes' } })).toThrow(/job: risk\.startRisk: expected true or false/);
  });

  it.each([
    [{ distance: { rangePct: 0 } }, /job: risk\.distance\.rangePct: expected a percentage above 0 and at most 1000, got 0/],
    [{ distance: { gridPoints: 2.5 } }, /job: risk\.distance\.gridPoints: expected a whole number from 3 to 100001/],
    [{ distance: { range: 5 } }, /risk\.distance/],
    [{ distance: 'yes' }, /risk\.distance/],
    [{ dist: true }, /risk/],
    [{ distance: { families: ['all', 'crash'] } }, /job: risk\.distance\.families\[1\]: expected one of all, leader, single, depeg, got "crash"/],
    [{ distance: { families: [] } }, /job: risk\.distance\.families: expected a list of shock families/],
    [{ distance: { leader: 'USDT' } }, /job: risk\.distance\.leader: expected a non-stablecoin asset/],
    [{ distance: { betas: { ETH: 'high' } } }, /job: risk\.distance\.betas\.ETH: expected a number/],
  ])('%j is an InputError naming the field', (risk, message) => {
    expect(() => parseJobSpec({ ...files.job, risk })).toThrow(message);
  });
});

describe('a summary line\'s startDistance read back', () => {
  const line = { portfolioId: 'p', index: 0, ok: true, engine: 'fast', steps: 1, kernelSteps: 0, gapSteps: 0, initialUniMMR: null, initialStatus: null, minUniMMR: null, minUniMMRTime: null, worst: null, firstTimeIn: {}, worstStatus: null, liquidations: 0, liquidationFeesUSD: '0.00000000', bankrupt: false, bankruptcyLossUSD: '0.00000000', finalTime: null, finalStatus: null, finalUniMMR: null, finalAccountEquity: null, finalActualEquity: null, eventCounts: {}, warnings: [] };
  it('accepts the shape and rejects a shock that is not an 8-decimal percentage or an unknown target', () => {
    expect(() => checkPortfolioSummary({ ...line, startDistance: { family: 'all', rangePct: 50, down: { marginCall: '-23.45678901' }, up: {} } }, 'b.jsonl', 'line 3')).not.toThrow();
    expect(() => checkPortfolioSummary({ ...line, startDistance: { family: 'all', rangePct: 50, down: { marginCall: '-23.4' }, up: {} } }, 'b.jsonl', 'line 3'))
      .toThrow('b.jsonl: line 3.startDistance.down.marginCall: expected a shock in percent with 8 decimals, got "-23.4"');
    expect(() => checkPortfolioSummary({ ...line, startDistance: { family: 'all', rangePct: 50, down: {}, up: { crash: '1.00000000' } } }, 'b.jsonl', 'line 3')).toThrow(/line 3\.startDistance\.up\.crash: expected one of marginCall/);
    const all = { family: 'all', rangePct: 50, down: {}, up: {} };
    expect(() => checkPortfolioSummary({ ...line, startDistance: all, otherStartDistances: [{ ...all, family: 'single:BTC' }] }, 'b.jsonl', 'line 3')).not.toThrow();
    expect(() => checkPortfolioSummary({ ...line, startDistance: all, otherStartDistances: { family: 'single:BTC' } }, 'b.jsonl', 'line 3')).toThrow(/line 3\.otherStartDistances: expected a list of distances/);
    expect(() => checkPortfolioSummary({ ...line, startDistance: all, otherStartDistances: [all, { ...all, up: { liquidation: '5' } }] }, 'b.jsonl', 'line 3'))
      .toThrow(/line 3\.otherStartDistances\[1\]\.up\.liquidation: expected a shock in percent with 8 decimals/);
  });
});
