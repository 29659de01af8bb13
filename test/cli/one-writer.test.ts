// One writer per job from the command line (issue 15): two `pmbt run`s of one jobId with different
// portfolios used to end, 7 times in 13, in a _SUCCESS over a mix of both inputs. Now a run holds
// the job's lease: a second one exits 4 before touching the job, and whatever the timing the
// report is made from one run's inputs alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPmbt } from '../helpers/pmbt.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { readLocalPortfolioLines } from '../helpers/job-outputs.js';

let a: ReturnType<typeof writeSmallJob>;
let jobB: string;
const jobDir = () => join(a.dir, 'out', 'small');
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(() => {
  a = writeSmallJob(undefined, { portfolios: 400 });
  // Job B: the same jobId and output, other portfolios (the first 150 lines of A's).
  const portfoliosB = join(a.dir, 'portfolios-b.jsonl');
  writeFileSync(portfoliosB, `${readFileSync(a.job.portfolios as string, 'utf8').split('\n').slice(0, 150).join('\n')}\n`);
  jobB = join(a.dir, 'job-b.json');
  writeFileSync(jobB, JSON.stringify({ ...a.job, portfolios: portfoliosB }));
});
afterAll(() => rmSync(a.dir, { recursive: true, force: true }));

/** A lease as a running `pmbt run` on this host holds it. */
function writeLease(pid: number): void {
  const lease = { version: 1, jobId: 'small', runId: '20261202T120000Z-0000abcd', startedBy: 'someone@here', startedAt: '2026-12-02T12:00:00.000Z', expiresAt: '2099-01-01T00:00:00.000Z', process: { host: hostname(), pid } };
  execFileSync('mkdir', ['-p', jobDir()]);
  writeFileSync(join(jobDir(), '_lease.json'), JSON.stringify(lease));
}

describe('one writer per job', () => {
  it('refuses a job another live run holds (exit 4, nothing touched), and takes one a killed run left', async () => {
    writeLease(process.pid); // this test process: alive
    const refused = await runPmbt(['run', a.jobFile, '--quiet']);
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/^pmbt run: job small is running: run 20261202T120000Z-0000abcd, started by someone@here at .* holds .*_lease\.json until 2099-01-01T00:00:00\.000Z; wait for it to finish, or delete that file if the run is dead\n$/);
    expect(execFileSync('ls', ['-A', jobDir()], { encoding: 'utf8' })).toBe('_lease.json\n');
    // A process that has exited: its lease is stale at once on this host.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeLease(Number(dead.stdout));
    const ran = await runPmbt(['run', a.jobFile, '--quiet']);
    expect(ran.code, ran.stderr).toBe(3); // the small job's two bad portfolios
    const runJson = JSON.parse(readFileSync(join(jobDir(), 'run.json'), 'utf8')) as { runId: string; startedBy: string };
    expect(runJson.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(runJson.startedBy).toMatch(new RegExp(`@${hostname()}$`));
    const marker = JSON.parse(readFileSync(join(jobDir(), '_SUCCESS'), 'utf8')) as { run: unknown };
    expect(marker.run).toEqual({ runId: runJson.runId, startedBy: runJson.startedBy });
    // released when the run ended
    expect(execFileSync('ls', ['-A', jobDir()], { encoding: 'utf8' })).not.toMatch(/_lease\.json/);
  });

  it.each([1, 2, 3])('two runs started together (try %i): one report from one run\'s inputs, never a mix', async () => {
    const [runA, runB] = await Promise.all([runPmbt(['run', a.jobFile, '--quiet', '--workers', '1']), runPmbt(['run', jobB, '--quiet', '--workers', '1'])]);
    const codes = [runA.code, runB.code];
    // Both may finish when one ends before the other starts; otherwise the later one is refused.
    for (const r of [runA, runB]) expect([3, 4], r.stderr).toContain(r.code);
    expect(codes).toContain(3);
    for (const r of [runA, runB]) if (r.code === 4) expect(r.stderr).toMatch(/^pmbt run: job small is running: run /);
    const summary = { ...(JSON.parse(readFileSync(join(jobDir(), 'summary.json'), 'utf8')) as { inputs: { portfolios: { sha256: string } }; totals: { portfolios: number } }), portfolios: readLocalPortfolioLines(jobDir()) };
    const fromA = summary.inputs.portfolios.sha256 === sha256(a.job.portfolios as string);
    const fromB = summary.inputs.portfolios.sha256 === sha256(join(a.dir, 'portfolios-b.jsonl'));
    expect(fromA || fromB).toBe(true);
    // 400 + 2 bad lines in A; B is its first 150 lines
    expect(summary.portfolios).toHaveLength(fromA ? 402 : 150);
    expect(summary.totals.portfolios).toBe(fromA ? 402 : 150);
    const marker = JSON.parse(readFileSync(join(jobDir(), '_SUCCESS'), 'utf8')) as { files: Record<string, { sha256: string }> };
    for (const [name, f] of Object.entries(marker.files)) expect(sha256(join(jobDir(), name)), name).toBe(f.sha256);
  });
});
