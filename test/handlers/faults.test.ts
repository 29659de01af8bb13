// The handler pipeline (plan → replayBatch × N → merge, through the local state machine, as
// job-pipeline.test.ts runs it) with the S3 traffic going through a proxy that drops, resets,
// stalls or truncates a seeded share of requests (test/helpers/fault-proxy.ts). Each run must end
// either with the same reports as a clean run or with a failure (not an InputError: the inputs are
// valid) and no `_SUCCESS`: never with reports that differ, and never hanging (a stall outlives the client's request timeout, made small
// here through PMBT_S3_REQUEST_TIMEOUT_MS).
import { readFileSync, rmSync } from 'node:fs';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readStepEnvironment } from '../../handlers/environment.js';
import { handler as merge } from '../../handlers/merge.js';
import { handler as plan } from '../../handlers/plan.js';
import { handler as replayBatch } from '../../handlers/replay-batch.js';
import { parseJobSpec, renderJobSpec } from '../../src/batch/job.js';
import { runStateMachineLocally } from '../../src/batch/local-state-machine.js';
import { isInputError } from '../../src/domain/errors.js';
import { FAULT_KINDS, startFaultProxy, type FaultKind, type FaultProxy } from '../helpers/fault-proxy.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { bucketReader } from '../helpers/bucket-reader.js';
import { expectSameReports } from '../helpers/same-reports.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { s3Env, setEnv } from './harness.js';
import { smallJobReportFiles } from '../helpers/job-outputs.js';

const BUCKET = 'pm-data';
const JOB_PREFIX = 'reports/small/';
/** The clients' request timeout in this file: small, so a stalled request costs little. */
const REQUEST_TIMEOUT_MS = 1_000;
/** Share of requests that meet a fault (the brief's 5–20 %). */
const FAULT_RATE = 0.12;
const SEEDS = [1, 2, 3, 4];

let s3: S3TestServer;
let proxy: FaultProxy;
/** Straight to the server, never through the proxy: what the test itself reads and clears. */
let client: S3Client;
let restoreEnv: () => void;
let files: ReturnType<typeof writeSmallJob>;
let input: { job: unknown };
let reference: Map<string, Buffer>;

const reader = bucketReader(() => client, BUCKET);
const { listKeys, exists } = reader;
/** The job's reports: its folder without its scratch (see bucketReader). */
const readReports = () => reader.readReports(JOB_PREFIX);
/** Each run starts from an empty job folder, so a `_SUCCESS` found after it is the run's own. */
async function clearJob(): Promise<void> {
  for (const k of await listKeys(JOB_PREFIX)) await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: k }));
}
const runPipeline = () => runStateMachineLocally(input, { plan, replayBatch, merge }, readStepEnvironment().locate, { itemsPerBatch: 2, maxConcurrency: 3, retryIntervalMs: 10 });

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  s3 = await startS3Server({ buckets: [BUCKET] });
  // A stall holds a request far past the timeout, so only the client's timeout ends it in time
  // (each stall records whether the client closed it: asserted below, instead of timing).
  proxy = await startFaultProxy({ target: s3.endpoint, stallMs: 60 * REQUEST_TIMEOUT_MS });
  // The handlers build their one S3 client from these on first use: every step goes through the proxy.
  restoreEnv = setEnv({ ...s3Env(proxy.endpoint), PMBT_DATA_BUCKET: BUCKET, PMBT_S3_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  client = s3.client();
  files = writeSmallJob();
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inputs/small/prices.arrow', Body: readFileSync(files.job.prices as string) }));
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inputs/small/portfolios.jsonl', Body: readFileSync(files.job.portfolios as string) }));
  const job = { ...files.job, prices: `s3://${BUCKET}/inputs/small/prices.arrow`, portfolios: `s3://${BUCKET}/inputs/small/portfolios.jsonl`, output: `s3://${BUCKET}/reports/` };
  input = { job: renderJobSpec(parseJobSpec(job)) };
  proxy.reset({ seed: 0, rate: 0 });
  await runPipeline();
  expect(proxy.faults).toEqual([]);
  reference = await readReports();
  expect([...reference.keys()].sort()).toEqual(smallJobReportFiles().map((f) => JOB_PREFIX + f).sort());
});

afterAll(async () => {
  restoreEnv?.();
  await proxy?.stop();
  await s3?.stop();
  if (files) rmSync(files.dir, { recursive: true, force: true });
});

describe('the handler pipeline through a faulty network', () => {
  const kindsSeen = new Set<FaultKind>();
  const outcomes: string[] = [];

  it.each(SEEDS)('seed %i: the same reports as a clean run, or a failure without _SUCCESS', async (seed) => {
    await clearJob();
    proxy.reset({ seed, rate: FAULT_RATE });
    const outcome = await runPipeline().then(() => undefined, (e: unknown) => e);
    const faults = [...proxy.faults];
    const requests = proxy.requests;
    proxy.reset({ seed: 0, rate: 0 });
    for (const f of faults) kindsSeen.add(f.kind);
    expect(faults.length, 'faults injected').toBeGreaterThan(0);
    expect(faults.filter((f) => f.kind === 'stall' && !f.closedByClient), 'stalls the client did not give up on').toEqual([]);
    if (outcome === undefined) {
      expectSameReports(await readReports(), reference);
      outcomes.push('same reports');
    } else {
      expect(outcome).toBeInstanceOf(Error);
      // The job's inputs are valid: an InputError here would be a cut body read as bad data
      // (which the state machine does not retry), not a clean failure.
      expect(isInputError(outcome), (outcome as Error).message).toBe(false);
      expect(await exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
      outcomes.push(`failed: ${(outcome as Error).message}`);
    }
    console.info(`seed ${seed}: ${requests} requests, ${faults.length} faults (${faults.map((f) => f.kind).join(', ')}): ${outcomes.at(-1)}`);
  });

  it('met every kind of fault, and the retries carried at least one run through', () => {
    expect([...kindsSeen].sort()).toEqual([...FAULT_KINDS].sort());
    expect(outcomes).toContain('same reports');
  });
});
