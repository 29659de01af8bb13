// `pmbt events` through the real binary (dist/, built before vitest): a job's events as JSON lines
// from its Arrow batch files, filtered by portfolio and type.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSmallJob } from '../helpers/job-files.js';
import { exportLocalJob } from '../helpers/job-outputs.js';
import { runPmbt } from '../helpers/pmbt.js';

let files: ReturnType<typeof writeSmallJob>;
let job: string;
let ledgerJob: string;
beforeAll(async () => {
  files = writeSmallJob();
  const ledgerFile = join(files.dir, 'ledger.json');
  writeFileSync(ledgerFile, JSON.stringify({ ...files.job, jobId: 'small-ledger', events: { ledger: true } }));
  // the small job has two bad portfolios: exit code 3, every report written
  for (const f of [files.jobFile, ledgerFile]) expect((await runPmbt(['run', f, '--workers', '1', '--quiet'])).code).toBe(3);
  job = join(files.dir, 'out', 'small');
  ledgerJob = join(files.dir, 'out', 'small-ledger');
}, 60_000);
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

const lines = (stdout: string) => stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { portfolioId: string; type: string });

describe('pmbt events', () => {
  it('prints every event as pmbt export writes events.jsonl, in batch order', async () => {
    const r = await runPmbt(['events', job]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(await exportLocalJob(job), 'events.jsonl'), 'utf8'));
    expect(new Set(lines(r.stdout).map((e) => e.type))).toEqual(new Set(['riskLevelChange', 'liquidation']));
  });
  it('filters by portfolio and by type', async () => {
    const all = lines((await runPmbt(['events', job])).stdout);
    const p = await runPmbt(['events', job, '--portfolio', 'p10']);
    expect(lines(p.stdout)).toEqual(all.filter((e) => e.portfolioId === 'p10'));
    expect(lines(p.stdout).length).toBeGreaterThan(1);
    const liquidations = await runPmbt(['events', job, '--type', 'liquidation']);
    expect(lines(liquidations.stdout)).toEqual(all.filter((e) => e.type === 'liquidation'));
    expect((await runPmbt(['events', job, '--portfolio', 'nobody'])).stdout).toBe('');
  });
  it('lists funding payments of a job run with the ledger, and says a job without it has none to list', async () => {
    const funding = await runPmbt(['events', ledgerJob, '--type', 'funding']);
    expect(funding.code, funding.stderr).toBe(0);
    // one payment (00:00) for each of the 16 BTCUSDT portfolios; BTCUSD_PERP has no funding series
    expect(lines(funding.stdout).length).toBe(16);
    expect(lines(funding.stdout).every((e) => e.type === 'funding')).toBe(true);
    const none = await runPmbt(['events', job, '--type', 'funding']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^pmbt events: .*summary\.json: job\.events\.ledger: expected a job run with events\.ledger true to list its funding payments .*got false\n$/);
  });
  it('refuses an unknown type and a folder without _SUCCESS (exit 2)', async () => {
    const bad = await runPmbt(['events', job, '--type', 'margin']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--type must be an event type \(riskLevelChange, .*priceGapEnd\), got margin/);
    const unfinished = await runPmbt(['events', files.dir]);
    expect(unfinished.code).toBe(2);
    expect(unfinished.stderr).toMatch(/_SUCCESS: expected a finished job folder/);
  });
});
