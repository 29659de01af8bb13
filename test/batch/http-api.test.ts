// POST /backtests and GET /backtests/{jobId} on an in-memory bucket and a recording Step Functions:
// the API's logic without a server (test/handlers/api.test.ts runs it against S3 end to end).
import { describe, expect, it } from 'vitest';
import { handleHttpRequest } from '../../src/batch/http-api.js';
import { httpEvent, TEST_CALLER_ARN } from '../handlers/harness.js';
import { createMemoryJobService } from '../helpers/memory-job-service.js';

const BUCKET = 'pm-data';
const job = (jobId: string, extra: Record<string, unknown> = {}) => ({
  jobId,
  prices: `s3://${BUCKET}/inputs/small/prices.arrow`,
  portfolios: `s3://${BUCKET}/inputs/small/portfolios.jsonl`,
  ...extra,
});

function setUp() {
  const memory = createMemoryJobService(BUCKET);
  const call = async (event: Record<string, unknown>) => {
    const r = await handleHttpRequest(event, () => memory.svc);
    return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown>, headers: r.headers };
  };
  return {
    ...memory,
    post: (body: unknown) => call(httpEvent('POST', '/backtests', { body: JSON.stringify(body) })),
    get: (jobId: string) => call(httpEvent('GET', `/backtests/${encodeURIComponent(jobId)}`, { jobId })),
    call,
  };
}

describe('the HTTP API over a memory bucket', () => {
  it('starts a job, records it, refuses a second start while it runs, and reports it complete with links', async () => {
    const api = setUp();
    const started = await api.post(job('j1'));
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe('/backtests/j1');
    expect(api.executions).toHaveLength(1);
    expect(api.executions[0]!.input).toMatchObject({ job: { jobId: 'j1', output: `s3://${BUCKET}/reports/`, engine: 'auto' } });
    const record = JSON.parse(new TextDecoder().decode(await api.bucket.read('jobs/j1.json', { maxBytes: 4096 }))) as Record<string, unknown>;
    // The record names the run and who started it; the execution is named after the job and the run.
    const runId = record.runId as string;
    expect(runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(record).toEqual({ version: 1, jobId: 'j1', output: `s3://${BUCKET}/reports/`, executionArn: api.executions[0]!.executionArn, startedAt: expect.any(String), runId, startedBy: TEST_CALLER_ARN });
    expect(api.executions[0]!.name).toBe(`j1-${runId}`);
    expect(api.executions[0]!.input).toMatchObject({ run: { runId, startedBy: TEST_CALLER_ARN } });
    expect(started.body).toMatchObject({ runId, startedBy: TEST_CALLER_ARN, startedAt: record.startedAt });
    const startedAt = record.startedAt as string;

    expect((await api.get('j1')).body).toMatchObject({ status: 'running' });
    expect((await api.post(job('j1'))).status).toBe(409);

    api.executions[0]!.status = 'SUCCEEDED';
    const noMarker = await api.get('j1');
    expect(noMarker.body).toMatchObject({ status: 'failed', error: 'NoCompletionMarker' });
    const batchFile = (name: string, bytes: number) => ({ [name]: { bytes, sha256: 'cd' } });
    await api.bucket.write('reports/j1/_SUCCESS', JSON.stringify({ version: 2, jobId: 'j1', portfolios: 3, files: { 'summary.json': { bytes: 10, sha256: 'ab' }, ...batchFile('timeline/batch-000000.arrow', 100), ...batchFile('timeline/batch-000001.arrow', 50), ...batchFile('events/batch-000000.arrow', 7) } }));
    const done = await api.get('j1');
    expect(done.body).toEqual({
      jobId: 'j1',
      status: 'complete',
      portfolios: 3,
      startedAt,
      expiresInSeconds: 900,
      files: { 'summary.json': { bytes: 10, sha256: 'ab', url: 'memory://reports/j1/summary.json?expires=900' }, _SUCCESS: { url: 'memory://reports/j1/_SUCCESS?expires=900' } },
      // one file per batch: summed per folder, not linked one by one
      datasets: { timeline: { files: 2, bytes: 150, uri: 's3://pm-data/reports/j1/timeline/' }, events: { files: 1, bytes: 7, uri: 's3://pm-data/reports/j1/events/' } },
    });
  });

  it('reports a failed execution with its error, and a job never started as 404', async () => {
    const api = setUp();
    await api.post(job('j2'));
    Object.assign(api.executions[0]!, { status: 'FAILED', error: 'InputError', cause: 'prices: expected an existing object' });
    expect((await api.get('j2')).body).toMatchObject({ status: 'failed', executionStatus: 'FAILED', error: 'InputError', cause: 'prices: expected an existing object' });
    expect((await api.get('never')).status).toBe(404);
  });

  it('finds a job started elsewhere by its completion marker in the reports folder', async () => {
    const api = setUp();
    await api.bucket.write('reports/outside/_SUCCESS', JSON.stringify({ portfolios: 1, files: {} }));
    expect((await api.get('outside')).body).toMatchObject({ jobId: 'outside', status: 'complete', portfolios: 1 });
  });

  it('refuses bad jobs and ids before anything is stored or started', async () => {
    const api = setUp();
    expect((await api.post(job('x', { prices: '/etc/passwd' }))).body.error).toMatch(/request body: prices: expected an s3:\/\/pm-data\/ URI under inputs\//);
    expect((await api.post(job('../x'))).status).toBe(400);
    // An output inside another job's parts would let this job overwrite them.
    const intoParts = await api.post(job('batch-000001', { output: `s3://${BUCKET}/reports/victim/_partials/` }));
    expect(intoParts.status).toBe(400);
    expect(intoParts.body.error).toBe(`request body: output: expected a folder of reports/ outside every job's _plan/ and _partials/ (no folder named _…), got "s3://${BUCKET}/reports/victim/_partials/"`);
    expect((await api.get('..')).body.error).toMatch(/path: jobId: expected a job id/);
    expect(api.bucket.keys()).toEqual([]);
    expect(api.executions).toEqual([]);
  });

  it('starts a job once however many requests race: one execution, the others 409', async () => {
    const api = setUp();
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.post(job('raced'))));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409]);
    expect(api.executions).toHaveLength(1);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error).toMatch(/^job raced is (being started by another request|being started \(|still running)/);
    const record = JSON.parse(new TextDecoder().decode(await api.bucket.read('jobs/raced.json', { maxBytes: 4096 }))) as { executionArn: string };
    expect(record.executionArn).toBe(api.executions[0]!.executionArn);
  });

  it('refuses an output inside another job\'s folder', async () => {
    const api = setUp();
    await api.bucket.write('reports/victim/_SUCCESS', '{}');
    await api.bucket.write('reports/team/running/_lease.json', '{}');
    for (const [output, owner] of [['reports/victim/', 'victim'], ['reports/victim/deeper/', 'victim'], ['reports/team/running/', 'running']] as const) {
      const r = await api.post(job('intruder', { output: `s3://${BUCKET}/${output}` }));
      expect(r.status, output).toBe(400);
      expect(r.body.error).toBe(`request body: output: expected a folder of reports/ outside every job's folder, got "s3://${BUCKET}/${output}", inside job ${owner}'s folder s3://${BUCKET}/${output.split('/').slice(0, output.startsWith('reports/team') ? 3 : 2).join('/')}/`);
    }
    // a folder that merely groups jobs is fine
    expect((await api.post(job('member', { output: `s3://${BUCKET}/reports/team/` }))).status).toBe(202);
    expect(api.executions.map((e) => e.name.split('-2')[0])).toEqual(['member']);
  });

  it('starting a job again after its execution failed clears the lease that run left, and only that one', async () => {
    const api = setUp();
    await api.post(job('again'));
    const first = JSON.parse(new TextDecoder().decode(await api.bucket.read('jobs/again.json', { maxBytes: 4096 }))) as { runId: string };
    // What the failed run's plan left: its lease on the job (only the merge releases it).
    const lease = { version: 1, jobId: 'again', runId: first.runId, startedBy: 'x', startedAt: '2026-01-01T00:00:00Z', expiresAt: '2099-01-01T00:00:00Z' };
    await api.bucket.write('reports/again/_lease.json', JSON.stringify(lease));
    expect((await api.post(job('again'))).status).toBe(409); // still running
    api.executions[0]!.status = 'FAILED';
    expect((await api.post(job('again'))).status).toBe(202);
    expect(await api.bucket.exists('reports/again/_lease.json')).toBe(false);
    // A lease of some other run (not the one the record names) is not the API's to clear.
    api.executions[1]!.status = 'FAILED';
    await api.bucket.write('reports/again/_lease.json', JSON.stringify({ ...lease, runId: '20260101T000000Z-00000000' }));
    expect((await api.post(job('again'))).status).toBe(202);
    expect(await api.bucket.exists('reports/again/_lease.json')).toBe(true);
  });
});
