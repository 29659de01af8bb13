// Scheduled stress tests compare with their previous run (docs/risk.md "Who moved closer"): two
// firings of one test through the real schedule, plan, replayBatch and merge handlers against the
// S3-compatible test server; the second names the first, and its summary.json's `moved` block
// pairs the two jobs' liquidation distances, which this test derives from their own summary lines.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as schedule } from '../../handlers/schedule.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { parseStressTests } from '../../src/batch/stress-tests.js';
import { Dec } from '../../src/domain/decimal.js';
import { bucketReader } from '../helpers/bucket-reader.js';
import type { FakeStepFunctions } from './harness.js';
import { runExecution, SCHEDULE_BUCKET as BUCKET, startScheduleHarness, type ScheduleHarness } from './schedule-harness.js';

let bed: ScheduleHarness;
let client: S3Client;
let sfn: FakeStepFunctions;
let files: ScheduleHarness['files'];

const reader = bucketReader(() => client, BUCKET);
const put = (key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const readJson = async (key: string) => JSON.parse((await reader.get(key)).toString()) as Record<string, unknown>;

const FIRST = 'cmp-20261123T0600Z';
const SECOND = 'cmp-20261124T0600Z';

/** The first run copied under `id` with its partials as a version before `liquidationDistances` wrote them. */
async function copyFirstWithout(id: string): Promise<void> {
  for (const k of await reader.listKeys(`reports/${FIRST}/`)) {
    let body: Buffer | string = await reader.get(k);
    if (/_partials\/batch-\d+\.json$/.test(k)) {
      const partial = JSON.parse(body.toString()) as { report: { liquidationDistances?: unknown } };
      expect(partial.report.liquidationDistances).toBeDefined();
      delete partial.report.liquidationDistances;
      body = JSON.stringify(partial);
    }
    await put(k.replace(FIRST, id), body);
  }
}

/** A job's summary lines, every batch's, as written. */
async function readLines(jobId: string): Promise<Record<string, unknown>[]> {
  const keys = (await reader.listKeys(`reports/${jobId}/portfolios/`)).filter((k) => k.endsWith('.jsonl.gz'));
  expect(keys.length).toBeGreaterThan(0);
  const out: Record<string, unknown>[] = [];
  for (const k of keys) for (const l of gunzipSync(await reader.get(k)).toString().split('\n')) if (l !== '') out.push(JSON.parse(l) as Record<string, unknown>);
  return out;
}

/**
 * Each portfolio's distance to liquidation, derived here from its line: the smaller of |down| and
 * |up| liquidation shocks (null when neither is within the range).
 */
function liquidationDistances(lines: Record<string, unknown>[]): Map<string, Dec | null> {
  const out = new Map<string, Dec | null>();
  for (const l of lines) {
    const d = l.startDistance as { down: { liquidation?: string }; up: { liquidation?: string } } | undefined;
    if (l.ok !== true || d === undefined) continue;
    const shocks = [d.down.liquidation, d.up.liquidation].filter((x): x is string => x !== undefined).map((x) => new Dec(x).abs());
    out.set(l.portfolioId as string, shocks.length === 0 ? null : Dec.min(...shocks));
  }
  return out;
}

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  bed = await startScheduleHarness([
    { name: 'cmp', schedule: 'cron(0 6 * * ? *)', prices: 'data/small/prices.arrow', portfolios: 'data/small/portfolios.jsonl', scenario: { name: 'instant-shock', params: { asset: 'BTC', drop: '0.2', at: '2024-03-12T01:00:00Z' } }, job: { batchSize: 10 } },
  ]);
  ({ client, sfn, files } = bed);
});

afterAll(() => bed?.stop());

describe('scheduled stress tests compare with their previous finished run', () => {
  it('the first firing computes start distances and has nothing to compare with', async () => {
    const { started } = await schedule({ test: 'cmp', time: '2026-11-23T06:00:00Z' });
    expect(started).toEqual([expect.not.objectContaining({ previousJob: expect.anything() })]);
    const execution = sfn.executions.at(-1)!;
    expect(execution.input).toMatchObject({ job: { jobId: FIRST, risk: { distance: { rangePct: 50, gridPoints: 81 } } } });
    expect((execution.input as { job: Record<string, unknown> }).job.compare).toBeUndefined();
    await execution.done;
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect((await readJson(`reports/${FIRST}/summary.json`)).moved).toBeUndefined();
  }, 120_000);

  it('the next firing names it (not an unfinished run, not another test), and summary.json and report.html say who moved closer', async () => {
    // A later run of the test that never finished, and a finished run of a test (named cmp-20261123T07) whose
    // ids start like this one's and sort between the two firings.
    await put('jobs/cmp-20261123T1800Z.json', '{}');
    await put('jobs/cmp-20261123T07-20261123T2300Z.json', '{}');
    await put('reports/cmp-20261123T07-20261123T2300Z/_SUCCESS', '{}');
    // The desk changed: p10 doubled its position, p13 left, p-new came (with p10's old book).
    const docs = readFileSync(files.job.portfolios as string, 'utf8').split('\n').filter((l) => l.startsWith('{"id":"p'));
    const p10 = JSON.parse(docs.find((l) => l.startsWith('{"id":"p10"'))!) as { umPositions: { positionAmt: string }[] };
    const doubled = { ...p10, umPositions: [{ ...p10.umPositions[0]!, positionAmt: new Dec(p10.umPositions[0]!.positionAmt).times(2).toFixed(3) }] };
    const changed = docs.filter((l) => !l.startsWith('{"id":"p13"')).map((l) => (l.startsWith('{"id":"p10"') ? JSON.stringify(doubled) : l));
    changed.push(JSON.stringify({ ...p10, id: 'p-new' }));
    await put('data/small/portfolios.jsonl', `${changed.join('\n')}\n`);

    const { started } = await schedule({ test: 'cmp', time: '2026-11-24T06:00:00Z' });
    expect(started).toEqual([expect.objectContaining({ jobId: SECOND, previousJob: FIRST })]);
    const execution = sfn.executions.at(-1)!;
    expect(execution.input).toMatchObject({ job: { jobId: SECOND, compare: { previousJob: FIRST } } });
    await execution.done;
    expect(execution.status, execution.cause).toBe('SUCCEEDED');

    // The expected block, from the two jobs' own lines.
    const before = liquidationDistances(await readLines(FIRST));
    const now = liquidationDistances(await readLines(SECOND));
    const range = new Dec(50);
    const counts = { closer: 0, further: 0, unchanged: 0, new: 0, gone: 0 };
    const closer: { portfolioId: string; previousPct: string | null; nowPct: string; changePp: string; change: Dec }[] = [];
    for (const [id, d] of now) {
      if (!before.has(id)) { counts.new++; continue; }
      const b = before.get(id)!;
      const change = (d ?? range).minus(b ?? range);
      if (change.isZero()) counts.unchanged++;
      else if (change.gt(0)) counts.further++;
      else {
        counts.closer++;
        closer.push({ portfolioId: id, previousPct: b === null ? null : b.toFixed(8), nowPct: d!.toFixed(8), changePp: change.toFixed(8), change });
      }
    }
    for (const id of before.keys()) if (!now.has(id)) counts.gone++;
    closer.sort((a, b) => a.change.cmp(b.change) || (a.portfolioId < b.portfolioId ? -1 : 1));
    // What the test set up: p10 closer, p13 gone, p-new new, every other replayed portfolio unchanged (same book, same start market).
    expect(counts).toEqual({ closer: 1, further: 0, unchanged: before.size - 2, new: 1, gone: 1 });
    expect(closer.map((c) => c.portfolioId)).toEqual(['p10']);
    expect(before.get('p10')).not.toBeNull();

    const summary = await readJson(`reports/${SECOND}/summary.json`);
    expect(summary.moved).toEqual({ previousJob: FIRST, status: 'compared', counts, closest: closer.map(({ change: _c, ...e }) => e) });
    const html = (await reader.get(`reports/${SECOND}/report.html`)).toString();
    expect(html).toContain(`<h2>Moved closer since ${FIRST}</h2>`);
    // The page shows 2 decimals of the 8 in summary.json.
    expect(html).toContain(`<td class="l">p10</td><td>${Number(closer[0]!.previousPct).toFixed(2)} %</td><td>${Number(closer[0]!.nowPct).toFixed(2)} %</td><td><b>−${Math.abs(Number(closer[0]!.changePp)).toFixed(2)} pp</b></td>`);
  }, 180_000);

  it('a previous job that never finished, or whose files are unreadable, gives a warning; the job still completes', async () => {
    const job = (jobId: string, previousJob: string) => ({
      jobId, prices: `s3://${BUCKET}/scenarios/${FIRST}/prices.arrow`, portfolios: `s3://${BUCKET}/data/small/portfolios.jsonl`, output: `s3://${BUCKET}/reports/`, batchSize: 10, risk: { distance: true }, compare: { previousJob },
    });
    await runExecution({ job: job('cmp-missing', 'never-ran') });
    const missing = (await readJson('reports/cmp-missing/summary.json')).moved;
    expect(missing).toEqual({ previousJob: 'never-ran', status: 'previousUnavailable', warning: `job never-ran has not finished (no s3://${BUCKET}/reports/never-ran/_SUCCESS): no comparison` });
    expect(await reader.exists('reports/cmp-missing/_SUCCESS')).toBe(true);
    expect((await reader.get('reports/cmp-missing/report.html')).toString()).toContain('<p><b>Warning:</b> job never-ran has not finished');

    // A copy of the first run under another id, as `edit` leaves it.
    const copyFirst = async (id: string, edit: (key: string, body: Buffer) => Buffer | string) => {
      for (const k of await reader.listKeys(`reports/${FIRST}/`)) await put(k.replace(FIRST, id), edit(k, await reader.get(k)));
    };
    // Finished, but a partial damaged.
    await copyFirst('cmp-damaged', (k, body) => (k.endsWith('_partials/batch-000001.json') ? 'not JSON' : body));
    await runExecution({ job: job('cmp-after-damaged', 'cmp-damaged') });
    expect((await readJson('reports/cmp-after-damaged/summary.json')).moved).toEqual({
      previousJob: 'cmp-damaged', status: 'previousUnavailable',
      warning: expect.stringMatching(/^job cmp-damaged could not be read \(s3:\/\/pm-data\/reports\/cmp-damaged\/_partials\/batch-000001\.json: .*\): no comparison$/),
    });
  }, 180_000);

  it('a previous job whose partials do not carry distances (written before) is read from its summary lines: the same block', async () => {
    await copyFirstWithout('cmp-older');
    const job = { jobId: 'cmp-vs-older', prices: `s3://${BUCKET}/scenarios/${FIRST}/prices.arrow`, portfolios: `s3://${BUCKET}/data/small/portfolios.jsonl`, output: `s3://${BUCKET}/reports/`, batchSize: 10, risk: { distance: true }, compare: { previousJob: 'cmp-older' } };
    await runExecution({ job });
    const second = (await readJson(`reports/${SECOND}/summary.json`)).moved as Record<string, unknown>;
    expect(second.status).toBe('compared');
    expect((await readJson('reports/cmp-vs-older/summary.json')).moved).toEqual({ ...second, previousJob: 'cmp-older' });
  }, 180_000);

  it('compare.previousJob is a job id, never a path or URI; a test cannot set it', () => {
    const base = { jobId: 'j', prices: 'p.arrow', portfolios: 'p.jsonl', risk: { distance: true } };
    for (const previousJob of ['../other', 'reports/other', 's3://pm-data/reports/other', '.hidden', 'a\\b']) {
      expect(() => parseJobSpec({ ...base, compare: { previousJob } })).toThrow(/^job: compare\.previousJob: expected the id of another job in the same output folder \(letters, digits, \. _ -; not a path or URI, not j\)/);
    }
    expect(() => parseJobSpec({ ...base, compare: { previousJob: 'j' } })).toThrow(/compare\.previousJob/);
    expect(() => parseJobSpec({ ...base, compare: { previousJob: 'k', path: 'x' } })).toThrow(/job: compare\.path: expected one of the fields previousJob, got unknown field "path"/);
    expect(() => parseJobSpec({ ...base, risk: { distance: false }, compare: { previousJob: 'k' } })).toThrow("job: compare: expected risk.distance on as well (the comparison pairs the two jobs' start distances), got risk.distance off");
    expect(parseJobSpec({ ...base, compare: { previousJob: 'k-20261123T0600Z' } }).compare).toEqual({ previousJob: 'k-20261123T0600Z' });
    const test = { name: 't', schedule: 'rate(1 day)', prices: 'a.arrow', portfolios: 'b.jsonl', scenario: { name: 'funding-spike' } };
    expect(() => parseStressTests({ version: 1, tests: [{ ...test, job: { compare: { previousJob: 'x' } } }] }, 'stress-tests.json')).toThrow(/stress-tests\.json: tests\[0\]\.job\.compare: expected no such field \(the schedule sets it\)/);
  });
});
