import { InputError } from '../../domain/errors.js';
import { describeValue, readObject } from '../../domain/json-fields.js';
import { datasetFileName, type FileDigest } from '../../records/dataset.js';
import { collectText, parseJsonAt } from '../../records/lines.js';
import { addJobTotals, emptyJobTotals, readJobThresholds, readJobTotals, readPartRun, type JobThresholds, type JobTotals, type PartRun } from '../../records/summary.js';
import { addReportPartial, readReportPartial, renderReportPartial, type ReportPartial } from './partial.js';
import type { JobOutputFiles } from './types.js';

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

/** The reduction of a job's partials, in batch order. */
export interface ReducedPartials {
  totals: JobTotals;
  intrabar: boolean | undefined;
  report: ReportPartial | undefined;
  files: Record<string, FileDigest>;
}

/** Partials read at once (S3 requests are latency-bound). */
const PARTIAL_READS_IN_FLIGHT = 64;

/**
 * Reads batches 0 … batches − 1's partials (a few at a time) and adds them up in batch order;
 * `check` refuses a partial that is not the job's (another run's, other inputs). A batch without
 * its partial has not finished: an error before anything complete-looking is made from the rest.
 */
export async function reduceBatchPartials(files: JobOutputFiles, batches: number, check: (p: BatchPartial, uri: string) => void): Promise<ReducedPartials> {
  const reduced: ReducedPartials = { totals: emptyJobTotals(), intrabar: undefined, report: undefined, files: {} };
  const read = async (batch: number) => {
    const name = datasetFileName('partial', batch);
    let text: string;
    try {
      text = await collectText(files.readStream(name));
    } catch (e) {
      // A missing partial (one request, not a HEAD first: the finishing step reads thousands).
      if (e instanceof InputError) throw new Error(`batch ${batch} has not finished (no ${files.uriOf(name)})`, { cause: e });
      throw e;
    }
    const partial = readBatchPartial(text, files.uriOf(name));
    if (partial.batch !== batch) throw new InputError(files.uriOf(name), 'batch', String(batch), String(partial.batch));
    check(partial, files.uriOf(name));
    return partial;
  };
  for (let first = 0; first < batches; first += PARTIAL_READS_IN_FLIGHT) {
    const group = Array.from({ length: Math.min(PARTIAL_READS_IN_FLIGHT, batches - first) }, (_, i) => first + i);
    for (const p of await Promise.all(group.map(read))) {
      addJobTotals(reduced.totals, p.totals);
      reduced.intrabar ??= p.intrabar;
      if (reduced.report === undefined) reduced.report = p.report;
      else addReportPartial(reduced.report, p.report, files.uriOf(datasetFileName('partial', p.batch)));
      Object.assign(reduced.files, p.files);
    }
  }
  return reduced;
}
