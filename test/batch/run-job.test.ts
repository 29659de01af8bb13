import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobLocally, type LocalRunResult } from '../../src/batch/local-runner.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { planJob } from '../../src/batch/distributed.js';
import { mergeJob, SUCCESS_MARKER } from '../../src/batch/merge.js';
import { createRunId, holdJobLease } from '../../src/batch/lease.js';
import { LOCAL_STORES, locateLocal as locate } from '../helpers/stores.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { exportLocalJob } from '../helpers/job-outputs.js';

let files: ReturnType<typeof writeSmallJob>;
let result: LocalRunResult;
let out: string;
/** The job's reports as single files (pmbt export), for the tests that read them whole. */
let exported: string;
const read = (name: string) => readFileSync(join(out, name));
const readExported = (name: string) => readFileSync(join(exported, name));

beforeAll(async () => {
  files = writeSmallJob();
  result = await runJobLocally(parseJobSpec(files.job), { workers: 1, ...LOCAL_STORES });
  out = join(files.dir, 'out', 'small');
  exported = await exportLocalJob(out);
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('a job run on one machine', () => {
  it('writes every report as one file per batch, and a completion marker that lists them with their digests', () => {
    const marker = JSON.parse(read(SUCCESS_MARKER).toString()) as { files: Record<string, { bytes: number; sha256: string }>; portfolios: number };
    // 26 portfolios in batches of 5: 6 batches, each with its share of every report and its partial
    // (events as Arrow only: JSON lines are written on request, events.lines)
    const perBatch = (b: number) => [`_partials/batch-00000${b}.json`, `events/batch-00000${b}.arrow`, `portfolios/batch-00000${b}.jsonl.gz`, `timeline/batch-00000${b}.arrow`];
    expect(Object.keys(marker.files).sort()).toEqual([...[0, 1, 2, 3, 4, 5].flatMap(perBatch).filter((f) => !f.startsWith('_partials')), 'report.html', 'summary.json'].sort());
    for (const [name, f] of Object.entries(marker.files)) {
      expect(createHash('sha256').update(read(name)).digest('hex'), name).toBe(f.sha256);
    }
    expect(marker.portfolios).toBe(26);
  });
  it('fails a bad portfolio alone, naming the file, the row and the field', () => {
    const summary = JSON.parse(readExported('summary.json').toString()) as { portfolios: { portfolioId: string | null; ok: boolean; error?: string; index: number }[]; totals: { ok: number; failed: number } };
    const failed = summary.portfolios.filter((p) => !p.ok);
    expect(failed.map((p) => [p.portfolioId, p.index])).toEqual([['bad-field', 3], [null, 7]]);
    expect(failed[0]!.error).toBe(`${files.job.portfolios as string}: portfolio 4 (id "bad-field"): balances[0].crossMarginFree: expected a number ≥ 0, got "-5"`);
    expect(failed[1]!.error).toMatch(/: portfolio 8 \(line 8\): expected one JSON document per line/);
    expect([summary.totals.ok, summary.totals.failed]).toEqual([24, 2]);
    // every good portfolio was replayed over all 360 minutes (or until it was bankrupt)
    expect(summary.portfolios.filter((p) => p.ok).length).toBe(24);
  });
  it('writes a timeline with one row per portfolio and hour, keeping the hour minimum', () => {
    const t = tableFromIPC(readExported('timeline.arrow'));
    expect(t.schema.fields.map((f) => f.name)).toEqual(['portfolioId', 'time', 'uniMMR', 'accountEquity', 'actualEquity', 'maintMargin', 'status', 'worstTime', 'steps', 'cashFlowUSD']);
    const ids = new Set(t.getChild('portfolioId')!.toArray() as string[]);
    expect(ids.size).toBe(24);
    // p0 holds 0.25 BTC at 1x: never liquidated, 6 hourly rows of 60 steps
    const rows = t.toArray().filter((r) => r.portfolioId === 'p0');
    expect(rows.map((r) => r.steps)).toEqual([60, 60, 60, 60, 60, 60]);
    const minOfHour4 = rows[3]!.uniMMR as number;
    // hour 3 (minutes 180–239) ends at the bottom: the minimum is at its last minute
    expect(rows[3]!.worstTime).toBe(rows[3]!.time + 59 * 60_000);
    expect(minOfHour4).toBeLessThan(rows[2]!.uniMMR as number);
    // p0 pays funding once, at 00:00:00.003 (taken at the 00:01 step, hour 0): its cash flow is that
    // payment from the first row on, in USD at USDT's index of 1, as its summary line's total says
    const summary = JSON.parse(readExported('summary.json').toString()) as { portfolios: { portfolioId: string; funding?: Record<string, string> }[] };
    const funding = summary.portfolios.find((p) => p.portfolioId === 'p0')!.funding!;
    expect(Object.keys(funding)).toEqual(['BTCUSDT']);
    expect(Number(funding.BTCUSDT)).toBeLessThan(0);
    expect(rows.map((r) => r.cashFlowUSD as number)).toEqual(Array(6).fill(rows[0]!.cashFlowUSD));
    expect(rows[0]!.cashFlowUSD as number).toBeCloseTo(Number(funding.BTCUSDT), 8);
  });
  it('writes no funding or interest events by default, but their totals, and says it wrote no JSON lines', () => {
    const types = new Set(tableFromIPC(readExported('events.arrow')).getChild('type')!.toArray() as string[]);
    expect(types).toEqual(new Set(['riskLevelChange', 'liquidation']));
    const summary = JSON.parse(read('summary.json').toString()) as { eventLines: boolean; job: { events: unknown } };
    expect(summary.eventLines).toBe(false);
    expect(summary.job.events).toEqual({ ledger: false, lines: false });
    expect(readdirSync(join(out, 'events')).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  });
  it('with events {ledger, lines} writes every payment, and the same events to events/*.arrow and events/*.jsonl', async () => {
    const spec = parseJobSpec({ ...files.job, output: join(files.dir, 'out-ledger'), events: { ledger: true, lines: true } });
    await runJobLocally(spec, { workers: 1, ...LOCAL_STORES });
    const ledgerOut = join(files.dir, 'out-ledger', 'small');
    expect((JSON.parse(readFileSync(join(ledgerOut, 'summary.json'), 'utf8')) as { eventLines: boolean }).eventLines).toBe(true);
    const batchLines = readdirSync(join(ledgerOut, 'events')).filter((f) => f.endsWith('.jsonl')).sort();
    expect(batchLines).toHaveLength(6);
    const ledgerExported = await exportLocalJob(ledgerOut);
    // pmbt export makes events.jsonl from the Arrow files: the batches' own JSON lines say the same
    expect(batchLines.map((f) => readFileSync(join(ledgerOut, 'events', f), 'utf8')).join('')).toBe(readFileSync(join(ledgerExported, 'events.jsonl'), 'utf8'));
    const lines = readFileSync(join(ledgerExported, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // the ledger adds the payments and nothing else
    const plain = readExported('events.jsonl').toString().trim().split('\n');
    expect(lines.filter((l) => l.type !== 'funding').map((l) => JSON.stringify(l))).toEqual(plain);
    const t = tableFromIPC(readFileSync(join(ledgerExported, 'events.arrow')));
    expect(t.numRows).toBe(lines.length);
    const types = t.getChild('type')!.toArray() as string[];
    expect(types).toEqual(lines.map((l) => l.type));
    // every field of every event, an absent one being null in Arrow and missing in JSON
    const arrowRows = t.toArray().map((r) => Object.fromEntries(Object.entries(r.toJSON() as Record<string, unknown>).filter(([, v]) => v !== null)));
    expect(arrowRows).toEqual(lines.map(({ at: _at, ...rest }) => rest));
    expect(new Set(types)).toEqual(new Set(['riskLevelChange', 'funding', 'liquidation']));
    expect(result.totals.liquidated).toBeGreaterThan(5);
  });
  it('finishes again to the same bytes, and never marks a job complete with a batch missing', async () => {
    const spec = parseJobSpec(files.job);
    const { store, key } = locate(join(files.dir, 'out', 'small'));
    const summaryBefore = read('summary.json');
    const marker = JSON.parse(read(SUCCESS_MARKER).toString()) as { files: unknown };
    const facts = JSON.parse(read('summary.json').toString()) as { inputs: never; rulesSources: string[]; thresholds: never; window: { from: string; to: string; steps: number } };
    const reportBefore = read('report.html');
    const jobFacts = { spec, run: result.run, batches: 6, portfolioCount: 26, inputs: facts.inputs, rulesSources: facts.rulesSources, thresholds: facts.thresholds, window: { from: Date.parse(facts.window.from), to: Date.parse(facts.window.to), steps: facts.window.steps } };
    unlinkSync(join(out, SUCCESS_MARKER));
    // The merge runs only under its run's lease (the run released it when it ended).
    const lease = await holdJobLease(store, key, 'small', result.run, { ttlMs: 60_000 });
    await mergeJob(store, key, jobFacts);
    expect(read('summary.json').equals(summaryBefore)).toBe(true);
    expect(read('report.html').equals(reportBefore)).toBe(true);
    expect((JSON.parse(read(SUCCESS_MARKER).toString()) as { files: unknown }).files).toEqual(marker.files);

    unlinkSync(join(out, SUCCESS_MARKER));
    unlinkSync(join(out, '_partials', 'batch-000002.json'));
    await expect(mergeJob(store, key, jobFacts)).rejects.toThrow(/batch 2 has not finished/);
    expect(existsSync(join(out, SUCCESS_MARKER))).toBe(false);
    await lease.release();
  });
});

describe('a re-run after a run killed mid-write', () => {
  it('removes the temporary files left in its own job folder, and nothing else', async () => {
    const job = writeSmallJob();
    try {
      const spec = parseJobSpec(job.job);
      await runJobLocally(spec, { workers: 1, ...LOCAL_STORES });
      const output = join(job.dir, 'out');
      const jobDir = join(output, 'small');
      const before = readFileSync(join(jobDir, 'summary.json'));
      // What a write killed between open and rename leaves (src/io/store/local.ts names them so),
      // in the job's folder and below it.
      const leftovers = [join(jobDir, '.pmbt-0123456789abcdef.tmp'), join(jobDir, '_parts', 'batch-000002', '.pmbt-fedcba9876543210.tmp'), join(jobDir, 'deep', 'er', '.pmbt-00000000000000ff.tmp')];
      // Not ours to remove: another job's folder, the output folder itself, and names outside the pattern.
      const kept = [join(output, 'other-job', '.pmbt-0123456789abcdef.tmp'), join(output, '.pmbt-0123456789abcdef.tmp'), join(jobDir, '.pmbt-notes.tmp'), join(jobDir, 'pmbt-0123456789abcdef.tmp'), join(jobDir, '.pmbt-0123456789ABCDEF.tmp')];
      for (const f of [...leftovers, ...kept]) {
        mkdirSync(join(f, '..'), { recursive: true });
        writeFileSync(f, 'half a file');
      }
      await runJobLocally(spec, { workers: 1, ...LOCAL_STORES });
      for (const f of leftovers) expect(existsSync(f), f).toBe(false);
      for (const f of kept) expect(existsSync(f), f).toBe(true);
      expect(readFileSync(join(jobDir, 'summary.json')).equals(before)).toBe(true);
      // the re-run's own writes left none behind
      const temps = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? temps(join(dir, e.name)) : /^\.pmbt-[0-9a-f]{16}\.tmp$/.test(e.name) ? [join(dir, e.name)] : []));
      expect(temps(jobDir)).toEqual([]);
      // the serverless steps' plan does the same on a local output (pmbt run-via-handlers)
      const leftover = join(jobDir, '_plan', '.pmbt-0000000000000abc.tmp');
      mkdirSync(join(leftover, '..'), { recursive: true });
      writeFileSync(leftover, 'half a file');
      await planJob(spec, { runId: createRunId(new Date()), startedBy: 'test' }, locate);
      expect(existsSync(leftover)).toBe(false);
      for (const f of kept) expect(existsSync(f), f).toBe(true);
    } finally {
      rmSync(job.dir, { recursive: true, force: true });
    }
  });
});
