// POST /backtests and GET /backtests/{jobId} on an in-memory bucket and a recording Step Functions:
// the API's logic without a server (test/handlers/api.test.ts runs it against S3 end to end).
import { describe, expect, it } from 'vitest';
import { handleHttpRequest } from '../../src/batch/http-api.js';
import { httpEvent } from '../handlers/harness.js';
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
    expect(record).toEqual({ version: 1, jobId: 'j1', output: `s3://${BUCKET}/reports/`, executionArn: api.executions[0]!.executionArn, startedAt: '2026-01-02T00:00:00.000Z' });

    expect((await api.get('j1')).body).toMatchObject({ status: 'running' });
    expect((await api.post(job('j1'))).status).toBe(409);

    api.executions[0]!.status = 'SUCCEEDED';
    const noMarker = await api.get('j1');
    expect(noMarker.body).toMatchObject({ status: 'failed', error: 'NoCompletionMarker' });
    await api.bucket.write('reports/j1/_SUCCESS', JSON.stringify({ version: 1, jobId: 'j1', portfolios: 3, files: { 'summary.json': { bytes: 10, sha256: 'ab' } } }));
    const done = await api.get('j1');
    expect(done.body).toEqual({
      jobId: 'j1',
      status: 'complete',
      portfolios: 3,
      startedAt: '2026-01-02T00:00:00.000Z',
      expiresInSeconds: 900,
      files: { 'summary.json': { bytes: 10, sha256: 'ab', url: 'memory://reports/j1/summary.json?expires=900' }, _SUCCESS: { url: 'memory://reports/j1/_SUCCESS?expires=900' } },
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
    const intoParts = await api.post(job('batch-000001', { output: `s3://${BUCKET}/reports/victim/_parts/` }));
    expect(intoParts.status).toBe(400);
    expect(intoParts.body.error).toBe(`request body: output: expected a folder of reports/ outside every job's _plan/ and _parts/ (no folder named _…), got "s3://${BUCKET}/reports/victim/_parts/"`);
    expect((await api.get('..')).body.error).toMatch(/path: jobId: expected a job id/);
    expect(api.bucket.keys()).toEqual([]);
    expect(api.executions).toEqual([]);
  });
});
