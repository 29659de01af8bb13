import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { exportJob } from '../../src/batch/export.js';
import { createMemoryStore } from '../../src/io/store/memory.js';
import type { ObjectStore } from '../../src/io/store/types.js';
import { locateLocal } from './stores.js';

/**
 * A finished job's reports as single files (`pmbt export`'s timeline.arrow, events.arrow,
 * events.jsonl and summary.json with every portfolio), for tests that read them whole: written
 * into `<jobDir>.export/`, whose path is returned.
 */
export async function exportLocalJob(jobDir: string): Promise<string> {
  const { store, key } = locateLocal(jobDir);
  const target = `${jobDir.replace(/\/$/, '')}.export`;
  const to = locateLocal(target);
  await exportJob(store, key, to.store, to.key);
  return target;
}

/** The same for a job in any store: the exported files by name. */
export async function exportJobFiles(store: ObjectStore, jobKey: string): Promise<Map<string, Uint8Array>> {
  const memory = createMemoryStore();
  await exportJob(store, jobKey, memory, 'export');
  return new Map(await Promise.all(memory.keys().map(async (k) => [k.slice('export/'.length), await memory.read(k, { maxBytes: 1 << 30 })] as const)));
}

export const exportedPath = (exported: string, name: string) => join(exported, name);

/**
 * The report files of the small job (test/helpers/job-files.ts: 26 portfolios in 6 batches), sorted;
 * events as JSON lines too when the job asks for them (`events.lines`).
 */
export function smallJobReportFiles(batches = 6, options: { eventLines?: boolean } = {}): string[] {
  const perBatch = (b: number) => {
    const n = String(b).padStart(6, '0');
    return [`events/batch-${n}.arrow`, ...(options.eventLines ? [`events/batch-${n}.jsonl`] : []), `portfolios/batch-${n}.jsonl.gz`, `timeline/batch-${n}.arrow`];
  };
  return [...Array.from({ length: batches }, (_, b) => perBatch(b)).flat(), 'report.html', 'summary.json', '_SUCCESS'].sort();
}

/** Every portfolio summary line of a local dataset job, in batch order (input order). */
export function readLocalPortfolioLines<T = Record<string, unknown>>(jobDir: string): T[] {
  const folder = join(jobDir, 'portfolios');
  return readdirSync(folder).filter((f) => /^batch-\d{6}\.jsonl\.gz$/.test(f)).sort()
    .flatMap((f) => gunzipSync(readFileSync(join(folder, f))).toString('utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T));
}
