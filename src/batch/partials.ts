import { InputError } from '../domain/errors.js';
import { describeValue, readObject } from '../domain/json-fields.js';
import { parseJsonAt } from '../records/lines.js';
import { readJobThresholds, readJobTotals, readPartRun, type JobThresholds, type JobTotals, type PartRun } from '../records/summary.js';
import { readReportPartial, renderReportPartial, type ReportPartial } from '../report/html/partial.js';
import type { FileDigest } from './hashed-write.js';

// `_partials/batch-NNNNNN.json`: what a batch tells the finishing step, written after the batch's
// dataset files — so a batch counts as done only when its partial exists. Small whatever the
// batch: the run and inputs it was made from, its totals, its files' digests and its report partial.

export interface BatchPartial {
  version: 1;
  run: PartRun;
  batch: number;
  /** Portfolio-steps evaluated. */
  steps: number;
  thresholds: JobThresholds;
  /** The history carried bar extremes in the window. */
  intrabar: boolean;
  totals: JobTotals;
  /** The batch's dataset files (names relative to the job's folder) with size and SHA-256. */
  files: Record<string, FileDigest>;
  report: ReportPartial;
}

export const renderBatchPartial = (p: BatchPartial) => `${JSON.stringify({ ...p, report: renderReportPartial(p.report) })}\n`;

function readFiles(v: unknown, file: string): Record<string, FileDigest> {
  const o = readObject(file, 'files', v);
  const out: Record<string, FileDigest> = {};
  for (const [name, d] of Object.entries(o)) {
    const digest = readObject(file, `files.${name}`, d);
    if (typeof digest.bytes !== 'number' || typeof digest.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(digest.sha256)) throw new InputError(file, `files.${name}`, '{bytes, sha256}', describeValue(d));
    out[name] = { bytes: digest.bytes, sha256: digest.sha256 };
  }
  return out;
}

export function readBatchPartial(text: string, file: string): BatchPartial {
  const o = readObject(file, '', parseJsonAt(text, file, '', 'a batch partial (a JSON object)'));
  if (o.version !== 1) throw new InputError(file, 'version', '1', describeValue(o.version));
  const count = (key: 'batch' | 'steps') => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new InputError(file, key, 'a whole number ≥ 0', describeValue(v));
    return v;
  };
  if (typeof o.intrabar !== 'boolean') throw new InputError(file, 'intrabar', 'true or false', describeValue(o.intrabar));
  return {
    version: 1,
    run: readPartRun(o.run, file),
    batch: count('batch'),
    steps: count('steps'),
    thresholds: readJobThresholds(o.thresholds, file, 'thresholds'),
    intrabar: o.intrabar,
    totals: readJobTotals(o.totals, file, 'totals'),
    files: readFiles(o.files, file),
    report: readReportPartial(o.report, file),
  };
}
