import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_STORES, locateLocal as locate } from '../helpers/stores.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { openJobOutputs } from '../../src/batch/merge.js';
import { createLocalStore } from '../../src/io/store/local.js';
import type { ObjectStore } from '../../src/io/store/types.js';
import { streamArrowBatches } from '../../src/records/arrow.js';
import { readLines } from '../../src/records/lines.js';
import { TIMELINE_SCHEMA } from '../../src/records/timeline.js';
import { buildDistributionBins } from '../../src/report/html/distribution.js';
import { loadReportData } from '../../src/report/html/load.js';
import { buildWorstPortfolios } from '../../src/report/html/worst.js';
import { buildGrid, readTimelineOnGrid } from '../../src/report/html/timeline-pass.js';
import type { ReportData } from '../../src/report/html/types.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { exportLocalJob } from '../helpers/job-outputs.js';

// The report's data loader on a real (small) job: what it keeps must agree with the job's files.

let files: ReturnType<typeof writeSmallJob>;
let out: string;
let exported: string;
let data: ReportData;
let store: ObjectStore;
let key: string;

interface TimelineRowRead { portfolioId: string; time: number; uniMMR: number | null; status: string }
let rows: TimelineRowRead[];
let events: { portfolioId: string; time: number; type: string }[];
let summary: { portfolios: { portfolioId: string; ok: boolean; minUniMMR?: string | null; worst?: unknown }[]; thresholds?: unknown };

beforeAll(async () => {
  files = writeSmallJob();
  await runJobLocally(parseJobSpec(files.job), { workers: 1, ...LOCAL_STORES });
  out = join(files.dir, 'out', 'small');
  ({ store, key } = locate(out));
  data = await loadReportData(openJobOutputs(store, key), { worstCount: 5 });
  // What the loader must agree with: the job's reports read whole (pmbt export's single files).
  exported = await exportLocalJob(out);
  rows = tableFromIPC(readFileSync(join(exported, 'timeline.arrow'))).toArray().map((r) => ({ portfolioId: r.portfolioId as string, time: Number(r.time), uniMMR: r.uniMMR as number | null, status: r.status as string }));
  events = readFileSync(join(exported, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { portfolioId: string; time: number; type: string });
  summary = JSON.parse(readFileSync(join(exported, 'summary.json'), 'utf8')) as typeof summary;
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('loadReportData', () => {
  it('counts every replayed portfolio once in the histogram of minimum uniMMR', () => {
    const withMM = summary.portfolios.filter((p) => p.ok && p.minUniMMR !== null);
    expect(data.distribution.reduce((n, b) => n + b.count, 0)).toBe(withMM.length);
    expect(data.totals).toMatchObject({ portfolios: 26, ok: 24, failed: 2 });
    expect(data.failuresTotal).toBe(2);
    for (const p of withMM) {
      const u = Number(p.minUniMMR);
      const bin = data.distribution.find((b) => (b.lower === null || u > b.lower) && (b.upper === null || u <= b.upper))!;
      expect(bin.count).toBeGreaterThan(0);
    }
  });
  it('keeps the worst portfolios, lowest minimum first, with their breakdown at that moment', () => {
    const mins = summary.portfolios.filter((p) => p.ok && p.minUniMMR != null).map((p) => Number(p.minUniMMR)).sort((a, b) => a - b);
    expect(data.worst.map((w) => Number(w.minUniMMR))).toEqual(mins.slice(0, 5));
    for (const w of data.worst) {
      expect(w.worstMoment).not.toBeNull();
      expect(w.worstMoment!.positions.length + w.worstMoment!.assets.length).toBeGreaterThan(0);
      expect(Math.abs(Number(w.worstMoment!.uniMMR) - Number(w.minUniMMR))).toBeLessThan(1e-6 * Math.max(1, Math.abs(Number(w.minUniMMR))));
    }
  });
  it('puts each worst portfolio’s timeline on the grid, the interval minimum kept', () => {
    // the window runs to the last row of the history: the funding row at 08:00:00.003
    expect(data.grid.intervalMs).toBe(3_600_000);
    expect(data.grid.times.length).toBe(Math.floor((data.window.to - data.window.from) / 3_600_000) + 1);
    expect(data.grid.times.length).toBe(9);
    for (const w of data.worst) {
      expect(w.uniMMR).toHaveLength(data.grid.times.length);
      const own = rows.filter((r) => r.portfolioId === w.portfolioId);
      for (const r of own) {
        const g = data.grid.times.indexOf(r.time);
        expect(w.uniMMR[g]).toBeCloseTo(r.uniMMR!, 4);
      }
    }
  });
  it('counts, per interval, the portfolios in each at-risk status and the liquidations', () => {
    for (const [status, counts] of [['MARGIN_CALL', data.statusOverTime.marginCall], ['REDUCE_ONLY', data.statusOverTime.reduceOnly], ['FORCE_LIQUIDATION', data.statusOverTime.forceLiquidation]] as const) {
      expect(counts, status).toEqual(data.grid.times.map((t) => new Set(rows.filter((r) => r.time === t && r.status === status).map((r) => r.portfolioId)).size));
    }
    const liquidations = events.filter((e) => e.type === 'liquidation');
    expect(data.statusOverTime.liquidations.reduce((a, b) => a + b, 0)).toBe(liquidations.length);
    expect(liquidations.length).toBeGreaterThan(0);
  });
  it('keeps the worst portfolios’ risk-level changes and liquidations, nothing else', () => {
    for (const w of data.worst) {
      const expected = events.filter((e) => e.portfolioId === w.portfolioId && ['riskLevelChange', 'liquidation', 'bankruptcy', 'ordersCancelled', 'liquidationCancelled'].includes(e.type));
      expect(w.events.map((e) => [e.time, e.type])).toEqual(expected.map((e) => [e.time, e.type]));
      expect(w.events.every((e) => e.text.length > 10)).toBe(true);
    }
  });
  it('folds a fine grid into at most maxPoints intervals, keeping minima', async () => {
    // Jobs longer than REPORT_LIMITS.maxPoints buckets are folded so; here, 9 hourly buckets into 2.
    const folded = buildGrid(data.window.from, data.window.to, 3_600_000, 2);
    expect(folded).toMatchObject({ count: 2, intervalMs: 5 * 3_600_000 });
    const worst = buildWorstPortfolios(data.worst.map((w) => ({ ...summary.portfolios.find((p) => p.portfolioId === w.portfolioId)! })) as never, folded);
    await readTimelineOnGrid(openJobOutputs(createLocalStore(exported), ''), 'timeline.arrow', folded, new Map(worst.map((w) => [w.portfolioId, w])));
    for (const w of worst) {
      const own = rows.filter((r) => r.portfolioId === w.portfolioId && r.uniMMR !== null);
      const firstHalf = own.filter((r) => r.time < folded.start + folded.intervalMs).map((r) => r.uniMMR!);
      expect(firstHalf.length).toBeGreaterThan(0);
      expect(w.uniMMR[0]).toBeCloseTo(Math.min(...firstHalf), 4);
    }
  });
  it('uses the thresholds summary.json records, and never falls back to defaults', async () => {
    // the job ran with data/rules/ alone: summary.json records their thresholds, the report uses them
    expect(summary.thresholds).toEqual({ marginCall: 1.5, reduceOnly: 1.2, liquidation: 1.05, source: 'data/rules/ (defaults)' });
    expect(data.thresholds).toEqual(summary.thresholds);
    // a summary.json without them (written before they were recorded)
    const dir = join(files.dir, 'older');
    cpSync(out, dir, { recursive: true });
    const head = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    delete head.thresholds;
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(head));
    // no quiet fallback to default bands: the report fails, naming the file and the missing field
    await expect(loadReportData(openJobOutputs(createLocalStore(dir), ''))).rejects.toThrow(/summary\.json: thresholds: expected the status thresholds the job ran with .*got none/);
  });
  it('needs only the partials (and the worst portfolios\' detail beside them) for up to 10 portfolios in detail', async () => {
    const dir = join(files.dir, 'partials-only');
    cpSync(out, dir, { recursive: true });
    for (const folder of ['timeline', 'events', 'portfolios']) rmSync(join(dir, folder), { recursive: true });
    const full = await loadReportData(openJobOutputs(store, key), { worstCount: 10 });
    const fromPartials = await loadReportData(openJobOutputs(createLocalStore(dir), ''), { worstCount: 10 });
    expect(fromPartials).toEqual(full);
    expect(full.worst).toHaveLength(10);
    expect(full.worst.some((w) => w.events.length > 0 && w.uniMMR.some((u) => u !== null))).toBe(true);
    // more in detail than each batch kept: the batches' own files are read, and here they are gone
    await expect(loadReportData(openJobOutputs(createLocalStore(dir), ''), { worstCount: 11 })).rejects.toThrow(/portfolios\/batch-00000\d\.jsonl\.gz: \(document\): expected a readable file, got no such file/);
  });
  it('fails, naming the file, on a partial of another run or one it cannot read', async () => {
    const dir = join(files.dir, 'broken-partials');
    cpSync(out, dir, { recursive: true });
    const partial = join(dir, '_partials', 'batch-000002.json');
    const text = readFileSync(partial, 'utf8');
    writeFileSync(partial, text.replace(/"runId":"[^"]+"/, '"runId":"20260101T000000Z-0000beef"'));
    await expect(loadReportData(openJobOutputs(createLocalStore(dir), ''))).rejects.toThrow(/_partials\/batch-000002\.json: run: expected a partial of run .*, got run 20260101T000000Z-0000beef/);
    writeFileSync(partial, text.replace('"steps":', '"steps":"many","x":'));
    await expect(loadReportData(openJobOutputs(createLocalStore(dir), ''))).rejects.toThrow(/_partials\/batch-000002\.json: steps: expected a whole number ≥ 0, got "many"/);
  });
});

describe('the streaming readers', () => {
  it('read an Arrow file chunk by chunk, the schema put in front', async () => {
    const bytes = readFileSync(join(exported, 'timeline.arrow'));
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 997) yield bytes.subarray(i, i + 997);
    }
    let n = 0;
    for await (const b of streamArrowBatches(chunks(), TIMELINE_SCHEMA)) n += b.numRows;
    expect(n).toBe(rows.length);
  });
  it('split lines across chunk boundaries and multi-byte characters', async () => {
    const text = 'α,β\nγ\n\nlast';
    const bytes = new TextEncoder().encode(text);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    }
    const lines: string[] = [];
    for await (const l of readLines(chunks())) lines.push(l);
    expect(lines).toEqual(['α,β', 'γ', '', 'last']);
  });
  it('read a summary.json written in another layout whole', async () => {
    const dir = join(files.dir, 'pretty');
    cpSync(out, dir, { recursive: true });
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), null, 4));
    const pretty = await loadReportData(openJobOutputs(createLocalStore(dir), ''), { worstCount: 5 });
    expect(pretty.worst.map((w) => w.portfolioId)).toEqual(data.worst.map((w) => w.portfolioId));
    expect(pretty.distribution).toEqual(data.distribution);
  });
  it('bins minimum uniMMR by the status bands', () => {
    expect(buildDistributionBins({ marginCall: 1.5, reduceOnly: 1.2, liquidation: 1.05, source: 'docs/margin-rules.md' }).map((b) => `${b.label}:${b.zone}`)).toEqual([
      '≤ 0:bankrupt', '0–1.05:liquidation', '1.05–1.2:reduceOnly', '1.2–1.5:marginCall', '1.5–2:normal', '2–3:normal', '3–5:normal', '5–10:normal', '10–20:normal', '20–50:normal', '50–100:normal', '> 100:normal',
    ]);
  });
});
