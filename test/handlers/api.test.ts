// POST /backtests and GET /backtests/{jobId} through the api handler, with a fake Step Functions
// endpoint whose executions run the local state machine over the real step handlers and S3 server.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as api } from '../../handlers/api.js';
import { handler as merge } from '../../handlers/merge.js';
import { handler as plan } from '../../handlers/plan.js';
import { handler as replayBatch } from '../../handlers/replay-batch.js';
import { MAX_REQUEST_BODY_BYTES } from '../../src/batch/http-api.js';
import { runStateMachineLocally, type StateMachineSteps } from '../../src/batch/local-state-machine.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { httpEvent, TEST_CALLER_ARN, s3Env, setEnv, startFakeStepFunctions, type FakeStepFunctions } from './harness.js';
import { readStepEnvironment } from '../../handlers/environment.js';

const BUCKET = 'pm-data';
let s3: S3TestServer;
let client: S3Client;
let sfn: FakeStepFunctions;
let restoreEnv: () => void;
let files: ReturnType<typeof writeSmallJob>;
/** Executions wait for this before running, so a test can see them RUNNING. */
let gate: Promise<void> = Promise.resolve();

const steps: StateMachineSteps = { plan, replayBatch, merge };
const call = async (event: Record<string, unknown>) => {
  const r = await api(event as unknown as APIGatewayProxyEventV2);
  return { status: r.statusCode!, body: JSON.parse(r.body as string) as Record<string, unknown>, headers: r.headers ?? {} };
};
const post = (job: unknown) => call(httpEvent('POST', '/backtests', { body: JSON.stringify(job) }));
const getJob = (jobId: string) => call(httpEvent('GET', `/backtests/${encodeURIComponent(jobId)}`, { jobId }));

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  s3 = await startS3Server({ buckets: [BUCKET] });
  sfn = await startFakeStepFunctions(async (input) => {
    await gate;
    await runStateMachineLocally(input as { job: unknown }, steps, readStepEnvironment().locate, { maxConcurrency: 4, itemsPerBatch: 2, retryIntervalMs: 1, maxAttempts: 0 });
  });
  restoreEnv = setEnv({ ...s3Env(s3.endpoint), PMBT_DATA_BUCKET: BUCKET, PMBT_STATE_MACHINE_ARN: sfn.stateMachineArn, PMBT_SFN_ENDPOINT: sfn.endpoint });
  client = s3.client();
  files = writeSmallJob();
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inputs/small/prices.arrow', Body: readFileSync(files.job.prices as string) }));
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inputs/small/portfolios.jsonl', Body: readFileSync(files.job.portfolios as string) }));
});

afterAll(async () => {
  restoreEnv?.();
  await sfn?.stop();
  await s3?.stop();
  rmSync(files.dir, { recursive: true, force: true });
});

const job = (jobId: string, extra: Record<string, unknown> = {}) => ({
  jobId,
  prices: `s3://${BUCKET}/inputs/small/prices.arrow`,
  portfolios: `s3://${BUCKET}/inputs/small/portfolios.jsonl`,
  batchSize: 5,
  ...extra,
});

describe('POST /backtests → GET /backtests/{jobId}', () => {
  it('starts a job (202), reports it running, refuses a second start, then answers complete with working presigned links', async () => {
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const started = await post(job('api-small'));
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ jobId: 'api-small', status: 'running', statusPath: '/backtests/api-small' });
    expect(started.headers.location).toBe('/backtests/api-small');
    expect(sfn.executions).toHaveLength(1);
    const execution = sfn.executions[0]!;
    // Named after the job and its run; the run records who started it (the IAM caller).
    expect(execution.name).toBe(`api-small-${started.body.runId as string}`);
    expect(started.body.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(execution.input).toMatchObject({ run: { runId: started.body.runId, startedBy: TEST_CALLER_ARN } });
    // The state machine gets the job with every default filled in, output in the deployment's reports folder.
    expect(execution.input).toMatchObject({ job: { jobId: 'api-small', output: `s3://${BUCKET}/reports/`, batchSize: 5, engine: 'auto', timeline: { resolution: 3_600_000 } } });

    expect((await getJob('api-small')).body).toMatchObject({ jobId: 'api-small', status: 'running', executionArn: execution.executionArn });
    const again = await post(job('api-small'));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/job api-small is still running/);

    open();
    await execution.done;
    expect(execution.status).toBe('SUCCEEDED');
    const done = await getJob('api-small');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ jobId: 'api-small', status: 'complete', portfolios: 26, expiresInSeconds: 900 });
    const links = done.body.files as Record<string, { url: string; bytes?: number; sha256?: string }>;
    expect(Object.keys(links).sort()).toEqual(['report.html', 'summary.json', '_SUCCESS'].sort());
    expect(done.body.datasets).toMatchObject({ timeline: { files: 6, uri: `s3://${BUCKET}/reports/api-small/timeline/` }, events: { files: 6 }, portfolios: { files: 6 } }); // events as Arrow only (events.lines false)
    for (const [name, link] of Object.entries(links)) {
      expect(link.url).toMatch(/X-Amz-Expires=900/);
      const res = await fetch(link.url);
      expect(res.status, name).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      const stored = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `reports/api-small/${name}` }))).Body!.transformToByteArray());
      expect(bytes.equals(stored), name).toBe(true);
      if (link.sha256 !== undefined) expect(createHash('sha256').update(bytes).digest('hex')).toBe(link.sha256);
    }
    // A new start of a finished job is fine.
    expect((await post(job('api-small'))).status).toBe(202);
    await sfn.executions[1]!.done;
  });

  it('reports a failed execution with the step error', async () => {
    const r = await post(job('api-missing', { portfolios: `s3://${BUCKET}/inputs/small/nothing-here.jsonl` }));
    expect(r.status).toBe(202);
    await sfn.executions.at(-1)!.done;
    const status = await getJob('api-missing');
    expect(status.body).toMatchObject({ jobId: 'api-missing', status: 'failed', executionStatus: 'FAILED', error: 'InputError' });
    expect(status.body.cause).toMatch(/nothing-here\.jsonl: \(document\): expected an existing object, got no such key/);
  });

  it('validates the job before starting anything', async () => {
    const before = sfn.executions.length;
    const bad = async (body: unknown, pattern: RegExp) => {
      const r = await post(body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error).toMatch(pattern);
    };
    await bad(job('x', { output: 's3://some-other-bucket/reports/' }), /request body: output: expected an s3:\/\/pm-data\/ URI under reports\//);
    await bad(job('x', { output: `s3://${BUCKET}/jobs/` }), /output: expected an s3:\/\/pm-data\/ URI under reports\//);
    await bad(job('x', { prices: '/etc/passwd' }), /request body: prices: expected an s3:\/\/pm-data\/ URI under inputs\/, data\/, scenarios\//);
    await bad(job('x', { rules: [`s3://${BUCKET}/reports/other/summary.json`] }), /rules\[0\]: expected an s3:\/\/pm-data\/ URI/);
    await bad(job('../escape'), /request body: jobId: expected letters, digits/);
    await bad(job('x', { batchSize: 0 }), /batchSize: expected a whole number > 0/);
    await bad({ ...job('x'), typo: 1 }, /request body: typo: expected one of the fields/);
    const notJson = await call(httpEvent('POST', '/backtests', { body: '{"jobId": ' }));
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/^request body: .*expected valid JSON/);
    const huge = await call(httpEvent('POST', '/backtests', { body: JSON.stringify({ ...job('x'), description: 'x'.repeat(MAX_REQUEST_BODY_BYTES) }) }));
    expect(huge.status).toBe(413);
    const huge64 = await call(httpEvent('POST', '/backtests', { body: Buffer.from('x'.repeat(MAX_REQUEST_BODY_BYTES + 1)).toString('base64'), isBase64Encoded: true }));
    expect(huge64.status).toBe(413);
    const encoded = await call(httpEvent('POST', '/backtests', { body: Buffer.from(JSON.stringify(job('x', { batchSize: -1 }))).toString('base64'), isBase64Encoded: true }));
    expect(encoded.status).toBe(400);
    expect(sfn.executions.length).toBe(before);
  });

  it('keeps ids from the URL out of storage keys unless they are plain job ids', async () => {
    for (const id of ['..', '../reports/api-small', 'a/b', '.hidden', 'x'.repeat(129), '']) {
      const r = await call(httpEvent('GET', `/backtests/${encodeURIComponent(id)}`, { jobId: id }));
      expect(r.status, id).toBe(400);
      expect(r.body.error).toMatch(/path: jobId: expected a job id/);
    }
    // Without API Gateway's path parameters (a $default route), the path is decoded and checked the same way.
    const raw = await call({ ...httpEvent('GET', '/backtests/..%2F..%2Fjobs%2Fapi-small'), routeKey: '$default' });
    expect(raw.status).toBe(400);
    expect((await getJob('no-such-job')).status).toBe(404);
    expect((await call(httpEvent('DELETE', '/backtests/api-small'))).status).toBe(405);
    expect((await call(httpEvent('GET', '/elsewhere'))).status).toBe(404);
    const malformed = await call({ version: '2.0', rawPath: '/backtests' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/event: requestContext: expected an object/);
  });
});
