// `pmbt report` through the real binary (bin/pmbt.js → dist/, built by `npm test` before vitest).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/batch/job.js';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { LOCAL_STORES } from '../helpers/stores.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'pmbt.js');

function pmbt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'report', ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

let files: ReturnType<typeof writeSmallJob>;
let out: string;
beforeAll(async () => {
  files = writeSmallJob();
  await runJobLocally(parseJobSpec(files.job), { workers: 1, ...LOCAL_STORES });
  out = join(files.dir, 'out', 'small');
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('pmbt report', () => {
  it('remakes the report a job wrote, to the same bytes, and keeps _SUCCESS true to it', async () => {
    const written = readFileSync(join(out, 'report.html'));
    const marker = readFileSync(join(out, '_SUCCESS'), 'utf8');
    unlinkSync(join(out, 'report.html'));
    const r = await pmbt([out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*report\.html \(\d+ KiB; open it in a browser\)\n$/);
    expect(readFileSync(join(out, 'report.html')).equals(written)).toBe(true);
    expect(readFileSync(join(out, '_SUCCESS'), 'utf8')).toBe(marker);
  });

  it('writes elsewhere with more or fewer portfolios in detail', async () => {
    const elsewhere = join(files.dir, 'three.html');
    const r = await pmbt([out, '--worst', '3', '--out', elsewhere]);
    expect(r.code, r.stderr).toBe(0);
    const page = readFileSync(elsewhere, 'utf8');
    expect(page).toContain('The 3 portfolios that came closest');
    expect(page).not.toContain('id="portfolio-3"');
  });

  it('refuses a folder without a finished job, exit code 2', async () => {
    const r = await pmbt([join(files.dir, 'nothing-here')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing-here: _SUCCESS: expected a finished job folder .*got no summary\.json or _SUCCESS/);
    expect(existsSync(join(files.dir, 'nothing-here', 'report.html'))).toBe(false);
    const bad = await pmbt([out, '--worst', 'many']);
    expect(bad.code).toBe(2);
  });
});
