// `pmbt run` with `compare` (docs/risk.md "Who moved closer"): two jobs in one local output folder,
// the second naming the first, through the real binary (dist/ built first).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSmallJob } from '../helpers/job-files.js';
import { runPmbt } from '../helpers/pmbt.js';

let files: ReturnType<typeof writeSmallJob>;
beforeAll(() => {
  files = writeSmallJob();
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

const out = () => join(files.dir, 'out');
const summaryOf = (jobId: string) => JSON.parse(readFileSync(join(out(), jobId, 'summary.json'), 'utf8')) as { moved?: unknown; job: Record<string, unknown> };

function writeJob(name: string, job: Record<string, unknown>): string {
  const path = join(files.dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...files.job, risk: { distance: true }, ...job }));
  return path;
}

describe('pmbt run with compare', () => {
  it('compares with an earlier job in the same output folder; a damaged one gives a warning, and the run still completes', async () => {
    const first = await runPmbt(['run', writeJob('before', { jobId: 'before' }), '--quiet']);
    expect(first.code, first.stderr).toBe(3); // the small job's two bad portfolios
    // The same book with p7's position 1.5 times as big: only p7 moves closer.
    const docs = readFileSync(files.job.portfolios as string, 'utf8').split('\n').map((l) => (l.startsWith('{"id":"p7"') ? l.replace(/"positionAmt":"([\d.]+)"/, (_m, a: string) => `"positionAmt":"${(Number(a) * 1.5).toFixed(4)}"`) : l));
    expect(docs.join('\n')).not.toBe(readFileSync(files.job.portfolios as string, 'utf8'));
    const portfolios = join(files.dir, 'after.jsonl');
    writeFileSync(portfolios, docs.join('\n'));
    const second = await runPmbt(['run', writeJob('after', { jobId: 'after', portfolios, compare: { previousJob: 'before' } }), '--quiet']);
    expect(second.code, second.stderr).toBe(3);
    const summary = summaryOf('after');
    expect(summary.job.compare).toEqual({ previousJob: 'before' });
    const moved = summary.moved as { status: string; counts: Record<string, number>; closest: { portfolioId: string; previousPct: string; nowPct: string; changePp: string }[] };
    expect(moved).toMatchObject({ previousJob: 'before', status: 'compared', counts: { closer: 1, further: 0, unchanged: 23, new: 0, gone: 0 } });
    const [p7] = moved.closest;
    expect(p7!.portfolioId).toBe('p7');
    // changePp is now − before, exactly, in units of 10⁻⁸ percentage points.
    const units = (pct: string) => BigInt(pct.replace('.', '').replace('-', ''));
    expect(units(p7!.changePp)).toBe(units(p7!.previousPct) - units(p7!.nowPct));
    const html = readFileSync(join(out(), 'after', 'report.html'), 'utf8');
    expect(html).toContain('<h2>Moved closer since before</h2>');
    // pmbt report remakes the page from summary.json's block: the same bytes.
    expect((await runPmbt(['report', join(out(), 'after')])).code).toBe(0);
    expect(readFileSync(join(out(), 'after', 'report.html'), 'utf8')).toBe(html);

    // The earlier job's files damaged: a warning in summary.json, exit code as without it.
    writeFileSync(join(out(), 'before', '_partials', 'batch-000001.json'), 'not JSON');
    // (--compare sets compare.previousJob over the job file.)
    const third = await runPmbt(['run', writeJob('again', { jobId: 'again' }), '--compare', 'before', '--quiet']);
    expect(third.code, third.stderr).toBe(3);
    expect(summaryOf('again').moved).toEqual({ previousJob: 'before', status: 'previousUnavailable', warning: expect.stringContaining(`job before could not be read (${join(out(), 'before', '_partials', 'batch-000001.json')}: `) });

    // A previous job that ran without risk.distance: said so, not an error.
    expect((await runPmbt(['run', writeJob('plain', { jobId: 'plain', risk: { distance: false } }), '--quiet'])).code).toBe(3);
    expect((await runPmbt(['run', writeJob('after-plain', { jobId: 'after-plain', compare: { previousJob: 'plain' } }), '--quiet'])).code).toBe(3);
    expect(summaryOf('after-plain').moved).toEqual({ previousJob: 'plain', status: 'previousWithoutDistance', note: "none of job plain's 26 summary lines has a startDistance (it ran without risk.distance): no comparison" });
    expect(readFileSync(join(out(), 'after-plain', 'report.html'), 'utf8')).toContain("<p class=\"explain\">none of job plain&#39;s 26 summary lines has a startDistance");
  }, 240_000);

  it('refuses a previousJob that is a path, exit code 2, before running', async () => {
    const r = await runPmbt(['run', writeJob('bad', { jobId: 'bad', compare: { previousJob: '../before' } })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/compare\.previousJob: expected the id of another job in the same output folder .*got "\.\.\/before"/);
 
    const flag = await runPmbt(['run', writeJob('bad-flag', { jobId: 'bad-flag' }), '--compare', 's3://pm-data/reports/before']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/compare\.previousJob: expected the id of another job in the same output folder .*got "s3:\/\/pm-data\/reports\/before"/);
  });
});
