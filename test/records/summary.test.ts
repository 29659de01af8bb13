import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { PortfolioSummary } from '../../src/records/portfolio-summary.js';
import { addToJobTotals, emptyJobTotals, readSummary, renderJobThresholds, renderSummaryClosing, renderSummaryOpening, renderSummaryPortfolio, type SummaryFacts, readPartRun } from '../../src/records/summary.js';

const ok = (portfolioId: string, index: number, minUniMMR: string | null, fees = '0.00000000'): PortfolioSummary => ({
  portfolioId, index, ok: true, engine: 'fast', steps: 10, kernelSteps: 9, gapSteps: 0, initialUniMMR: '3.00000000', initialStatus: 'NORMAL', minUniMMR, minUniMMRTime: minUniMMR === null ? null : '2024-03-01T01:00:00.000Z',
  worst: null, firstTimeIn: { NORMAL: '2024-03-01T00:00:00.000Z' }, worstStatus: 'NORMAL', liquidations: fees === '0.00000000' ? 0 : 1, liquidationFeesUSD: fees, bankrupt: false, bankruptcyLossUSD: '0.00000000',
  finalTime: '2024-03-01T02:00:00.000Z', finalStatus: 'NORMAL', finalUniMMR: '2.50000000', finalAccountEquity: '100.00000000', finalActualEquity: '101.00000000', eventCounts: { riskLevelChange: 1 }, warnings: [],
});
const PORTFOLIOS: PortfolioSummary[] = [ok('a', 0, '1.30000000', '1.10000000'), { portfolioId: null, index: 1, ok: false, error: 'p.jsonl: [1]: bad' }, ok('b', 2, null), ok('c', 3, '1.20000000', '2.20000000')];
const THRESHOLDS = renderJobThresholds({ marginCall: new Dec('1.6'), reduceOnly: new Dec('1.2'), liquidation: new Dec('1.05') }, ['s3://b/rules.json']);
const FACTS: SummaryFacts = {
  job: { jobId: 'j', prices: 'p.arrow', portfolios: 'p.jsonl', rules: ['s3://b/rules.json'], timeline: { resolution: 3_600_000 }, liquidation: { policy: 'full', slippage: '0.001', target: '1.25' }, output: 'out/' },
  inputs: { prices: { uri: 'p.arrow', bytes: 1, sha256: 'aa' }, portfolios: { uri: 'p.jsonl', bytes: 2, sha256: 'bb' }, rules: [] },
  rulesSources: ['defaults'],
  thresholds: THRESHOLDS,
  intrabar: true,
  window: { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 2), steps: 1441 },
};

function render(facts: SummaryFacts): string {
  const totals = emptyJobTotals();
  let text = renderSummaryOpening(facts);
  PORTFOLIOS.forEach((p, i) => {
    addToJobTotals(totals, p);
    text += renderSummaryPortfolio(p, i === 0);
  });
  return text + renderSummaryClosing(totals);
}

async function read(text: string, file = 'summary.json') {
  async function* lines() {
    yield* text.split('\n');
  }
  const seen: PortfolioSummary[] = [];
  const head = await readSummary(lines(), file, (p) => seen.push(p));
  return { head, seen };
}

describe('summary.json', () => {
  it('records the thresholds the job ran with, and where they came from', () => {
    expect(THRESHOLDS).toEqual({ marginCall: 1.6, reduceOnly: 1.2, liquidation: 1.05, source: "the job's rules (s3://b/rules.json)" });
    expect(renderJobThresholds({ marginCall: new Dec('1.5'), reduceOnly: new Dec('1.2'), liquidation: new Dec('1.05') }, []).source).toBe('data/rules/ (defaults)');
  });
  it('is one JSON document, one portfolio a line, with the totals', () => {
    const text = render(FACTS);
    const doc = JSON.parse(text) as { portfolios: unknown[]; totals: unknown; thresholds: unknown; window: unknown };
    expect(doc.portfolios).toEqual(PORTFOLIOS);
    expect(doc.thresholds).toEqual(THRESHOLDS);
    expect(doc.window).toEqual({ from: '2024-03-01T00:00:00.000Z', to: '2024-03-02T00:00:00.000Z', steps: 1441 });
    expect(doc.totals).toEqual({ portfolios: 4, ok: 3, failed: 1, liquidated: 2, bankrupt: 0, worstStatus: { NORMAL: 3 }, liquidationFeesUSD: '3.30000000', bankruptcyLossUSD: '0.00000000', portfolioSteps: 0, worst: { portfolioId: 'c', minUniMMR: '1.20000000', time: '2024-03-01T01:00:00.000Z' } });
    expect(text.split('\n').filter((l) => l.startsWith('{"portfolioId"'))).toHaveLength(PORTFOLIOS.length);
  });
  it('round-trips through the streaming reader, and through another layout read whole', async () => {
    const streamed = await read(render(FACTS));
    expect(streamed.seen).toEqual(PORTFOLIOS);
    expect(streamed.head.thresholds).toEqual(THRESHOLDS);
    expect(streamed.head.job.jobId).toBe('j');
    expect(streamed.head.totals.failed).toBe(1);
    expect(streamed.head).not.toHaveProperty('portfolios');
    const pretty = await read(JSON.stringify(JSON.parse(render(FACTS)), null, 2));
    expect(pretty.seen).toEqual(PORTFOLIOS);
    expect(pretty.head).toEqual(streamed.head);
  });
  it('says whether the bars\' extremes were evaluated (intrabar), after the thresholds; an older summary.json has no such field', async () => {
    const text = render(FACTS);
    expect(text).toContain(`"thresholds": ${JSON.stringify(THRESHOLDS)},\n"intrabar": true,\n"window"`);
    expect((await read(text)).head.intrabar).toBe(true);
    expect((await read(render({ ...FACTS, intrabar: false }))).head.intrabar).toBe(false);
    expect((await read(render({ ...FACTS, intrabar: undefined }))).head.intrabar).toBeUndefined();
    await expect(read(text.replace('"intrabar": true', '"intrabar": 1'))).rejects.toThrow(/^summary\.json: intrabar: expected true or false, got 1$/);
  });

  it('reads an older summary.json without thresholds as having none', async () => {
    const { head } = await read(render({ ...FACTS, thresholds: undefined }));
    expect(head.thresholds).toBeUndefined();
  });
  it('fails on what it cannot read, naming the file and the line counted from 1', async () => {
    const lines = render(FACTS).split('\n');
    const at = lines.findIndex((l) => l.startsWith('{"portfolioId":"b"'));
    const broken = (replace: (l: string) => string) => lines.map((l, i) => (i === at ? replace(l) : l)).join('\n');
    await expect(read(broken((l) => l.slice(0, 20)), 'out/summary.json')).rejects.toThrow(new RegExp(`^out/summary\\.json: line ${at + 1}: expected a portfolio summary \\(a JSON object\\), got text that is not JSON`));
    await expect(read(broken((l) => l.replace('"minUniMMR":null,', '')))).rejects.toThrow(new RegExp(`^summary\\.json: line ${at + 1}\\.minUniMMR: expected string or null, got nothing$`));
    await expect(read(broken((l) => l.replace('"ok":true', '"ok":"yes"')))).rejects.toThrow(new RegExp(`line ${at + 1}\\.ok: expected true or false`));
    await expect(read(render(FACTS).replace('"version": 1', '"version": 2'))).rejects.toThrow(/^summary\.json: version: expected 1, got 2$/);
    await expect(read(render({ ...FACTS, thresholds: { ...THRESHOLDS, reduceOnly: -1 } }))).rejects.toThrow(/^summary\.json: thresholds\.reduceOnly: expected a number > 0, got -1$/);
  });
});

describe('the run a batch partial names', () => {
  const RUN = { runId: '20260101T000000Z-00000000', inputs: { prices: 'a'.repeat(64), rules: ['b'.repeat(64)] } };
  it('reads back, portfolios\' digest optional', () => {
    expect(readPartRun(RUN, 'p.json')).toEqual(RUN);
    const withPortfolios = { ...RUN, inputs: { ...RUN.inputs, portfolios: 'c'.repeat(64) } };
    expect(readPartRun(withPortfolios, 'p.json')).toEqual(withPortfolios);
  });
  it('refuses a run without its id or with an input digest that is not a SHA-256', () => {
    expect(() => readPartRun(undefined, 'p.json')).toThrow(/^p\.json: run: expected/);
    expect(() => readPartRun({ ...RUN, runId: 7 }, 'p.json')).toThrow(/^p\.json: run\.runId: expected the run id/);
    expect(() => readPartRun({ ...RUN, inputs: { ...RUN.inputs, prices: 'xyz' } }, 'p.json')).toThrow(/^p\.json: run\.inputs\.prices: expected a SHA-256 in hex, got "xyz"/);
  });
});
