import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/batch/job.js';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { openJobOutputs } from '../../src/batch/merge.js';
import { createLocalStore } from '../../src/io/store/local.js';
import { readDatasetSummary } from '../../src/records/dataset.js';
import { loadReportData } from '../../src/report/html/load.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { exportJobFiles } from '../helpers/job-outputs.js';
import { LOCAL_STORES } from '../helpers/stores.js';

// A job's summary lines are gzip'd (portfolios/*.jsonl.gz, _partials/*.worst.jsonl.gz; summary.json
// says gzipLines: true). A job written before has them plain and no gzipLines: export and the report
// read it as they read the new one, and export writes the same plain single files from both.

let files: ReturnType<typeof writeSmallJob>;
let out: string;
let before: string;

/** The job folder as the version before wrote it: lines gunzipped into .jsonl, summary.json without gzipLines. */
function writtenBefore(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  for (const [folder, pattern] of [['portfolios', /^batch-\d{6}\.jsonl\.gz$/], ['_partials', /^batch-\d{6}\.worst\.jsonl\.gz$/]] as const) {
    for (const f of readdirSync(join(to, folder)).filter((n) => pattern.test(n))) {
      writeFileSync(join(to, folder, f.slice(0, -'.gz'.length)), gunzipSync(readFileSync(join(to, folder, f))));
      rmSync(join(to, folder, f));
    }
  }
  const summary = JSON.parse(readFileSync(join(to, 'summary.json'), 'utf8')) as Record<string, unknown>;
  delete summary.gzipLines;
  writeFileSync(join(to, 'summary.json'), JSON.stringify(summary, null, 1));
}

beforeAll(async () => {
  files = writeSmallJob();
  await runJobLocally(parseJobSpec(files.job), { workers: 1, ...LOCAL_STORES });
  out = join(files.dir, 'out', 'small');
  before = join(files.dir, 'before');
  writtenBefore(out, before);
}, 60_000);
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('summary lines gzip\'d, and plain in jobs written before', () => {
  it('are gzip\'d in a new job, summary.json saying so', () => {
    expect(readDatasetSummary(readFileSync(join(out, 'summary.json'), 'utf8'), 'summary.json').gzipLines).toBe(true);
    expect(readDatasetSummary(readFileSync(join(before, 'summary.json'), 'utf8'), 'summary.json').gzipLines).toBe(false);
    const gz = readFileSync(join(out, 'portfolios', 'batch-000000.jsonl.gz'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]); // gzip's magic
    expect(readdirSync(join(out, '_partials')).filter((f) => f.endsWith('.worst.jsonl.gz'))).toHaveLength(6);
  });

  it('export the same single files from both', async () => {
    const now = await exportJobFiles(createLocalStore(out), '');
    const then = await exportJobFiles(createLocalStore(before), '');
    expect([...now.keys()].sort()).toEqual(['events.arrow', 'events.jsonl', 'summary.json', 'timeline.arrow']);
    for (const [name, bytes] of now) expect(Buffer.from(then.get(name)!).equals(Buffer.from(bytes))).toBe(true);
  });

  it('give the same report data from both, from the worst side files (5) and from the batches\' own (11)', async () => {
    for (const worstCount of [5, 11]) {
      const now = await loadReportData(openJobOutputs(createLocalStore(out), ''), { worstCount });
      const then = await loadReportData(openJobOutputs(createLocalStore(before), ''), { worstCount });
      expect(then).toEqual(now);
      expect(now.worst.length).toBe(worstCount);
    }
  });
});
