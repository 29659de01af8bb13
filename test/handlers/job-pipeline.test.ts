// The serverless path end to end against a real S3-compatible server: plan → every replayBatch
// (concurrently, one Lambda killed mid-write and retried) → merge, through the real handlers with
// the events the state machine sends, compared byte for byte with `pmbt run` on the same job.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as merge } from '../../handlers/merge.js';
import { handler as plan } from '../../handlers/plan.js';
import { handler as replayBatch } from '../../handlers/replay-batch.js';
import type { BatchManifestItem, PlanResult } from '../../src/batch/distributed.js';
import { parseJobSpec, renderJobSpec } from '../../src/batch/job.js';
import { runStateMachineLocally, type StateMachineSteps } from '../../src/batch/local-state-machine.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { bucketReader } from '../helpers/bucket-reader.js';
import { expectSameReports } from '../helpers/same-reports.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { bundleHandler, ROOT, runBundledHandler, s3Env, setEnv, startHoldingProxy } from './harness.js';
import { readStepEnvironment } from '../../handlers/environment.js';
import { withRun } from '../helpers/runs.js';
import { smallJobReportFiles } from '../helpers/job-outputs.js';

const BUCKET = 'pm-data';
const JOB_PREFIX = 'reports/small/';

let s3: S3TestServer;
let client: S3Client;
let restoreEnv: () => void;
let files: ReturnType<typeof writeSmallJob>;
let tmp: string;
let bundle: string;
let mergeBundle: string;
let job: Record<string, unknown>;
let env: Record<string, string>;
/** `pmbt run`'s reports on the same job, same URIs: every object of the job's folder but its scratch. */
let reference: Map<string, Buffer>;

const reader = bucketReader(() => client, BUCKET);
const { listKeys, get, exists } = reader;
/** The job's reports: its folder without its scratch (see bucketReader). */
const readReports = () => reader.readReports(JOB_PREFIX);

function pmbt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'pmbt.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  s3 = await startS3Server({ buckets: [BUCKET] });
  env = { ...s3Env(s3.endpoint), PMBT_DATA_BUCKET: BUCKET };
  restoreEnv = setEnv(env);
  client = s3.client();
  files = writeSmallJob();
  tmp = mkdtempSync(join(tmpdir(), 'pmbt-handlers-'));
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inputs/small/prices.arrow', Body: readFileSync(files.job.prices as string) }));
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inputs/small/portfolios.jsonl', Body: readFileSync(files.job.portfolios as string) }));
  job = { ...files.job, prices: `s3://${BUCKET}/inputs/small/prices.arrow`, portfolios: `s3://${BUCKET}/inputs/small/portfolios.jsonl`, output: `s3://${BUCKET}/reports/` };
  const jobFile = join(tmp, 'job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  const [run, built, builtMerge] = await Promise.all([pmbt(['run', jobFile, '--workers', '2', '--quiet']), bundleHandler('handlers/replay-batch.ts', tmp), bundleHandler('handlers/merge.ts', tmp)]);
  expect(run.code, run.stderr).toBe(3); // the small job has two bad portfolios
  bundle = built;
  mergeBundle = builtMerge;
  reference = await readReports();
  expect([...reference.keys()].sort()).toEqual(smallJobReportFiles().map((f) => JOB_PREFIX + f).sort());
  // pmbt run and two esbuild bundles: over the default 10 s on a loaded 2-core machine.
}, 120_000);

afterAll(async () => {
  restoreEnv?.();
  await s3?.stop();
  rmSync(files.dir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe('plan → replayBatch × N → merge through the handlers', () => {
  let planned: PlanResult;
  let manifest: BatchManifestItem[];

  it('plans: removes the previous marker, writes one batch file per batch and the manifest the Distributed Map reads', async () => {
    expect(await exists(`${JOB_PREFIX}_SUCCESS`)).toBe(true);
    planned = await plan(withRun(renderJobSpec(parseJobSpec(job))));
    expect(planned).toMatchObject({ jobId: 'small', output: `s3://${BUCKET}/reports/`, batches: 6, portfolios: 26, manifest: { bucket: BUCKET, key: `${JOB_PREFIX}_plan/manifest.json` } });
    expect(await exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
    expect(await exists(`${JOB_PREFIX}run.json`)).toBe(false);
    for (const folder of ['_partials', 'timeline', 'events', 'portfolios']) expect(await listKeys(`${JOB_PREFIX}${folder}/`)).toEqual([]);
    manifest = JSON.parse((await get(planned.manifest.key)).toString()) as BatchManifestItem[];
    expect(manifest).toEqual([0, 1, 2, 3, 4, 5].map((batch) => ({ jobId: 'small', runId: planned.runId, output: `s3://${BUCKET}/reports/`, batch })));
    expect(await listKeys(`${JOB_PREFIX}_plan/`)).toEqual([...[0, 1, 2, 3, 4, 5].map((b) => `${JOB_PREFIX}_plan/batch-00000${b}.jsonl`), `${JOB_PREFIX}_plan/job.json`, `${JOB_PREFIX}_plan/manifest.json`]);
  });

  it('replays batches concurrently; a Lambda killed mid-write leaves its batch unfinished and the merge refuses', async () => {
    const killed = 3;
    const proxy = await startHoldingProxy(s3.endpoint, (req) => req.method === 'PUT' && (req.url ?? '').includes(`/events/batch-00000${killed}.arrow`));
    try {
      const victim = runBundledHandler(bundle, { Items: [manifest[killed]] }, { ...env, PMBT_S3_ENDPOINT: proxy.endpoint });
      // The others as the ItemBatcher would group them, all in flight at once.
      const others = Promise.all([[0, 1], [2], [4, 5]].map((group) => replayBatch({ Items: group.map((b) => manifest[b]!) })));
      await proxy.held;
      victim.child.kill('SIGKILL');
      await expect(victim.result).rejects.toThrow(/SIGKILL/);
      const results = await others;
      expect(results.flatMap((r) => r.batches.map((b) => b.batch))).toEqual([0, 1, 2, 4, 5]);
    } finally {
      await proxy.stop();
    }
    expect(await exists(`${JOB_PREFIX}timeline/batch-000003.arrow`)).toBe(true);
    expect(await exists(`${JOB_PREFIX}_partials/batch-000003.json`)).toBe(false);
    await expect(merge({ jobId: 'small', runId: planned.runId, output: planned.output })).rejects.toThrow(/batch 3 has not finished/);
    expect(await exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
  });

  it('retries the killed batch in a fresh Lambda; the merge (bundled, in its own process) then equals pmbt run byte for byte', async () => {
    const retried = runBundledHandler(bundle, manifest[3], env);
    expect(await retried.result).toMatchObject({ batches: [{ jobId: 'small', batch: 3, portfolios: 5 }] });
    const merged = await runBundledHandler(mergeBundle, { jobId: 'small', runId: planned.runId, output: planned.output }, env).result;
    expect(merged).toMatchObject({ jobId: 'small', runId: planned.runId, jobUri: `s3://${BUCKET}/reports/small`, totals: { portfolios: 26, ok: 24, failed: 2 } });
    expectSameReports(await readReports(), reference);
  });

  it('once the run is merged, a straggling batch of it writes nothing and a retried merge only answers', async () => {
    const batchFiles = async () => new Map(await Promise.all((await listKeys(JOB_PREFIX)).filter((k) => !k.includes('/_plan/') && /\/batch-\d{6}\./.test(k)).map(async (k) => [k, await get(k)] as const)));
    const before = await batchFiles();
    expect(before.size).toBe(42); // 6 batches × portfolios, timeline, events (Arrow only by default), partial and its 3 worst-detail files
    const reports = await readReports();
    // The merge released the run's lease: a batch of the run arriving late must not write into the job.
    await expect(replayBatch(manifest[3]!)).rejects.toMatchObject({ name: 'JobLeaseError', message: expect.stringMatching(/no longer holds .*_lease\.json: nobody holds it/) });
    const after = await batchFiles();
    for (const [k, bytes] of before) expect(after.get(k)!.equals(bytes), k).toBe(true);
    // A merge retried after it finished finds its own marker: the same answer, nothing rewritten.
    expect(await merge({ jobId: 'small', runId: planned.runId, output: planned.output })).toMatchObject({ runId: planned.runId, totals: { portfolios: 26, ok: 24, failed: 2 } });
    expectSameReports(await readReports(), reports);
    expectSameReports(await readReports(), reference);
  });

  it('validates events before touching storage', async () => {
    const spec = renderJobSpec(parseJobSpec(job));
    await expect(plan(withRun({ ...spec, output: 's3://other-bucket/reports/' }))).rejects.toThrow(/event\.job: output: expected an s3:\/\/pm-data\/ URI under reports\//);
    await expect(plan(withRun({ ...spec, prices: `s3://${BUCKET}/reports/x.arrow` }))).rejects.toThrow(/event\.job: prices: expected an s3:\/\/pm-data\/ URI under inputs\/, data\/, scenarios\//);
    await expect(plan({ job: spec, extra: 1 } as never)).rejects.toThrow(/event: extra: expected one of the fields job, run/);
    await expect(replayBatch({ Items: [{ ...manifest[0]!, jobId: '../small' }] })).rejects.toThrow(/event: Items\[0\]\.jobId: expected a job id/);
    await expect(replayBatch({ Items: [{ ...manifest[0]!, batch: 6 }] })).rejects.toThrow(/item: batch: expected a batch of job small \(0 to 5\)/);
    await expect(merge({ jobId: 'small', runId: planned.runId, output: `s3://${BUCKET}/elsewhere/` })).rejects.toThrow(/event: output: expected an s3:\/\/pm-data\/ URI under reports\//);
    await expect(merge({ jobId: 'never-planned', runId: planned.runId, output: planned.output })).rejects.toThrow(/the plan of job never-planned/);
  });
});

describe('the state machine, run locally over the handlers', () => {
  const steps: StateMachineSteps = { plan, replayBatch, merge };
  const input = () => ({ job: renderJobSpec(parseJobSpec(job)) });

  it('a batch that keeps failing fails the execution after its retries, and the job never gets its marker', async () => {
    let merges = 0;
    let attempts = 0;
    const failing: StateMachineSteps = {
      ...steps,
      replayBatch: async (e) => {
        if ('Items' in e && e.Items.some((i) => (i as BatchManifestItem).batch === 2)) {
          attempts++;
          throw new Error('worker out of memory');
        }
        return replayBatch(e);
      },
      merge: async (e) => { merges++; return merge(e); },
    };
    // failed as the deployed map fails the execution, the child's error in the cause
    const failure = runStateMachineLocally(input(), failing, readStepEnvironment().locate, { itemsPerBatch: 2, maxConcurrency: 2, maxAttempts: 2, retryIntervalMs: 1 });
    await expect(failure).rejects.toMatchObject({ name: 'States.ExceedToleratedFailureThreshold', message: 'The specified tolerated failure threshold was exceeded: a child (batches 2, 3) failed after 3 attempts with {"Error":"Error","Cause":"worker out of memory"}' });
    expect(attempts).toBe(3);
    expect(merges).toBe(0);
    expect(await exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
  });

  it('a transient failure is retried with backoff and the outputs are the same bytes', async () => {
    let failed = false;
    const flaky: StateMachineSteps = {
      ...steps,
      replayBatch: async (e) => {
        if (!failed) {
          failed = true;
          throw new Error('throttled');
        }
        return replayBatch(e);
      },
    };
    const run = await runStateMachineLocally(input(), flaky, readStepEnvironment().locate, { itemsPerBatch: 2, maxConcurrency: 3, retryIntervalMs: 1 });
    expect(run.invocations).toBe(4);
    expectSameReports(await readReports(), reference);
  });

  it('`pmbt run-via-handlers` runs the same path from the command line', async () => {
    const r = await pmbt(['run-via-handlers', join(tmp, 'job.json'), '--max-concurrency', '3', '--items-per-batch', '2', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^batches {6}6 in 3 replayBatch events \(3 invocations\)/m);
    expectSameReports(await readReports(), reference);
  });
});
