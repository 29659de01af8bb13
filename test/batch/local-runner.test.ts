import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { InputError } from '../../src/domain/errors.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { LOCAL_STORES, locateLocal } from '../helpers/stores.js';
import { planJob } from '../../src/batch/distributed.js';
import { createRunId } from '../../src/batch/lease.js';
import { exportLocalJob } from '../helpers/job-outputs.js';

// Issue 15: one bad portfolio or a bad output path never crashes a job with a stack trace.

const files = writeSmallJob(undefined, { portfolios: 6 });
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('runJobLocally', () => {
  test('a portfolio nested 5,000 levels deep fails alone and the rest of the job runs', async () => {
    // Written as text: JSON.stringify itself overflows on such a value.
    const description = `${'{"d":'.repeat(5000)}"deep"${'}'.repeat(5000)}`;
    appendFileSync(files.job.portfolios as string, `{"id":"deep","description":${description},"balances":[{"asset":"USDT","umWalletBalance":"1"}]}\n`);
    const job = { ...files.job, jobId: 'deep' };
    const result = await runJobLocally(parseJobSpec(job), { workers: 1, ...LOCAL_STORES });
    expect([result.totals.ok, result.totals.failed]).toEqual([6, 3]);
    const summary = readFileSync(join(await exportLocalJob(join(files.dir, 'out', 'deep')), 'summary.json'), 'utf8');
    expect(summary).toContain('portfolio 9 (id \\"deep\\"): description: expected JSON nested at most 64 levels deep, got deeper');
  });
  test('an output that is a regular file is an InputError naming it', async () => {
    const output = join(files.dir, 'a-file');
    writeFileSync(output, 'not a folder');
    const e = await runJobLocally(parseJobSpec({ ...files.job, jobId: 'x', output }), { workers: 1, ...LOCAL_STORES }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(`job: output: expected a folder (local path or s3://bucket/prefix/), got ${output}, which is a file`);
    // The serverless steps on a local output (pmbt run-via-handlers) say the same, before writing anything.
    const planned = await planJob(parseJobSpec({ ...files.job, jobId: 'x', output }), { runId: createRunId(new Date()), startedBy: 'test' }, locateLocal).then(() => undefined, (err: unknown) => err);
    expect(planned).toBeInstanceOf(InputError);
    expect((planned as InputError).message).toBe((e as InputError).message);
    expect(readFileSync(output, 'utf8')).toBe('not a folder');
  });
});
