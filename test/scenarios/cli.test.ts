// `pmbt scenario` through the real binary (bin/pmbt.js → dist/, built by `npm test` before vitest).
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES_KIND_CODE } from '../../src/domain/series.js';
import { readSeriesArrow } from '../../src/io/arrow/series.js';
import { SCENARIOS } from '../../src/scenarios/index.js';
import { JOB_T0, writeSmallJob } from '../helpers/job-files.js';
import { HOUR } from '../helpers/series.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'pmbt.js');

function pmbt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'scenario', ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

let files: ReturnType<typeof writeSmallJob>;
beforeAll(() => {
  files = writeSmallJob();
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('pmbt scenario', () => {
  it('lists every scenario with its parameters and defaults', async () => {
    const r = await pmbt(['--list']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(SCENARIOS)) expect(r.stdout).toContain(`${name}\n`);
    expect(r.stdout).toMatch(/drop +fall of the asset.*\[default: 0\.3\]/);
  });

  it('writes the stressed history and says what moved', async () => {
    const out = join(files.dir, 'shocked.arrow');
    const at = new Date(JOB_T0 + HOUR).toISOString();
    const r = await pmbt(['--base', files.job.prices as string, '--name', 'instant-shock', '--param', 'drop=0.2', '--param', `at=${at}`, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`instant-shock: asset=BTC drop=0.2 altBeta=1 betas=none at=${at}`);
    expect(r.stdout).toContain(`rows changed from ${at} to `);
    expect(r.stdout).toMatch(/index +BTC ×0\.8000\n/);
    expect(r.stdout).toMatch(/mark +BTCUSD_PERP ×0\.8000, BTCUSDT ×0\.8000\n/);
    expect(r.stdout).toMatch(/funding +unchanged/);
    const base = readSeriesArrow(readFileSync(files.job.prices as string), 'base');
    const stressed = readSeriesArrow(readFileSync(out), out);
    expect(stressed.times).toEqual(base.times);
    const btc = base.symbols.indexOf('BTC');
    for (let i = 0; i < base.times.length; i++) {
      if (base.symbolIds[i] !== btc || base.kinds[i] !== SERIES_KIND_CODE.index) continue;
      expect(stressed.values[i]! / base.values[i]!).toBeCloseTo(base.times[i]! >= JOB_T0 + HOUR ? 0.8 : 1, 12);
    }
  });

  it('names a bad parameter, exit code 2', async () => {
    const r = await pmbt(['--base', files.job.prices as string, '--name', 'instant-shock', '--param', 'drop=2', '--out', join(files.dir, 'x.arrow')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('pmbt scenario: scenario instant-shock: params.drop: expected a number > 0 and < 1, got "2"');
    const r2 = await pmbt(['--base', files.job.prices as string, '--name', 'nope', '--out', join(files.dir, 'x.arrow')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/scenario: name: expected one of instant-shock, slow-bleed/);
  });
});
