// The state machine's steps (plan → replayBatch → merge) on an in-memory bucket: the handler logic
// without a server. test/handlers/job-pipeline.test.ts runs the same path end to end against S3.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec, renderJobSpec } from '../../src/batch/job.js';
import { handleMergeEvent, handlePlanEvent, handleReplayBatchEvent, type StepEnvironment } from '../../src/batch/lambda-steps.js';
import { PLANNED_READ_ATTEMPTS } from '../../src/batch/distributed.js';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { InputError } from '../../src/domain/errors.js';
import type { ObjectStore } from '../../src/io/store/types.js';
import { runStateMachineLocally, type StateMachineSteps } from '../../src/batch/local-state-machine.js';
import { createMemoryLocator, createMemoryStore, type MemoryStore } from '../../src/io/store/memory.js';
import { releaseLease } from '../../src/batch/lease.js';
import { expectSameReports } from '../helpers/same-reports.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { withRun } from '../helpers/runs.js';
import { smallJobReportFiles } from '../helpers/job-outputs.js';

const BUCKET = 'pm-data';
const JOB_PREFIX = 'reports/small/';
const RUN_ID = '20260101T000000Z-00000000';
let bucket: MemoryStore;
let env: StepEnvironment;
let files: ReturnType<typeof writeSmallJob>;
let job: Record<string, unknown>;
let steps: StateMachineSteps;

/** The job's reports: everything in its folder but the steps' scratch and the local run's timings. */
async function readReports(): Promise<Map<string, Uint8Array>> {
  const keys = bucket.keys().filter((k) => k.startsWith(JOB_PREFIX) && !/^reports\/small\/(_partials|_plan)\//.test(k) && k !== `${JOB_PREFIX}run.json`);
  return new Map(await Promise.all(keys.map(async (k) => [k, await bucket.read(k, { maxBytes: 1 << 30 })] as const)));
}

beforeAll(async () => {
  files = writeSmallJob();
  bucket = createMemoryStore({ uriPrefix: `s3://${BUCKET}/` });
  await bucket.write('inputs/small/prices.arrow', readFileSync(files.job.prices as string));
  await bucket.write('inputs/small/portfolios.jsonl', readFileSync(files.job.portfolios as string));
  env = { locate: createMemoryLocator({ [BUCKET]: bucket }), deployment: { bucket: BUCKET } };
  job = { ...files.job, prices: `s3://${BUCKET}/inputs/small/prices.arrow`, portfolios: `s3://${BUCKET}/inputs/small/portfolios.jsonl`, output: `s3://${BUCKET}/reports/` };
  steps = { plan: (e) => handlePlanEvent(e, env), replayBatch: (e) => handleReplayBatchEvent(e, env), merge: (e) => handleMergeEvent(e, env) };
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('plan → replayBatch → merge on an in-memory bucket', () => {
  it('gives the same report bytes as the local runner on the same store', async () => {
    await runJobLocally(parseJobSpec(job), { workers: 1, storeSettings: {}, locate: env.locate });
    const reference = await readReports();
    expect([...reference.keys()].sort()).toEqual(smallJobReportFiles().map((f) => JOB_PREFIX + f).sort());

    const run = await runStateMachineLocally({ job: renderJobSpec(parseJobSpec(job)) }, steps, env.locate, { itemsPerBatch: 2, maxConcurrency: 2, retryIntervalMs: 1 });
    expect(run.plan).toMatchObject({ jobId: 'small', batches: 6, portfolios: 26, manifest: { uri: `s3://${BUCKET}/${JOB_PREFIX}_plan/manifest.json`, bucket: BUCKET } });
    expect(run.merge.totals).toMatchObject({ portfolios: 26, ok: 24, failed: 2 });
    expectSameReports(await readReports(), reference);
  });

  it('retries a failed plan and merge like a batch (serverless.yml: every task), but never an InputError', async () => {
    const reference = await readReports();
    const failures: string[] = [];
    let planCalls = 0;
    let mergeCalls = 0;
    const flaky: StateMachineSteps = {
      ...steps,
      plan: async (e) => (++planCalls === 1 ? Promise.reject(new Error('S3 timed out')) : steps.plan(e)),
      merge: async (e) => (++mergeCalls <= 2 ? Promise.reject(new Error('connection reset')) : steps.merge(e)),
    };
    const onStepFailed = (step: string, attempt: number) => failures.push(`${step} ${attempt}`);
    await runStateMachineLocally({ job: renderJobSpec(parseJobSpec(job)) }, flaky, env.locate, { retryIntervalMs: 1, onStepFailed });
    expect(failures).toEqual(['plan 0', 'merge 0', 'merge 1']);
    expectSameReports(await readReports(), reference);

    failures.length = 0;
    const bad = { job: { ...renderJobSpec(parseJobSpec(job)), output: 's3://other-bucket/reports/' } };
    await expect(runStateMachineLocally(bad, steps, env.locate, { retryIntervalMs: 1, onStepFailed })).rejects.toThrow(/event\.job: output/);
    expect(failures).toEqual(['plan 0']);
  });

  it('replayBatch reads a planned input again while it differs from the plan, and refuses one that stays different', async () => {
    // A store that cuts the first `cut` reads of the prices in half, as a body cut in transit.
    let reads = 0;
    let cut = 1;
    const cutting: StepEnvironment = {
      ...env,
      locate: (uri) => {
        const loc = env.locate(uri);
        if (!uri.endsWith('/prices.arrow')) return loc;
        const read: ObjectStore['read'] = async (key, options) => {
          const bytes = await loc.store.read(key, options);
          return ++reads <= cut ? bytes.subarray(0, bytes.length >> 1) : bytes;
        };
        return { key: loc.key, store: { ...loc.store, read } };
      },
    };
    // Own job ids: a process keeps the context of the last plan it replayed, keyed by the plan.
    const runIds: Record<string, string> = {};
    for (const jobId of ['reread', 'changed']) runIds[jobId] = (await steps.plan(withRun(renderJobSpec(parseJobSpec({ ...job, jobId }))))).runId;
    await handleReplayBatchEvent({ jobId: 'reread', runId: runIds.reread!, output: job.output as string, batch: 0 }, cutting);
    expect(reads).toBe(2);
    reads = 0;
    cut = Infinity;
    const refused = handleReplayBatchEvent({ jobId: 'changed', runId: runIds.changed!, output: job.output as string, batch: 0 }, cutting);
    await expect(refused).rejects.toThrow(/s3:\/\/pm-data\/inputs\/small\/prices\.arrow: .*changed after planning/);
    await expect(refused).rejects.toBeInstanceOf(InputError);
    expect(reads).toBe(PLANNED_READ_ATTEMPTS);
  });

  it('a batch without its parts makes the merge refuse, and no completion marker appears', async () => {
    const { runId } = await steps.plan(withRun(renderJobSpec(parseJobSpec(job))));
    expect(bucket.keys().filter((k) => k.startsWith(`${JOB_PREFIX}_plan/`))).toHaveLength(8);
    for (const batch of [0, 1, 2, 4, 5]) await steps.replayBatch({ jobId: 'small', runId, output: job.output as string, batch });
    await expect(steps.merge({ jobId: 'small', runId, output: job.output as string })).rejects.toThrow(/batch 3 has not finished/);
    expect(await bucket.exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
    // The run holds the job until it is known to have ended (the API clears it on the next start).
    await expect(steps.plan(withRun(renderJobSpec(parseJobSpec(job))))).rejects.toMatchObject({ name: 'JobLeaseError', message: expect.stringContaining(`job small is running: run ${runId}`) });
    expect(await releaseLease(bucket, 'reports/small', runId)).toBe(true);
  });

  it('the merge takes the thresholds from the plan\'s job record, and fails naming them when it has none', async () => {
    const { runId } = await steps.plan(withRun(renderJobSpec(parseJobSpec(job))));
    for (let batch = 0; batch < 6; batch++) await steps.replayBatch({ jobId: 'small', runId, output: job.output as string, batch });
    const planKey = `${JOB_PREFIX}_plan/job.json`;
    const plan = JSON.parse(new TextDecoder().decode(await bucket.read(planKey, { maxBytes: 1 << 20 }))) as Record<string, unknown>;
    expect(plan.thresholds).toEqual({ marginCall: 1.5, reduceOnly: 1.2, liquidation: 1.05, source: 'data/rules/ (defaults)' });
    // Other numbers in the record than the parts carry: summary.json and the page follow the record.
    const recorded = { marginCall: 3, reduceOnly: 2, liquidation: 1.5, source: 'the plan record' };
    await bucket.write(planKey, JSON.stringify({ ...plan, thresholds: recorded }));
    await steps.merge({ jobId: 'small', runId, output: job.output as string });
    const summary = JSON.parse(new TextDecoder().decode(await bucket.read(`${JOB_PREFIX}summary.json`, { maxBytes: 1 << 30 }))) as { thresholds: unknown };
    expect(summary.thresholds).toEqual(recorded);
    expect(new TextDecoder().decode(await bucket.read(`${JOB_PREFIX}report.html`, { maxBytes: 1 << 30 }))).toContain('<b>above 3</b>');
    // A plan written before it recorded them: no default, an error naming the field.
    const { thresholds: _dropped, ...older } = plan;
    await bucket.write(planKey, JSON.stringify(older));
    const merged = await bucket.read(`${JOB_PREFIX}summary.json`, { maxBytes: 1 << 30 });
    await expect(steps.merge({ jobId: 'small', runId, output: job.output as string })).rejects.toThrow(/_plan\/job\.json: thresholds: expected the status thresholds the job ran with .*got none/);
    // it failed before writing anything
    expect(Buffer.from(await bucket.read(`${JOB_PREFIX}summary.json`, { maxBytes: 1 << 30 })).equals(Buffer.from(merged))).toBe(true);
  });

  it('validates each event against the deployment before touching storage', async () => {
    const before = bucket.keys();
    const spec = renderJobSpec(parseJobSpec(job));
    await expect(steps.plan(withRun({ ...spec, output: 's3://other-bucket/reports/' }))).rejects.toThrow(/event\.job: output: expected an s3:\/\/pm-data\/ URI under reports\//);
    await expect(steps.replayBatch({ Items: [{ jobId: '../small', runId: RUN_ID, output: job.output, batch: 0 }] })).rejects.toThrow(/event: Items\[0\]\.jobId: expected a job id/);
    await expect(steps.replayBatch({ Items: [] })).rejects.toThrow(/event: Items: expected 1 to 100 items, got 0 items/);
    await expect(steps.merge({ jobId: 'small', runId: RUN_ID, output: `s3://${BUCKET}/elsewhere/` })).rejects.toThrow(/event: output: expected an s3:\/\/pm-data\/ URI under reports\//);
    await expect(steps.merge({ jobId: 'never-planned', runId: RUN_ID, output: job.output as string })).rejects.toThrow(/the plan of job never-planned/);
    expect(bucket.keys()).toEqual(before);
  });

  it('without a deployment (a developer machine) any location is allowed', async () => {
    const free: StepEnvironment = { ...env, deployment: undefined };
    const planned = await handlePlanEvent(withRun(renderJobSpec(parseJobSpec({ ...job, jobId: 'anywhere', output: `s3://${BUCKET}/elsewhere/` }))), free);
    expect(planned.manifest.key).toBe('elsewhere/anywhere/_plan/manifest.json');
    expect(await bucket.exists('elsewhere/anywhere/_plan/manifest.json')).toBe(true);
  });

  it('merges only its own run\'s parts: another run\'s part, or one made from other inputs, is refused and nothing is published', async () => {
    const output = job.output as string;
    const { runId } = await steps.plan(withRun(renderJobSpec(parseJobSpec(job))));
    for (let batch = 0; batch < 6; batch++) await steps.replayBatch({ jobId: 'small', runId, output, batch });
    const partKey = `${JOB_PREFIX}_partials/batch-000002.json`;
    const original = await bucket.read(partKey, { maxBytes: 1 << 20 });
    const part = JSON.parse(new TextDecoder().decode(original)) as { run: { runId: string; inputs: Record<string, unknown> } };
    expect(part.run.runId).toBe(runId);
    // A part another run wrote into this job (one that took it over, or wrote past its lease)
    await bucket.write(partKey, JSON.stringify({ ...part, run: { ...part.run, runId: '20260101T000000Z-0000beef' } }));
    await expect(steps.merge({ jobId: 'small', runId, output })).rejects.toMatchObject({ name: 'JobLeaseError', message: expect.stringMatching(/_partials\/batch-000002\.json was written by run 20260101T000000Z-0000beef, not by run .*: another run wrote into this job; not merging$/) });
    expect(await bucket.exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
    // This run's id, but other prices than the plan read
    await bucket.write(partKey, JSON.stringify({ ...part, run: { ...part.run, inputs: { ...part.run.inputs, prices: '0'.repeat(64) } } }));
    await expect(steps.merge({ jobId: 'small', runId, output })).rejects.toThrow(/_partials\/batch-000002\.json was made from other inputs than run .* planned/);
    expect(await bucket.exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
    await bucket.write(partKey, original);
    await expect(steps.merge({ jobId: 'small', runId, output })).resolves.toMatchObject({ runId, totals: { portfolios: 26 } });
    expect(await bucket.exists(`${JOB_PREFIX}_SUCCESS`)).toBe(true);
  });

  it('a batch or merge of a run whose job has been planned again by another run is refused, writing nothing', async () => {
    const output = job.output as string;
    const first = await steps.plan(withRun(renderJobSpec(parseJobSpec(job))));
    // The first run ended without merging; whoever starts the next one clears its lease (the API does).
    expect(await releaseLease(bucket, 'reports/small', first.runId)).toBe(true);
    const second = await steps.plan(withRun(renderJobSpec(parseJobSpec(job))));
    const refused = steps.replayBatch({ jobId: 'small', runId: first.runId, output, batch: 0 });
    await expect(refused).rejects.toMatchObject({ name: 'JobLeaseError', message: `batch 0 of run ${first.runId}: job small has been planned again by run ${second.runId} (started by test); this run's batch is not replayed` });
    expect(bucket.keys().filter((k) => k.startsWith(`${JOB_PREFIX}_partials/`))).toEqual([]);
    await expect(steps.merge({ jobId: 'small', runId: first.runId, output })).rejects.toThrow(/cannot merge: the job has been planned again by run/);
    expect(await releaseLease(bucket, 'reports/small', second.runId)).toBe(true);
  });
});
