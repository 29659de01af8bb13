// `pmbt run` through the real binary (bin/pmbt.js → dist/, built by `npm test` before vitest).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSmallJob } from '../helpers/job-files.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { expectSameReports } from '../helpers/same-reports.js';
import { smallJobReportFiles } from '../helpers/job-outputs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'pmbt.js');

function pmbt(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'run', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

let files: ReturnType<typeof writeSmallJob>;
beforeAll(() => {
  files = writeSmallJob();
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

const OUTPUTS = smallJobReportFiles();

describe('pmbt run', () => {
  it('gives byte-identical outputs whatever the number of worker threads', async () => {
    const copies: Map<string, Buffer>[] = [];
    for (const workers of ['1', '2', '3']) {
      const r = await pmbt([files.jobFile, '--workers', workers]);
      // the small job has two bad portfolios: exit code 3
      expect(r.code, r.stderr).toBe(3);
      copies.push(new Map(OUTPUTS.map((f) => [f, readFileSync(join(files.dir, 'out', 'small', f))])));
    }
    // All the same bytes but _SUCCESS's run (each run has its own id)
    expectSameReports(copies[1]!, copies[0]!);
    expectSameReports(copies[2]!, copies[0]!);
  });

  it('ends with a summary table and reports progress on stderr', async () => {
    const r = await pmbt([files.jobFile, '--workers', '2', '--output', join(files.dir, 'out-table')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^job {10}small → .*out-table\/small$/m);
    expect(r.stdout).toMatch(/^portfolios {3}26 \(ok 24, failed 2\) · exit code 3: some portfolios failed, see summary\.json$/m);
    expect(r.stdout).toMatch(/^worst uniMMR \d+\.\d{8} p\d+ at 2024-03-12T/m);
    expect(r.stdout).toMatch(/^throughput {3}[\d,]+ portfolio-steps\/s/m);
    expect(r.stderr).toMatch(/portfolios \(\d+%\)/);
  });

  it('exits 0 only when every portfolio succeeded, 3 when some failed (the reports written either way)', async () => {
    // the small job without its two bad portfolios
    const clean = join(files.dir, 'clean.jsonl');
    const lines = readFileSync(files.job.portfolios as string, 'utf8').split('\n').filter((l) => l.startsWith('{"id":"p'));
    expect(lines).toHaveLength(24);
    writeFileSync(clean, `${lines.join('\n')}\n`);
    const ok = await pmbt([files.jobFile, '--portfolios', clean, '--output', join(files.dir, 'out-clean'), '--quiet']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^portfolios {3}24 \(ok 24, failed 0\)$/m);
    const failed = await pmbt([files.jobFile, '--output', join(files.dir, 'out-failed'), '--quiet']);
    expect(failed.code, failed.stderr).toBe(3);
    expect(readFileSync(join(files.dir, 'out-failed', 'small', '_SUCCESS'), 'utf8')).toMatch(/"portfolios": 26/);
  });

  it('fails when a worker thread cannot write a batch file, naming it; no _SUCCESS', async () => {
    // A folder where batch 1's timeline file goes: the worker's rename onto it fails (EISDIR) while
    // the batches after it replay — the write overlaps them, and its failure still ends the run.
    const out = join(files.dir, 'out-blocked');
    mkdirSync(join(out, 'small', 'timeline', 'batch-000001.arrow'), { recursive: true });
    writeFileSync(join(out, 'small', 'timeline', 'batch-000001.arrow', 'x'), 'x');
    const r = await pmbt([files.jobFile, '--output', out, '--workers', '2', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/worker failed: Error: EISDIR: .*timeline\/batch-000001\.arrow/);
    expect(existsSync(join(out, 'small', '_SUCCESS'))).toBe(false);
    expect(existsSync(join(out, 'small', '_partials', 'batch-000001.json'))).toBe(false);
  });

  it('lets flags override the job file, and reports a bad job field with exit code 2', async () => {
    const r = await pmbt([files.jobFile, '--resolution', '15 minutes', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`pmbt run: ${files.jobFile}: timeline.resolution: expected a duration such as "1m", "1h", "8h", "1d" or milliseconds > 0, got "15 minutes"`);
    const bad = join(files.dir, 'bad-job.json');
    writeFileSync(bad, JSON.stringify({ ...files.job, jobId: '../escape' }));
    const r2 = await pmbt([bad, '--quiet']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/bad-job\.json: jobId: expected letters, digits, \. _ -/);
  });

  it('names the file, column and row of a malformed price file', async () => {
    const broken = join(files.dir, 'broken.arrow');
    cpSync(files.job.prices as string, broken);
    const bytes = readFileSync(broken);
    writeFileSync(broken, bytes.subarray(0, 100));
    const r = await pmbt([files.jobFile, '--prices', broken, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain(broken);
  });
});

describe('pmbt run against S3 (a real S3-compatible server on loopback)', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ['pm-data'] });
  });
  afterAll(async () => s3?.stop());

  it('reads prices and portfolios from s3:// and writes the same reports there', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'pm-data', Key: 'in/prices.arrow', Body: readFileSync(files.job.prices as string) }));
    await client.send(new PutObjectCommand({ Bucket: 'pm-data', Key: 'in/portfolios.jsonl', Body: readFileSync(files.job.portfolios as string) }));
    const env = { PMBT_S3_ENDPOINT: s3.endpoint, PMBT_S3_FORCE_PATH_STYLE: '1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
    const r = await pmbt([files.jobFile, '--prices', 's3://pm-data/in/prices.arrow', '--portfolios', 's3://pm-data/in/portfolios.jsonl', '--output', 's3://pm-data/reports/', '--workers', '2', '--quiet'], env);
    expect(r.code, r.stderr).toBe(3);
    const get = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'pm-data', Key: key }))).Body!.transformToByteArray());
    const local = await pmbt([files.jobFile, '--output', join(files.dir, 'out-for-s3'), '--quiet']);
    expect(local.code).toBe(3);
    // (portfolios/ lines name the input file in a failed portfolio's error: its URI differs)
    for (const f of smallJobReportFiles().filter((name) => /^(timeline|events)\//.test(name))) {
      expect((await get(`reports/small/${f}`)).equals(readFileSync(join(files.dir, 'out-for-s3', 'small', f))), f).toBe(true);
    }
    const marker = JSON.parse((await get('reports/small/_SUCCESS')).toString()) as { portfolios: number };
    expect(marker.portfolios).toBe(26);
  });
});
