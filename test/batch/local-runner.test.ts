import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import type { Locate } from '../../src/io/store/open.js';
import type { ObjectStore } from '../../src/io/store/types.js';

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

/** locateLocal with each write of a batch file held `delayMs` first, and `onWrite` told when one starts and ends. */
function slowWrites(delayMs: number, onWrite: (key: string, phase: 'start' | 'end' | 'failed') => void, failOn?: RegExp): Locate {
  return (uri) => {
    const loc = locateLocal(uri);
    const write: ObjectStore['write'] = async (key, body) => {
      if (!/batch-\d{6}/.test(key)) return loc.store.write(key, body);
      onWrite(key, 'start');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (failOn?.test(key)) {
        onWrite(key, 'failed');
        throw new Error(`disk full: ${key}`);
      }
      await loc.store.write(key, body);
      onWrite(key, 'end');
    };
    return { key: loc.key, store: { ...loc.store, write } };
  };
}

describe('runJobLocally on one worker: a batch written while the next one replays', () => {
  // Its own files: 8 portfolios and 2 bad lines, batches 0 and 1 of 5 lines each.
  const own = writeSmallJob(undefined, { portfolios: 8 });
  afterAll(() => rmSync(own.dir, { recursive: true, force: true }));
  test('the next batch\'s portfolios are replayed before the previous batch\'s share is written, one share at a time', async () => {
    const log: string[] = [];
    const locate = slowWrites(40, (key, phase) => log.push(`${phase} ${key.slice(key.indexOf('/', key.indexOf('overlap')) + 1)}`));
    const result = await runJobLocally(parseJobSpec({ ...own.job, jobId: 'overlap' }), {
      workers: 1, storeSettings: {}, locate, onProgress: (p) => log.push(`done ${p.portfoliosDone}`),
    });
    expect([result.totals.ok, result.totals.failed]).toEqual([8, 2]);
    const partial0 = log.indexOf('end _partials/batch-000000.json');
    const partial1 = log.indexOf('start _partials/batch-000001.json');
    // Batch 1's first portfolio (the 6th done) finished while batch 0's files were being written...
    expect(log.indexOf('done 6')).toBeGreaterThan(log.indexOf('start timeline/batch-000000.arrow'));
    expect(log.indexOf('done 6')).toBeLessThan(partial0);
    // ...and batch 1's writes began only after batch 0's partial, its last file, was written.
    expect(log.findIndex((l) => l.startsWith('start') && l.includes('batch-000001'))).toBeGreaterThan(partial0);
    expect(partial1).toBeGreaterThan(partial0);
    expect(existsSync(join(own.dir, 'out', 'overlap', '_SUCCESS'))).toBe(true);
  });

  test('a failed write fails the run with its error, and no later batch\'s share is written', async () => {
    const log: string[] = [];
    const locate = slowWrites(10, (key, phase) => log.push(`${phase} ${key}`), /timeline\/batch-000000/);
    await expect(runJobLocally(parseJobSpec({ ...own.job, jobId: 'failing' }), { workers: 1, storeSettings: {}, locate })).rejects.toThrow(/disk full: .*timeline\/batch-000000\.arrow/);
    expect(log.filter((l) => l.includes('batch-000001'))).toEqual([]);
    // Batch 0's other files were written; its partial, which makes it count as done, was not.
    expect(log.some((l) => l.endsWith('_partials/batch-000000.json'))).toBe(false);
    expect(existsSync(join(own.dir, 'out', 'failing', '_SUCCESS'))).toBe(false);
  });
});
