import { InputError, InvariantError } from '../domain/errors.js';
import { describeValue, parseJsonText, readObject } from '../domain/json-fields.js';
import { datasetFileName, portfolioLinesFile, readDatasetSummary, readPortfolioLines, readPortfolioLinesText, type DatasetSummary } from '../records/dataset.js';
import { collectText } from '../records/lines.js';
import { calculateMoved, findLiquidationDistance, type LiquidationDistance, type MovedBlock } from '../records/moved.js';
import { readBatchPartial } from '../report/html/batch-partial.js';
import type { JobOutputFiles } from '../report/html/types.js';
import type { JobSpec } from './job.js';

// `compare.previousJob` (docs/risk.md "Who moved closer"): the finishing step pairs this job's
// liquidation distances at the start (from its partials) with the previous job's: from that job's
// partials when they carry them (`liquidationDistances`), else from its summary lines (a job
// written before partials carried them). The previous job is a sibling folder of this job's in the
// same output folder, only read. Either read is O(portfolios), the one part of the finishing step
// that is (docs/risk.md gives the measured cost); a job without `compare` reads nothing of another job.

/** Files read at once (S3 requests are latency-bound), as the partials are. */
const READS_IN_FLIGHT = 64;

/** Reads items 0 … count − 1 a group at a time, handing each to `visit` in order. */
async function readInOrder<T>(count: number, read: (i: number) => Promise<T>, visit: (item: T) => void): Promise<void> {
  for (let first = 0; first < count; first += READS_IN_FLIGHT) {
    const group = Array.from({ length: Math.min(READS_IN_FLIGHT, count - first) }, (_, i) => first + i);
    for (const item of await Promise.all(group.map(read))) visit(item);
  }
}

/** The previous job's key: `previousJob` beside this job in the output folder (job ids are one plain segment). */
export function findSiblingJobKey(jobKey: string, jobId: string, previousJob: string): string {
  if (!jobKey.endsWith(jobId) || !(jobKey.length === jobId.length || jobKey.endsWith(`/${jobId}`))) throw new InvariantError(`job key ${jobKey} does not end in job id ${jobId}`);
  return `${jobKey.slice(0, jobKey.length - jobId.length)}${previousJob}`;
}

export interface PreviousDistances {
  rangePct: number;
  byPortfolio: Map<string, LiquidationDistance>;
  /** Lines read (replayed or failed portfolios). */
  lines: number;
}

/** The run that finished the job, as its completion marker names it. */
async function readFinishingRun(files: JobOutputFiles): Promise<string> {
  const uri = files.uriOf('_SUCCESS');
  const runId = readObject(uri, 'run', readObject(uri, '', parseJsonText(uri, await collectText(files.readStream('_SUCCESS')))).run).runId;
  if (typeof runId !== 'string') throw new InputError(uri, 'run.runId', 'the id of the run that finished the job', describeValue(runId));
  return runId;
}

const keepFirst = (into: Map<string, LiquidationDistance>, id: string, d: LiquidationDistance) => {
  if (!into.has(id)) into.set(id, d);
};

/**
 * From the partials of the run that finished the job; undefined when the job ran without
 * `risk.distance` or no partial carries distances (written before they did, or none had one).
 */
async function readPartialDistances(files: JobOutputFiles, summary: DatasetSummary, runId: string): Promise<PreviousDistances | undefined> {
  const rangePct = (summary.job.risk as { distance?: { rangePct?: unknown } } | undefined)?.distance?.rangePct;
  if (typeof rangePct !== 'number') return undefined;
  const out: PreviousDistances = { rangePct, byPortfolio: new Map(), lines: 0 };
  let carried = false;
  const read = async (batch: number) => {
    const name = datasetFileName('partial', batch);
    const partial = readBatchPartial(await collectText(files.readStream(name)), files.uriOf(name));
    if (partial.run.runId !== runId || partial.batch !== batch) throw new InputError(files.uriOf(name), 'run.runId', `batch ${batch}'s partial of run ${runId}, which finished the job`, `batch ${partial.batch} of run ${partial.run.runId}`);
    return partial;
  };
  await readInOrder(summary.batches, read, (p) => {
    out.lines += p.totals.portfolios;
    if (p.report.liquidationDistances === undefined) return;
    carried = true;
    for (const [id, d] of p.report.liquidationDistances) keepFirst(out.byPortfolio, id, d);
  });
  return carried ? out : undefined;
}

/** From every batch's summary lines (all of a job's: gunzipped, parsed and checked). */
export async function readLineDistances(files: JobOutputFiles, summary: DatasetSummary): Promise<PreviousDistances> {
  const out: PreviousDistances = { rangePct: NaN, byPortfolio: new Map(), lines: 0 };
  const read = async (batch: number) => {
    const name = portfolioLinesFile(summary, false, batch);
    return { uri: files.uriOf(name), lines: readPortfolioLines(await readPortfolioLinesText(files.readStream(name), files.uriOf(name)), files.uriOf(name)) };
  };
  await readInOrder(summary.batches, read, ({ uri, lines }) => {
    out.lines += lines.length;
    for (const p of lines) {
      if (!p.ok || p.startDistance === undefined) continue;
      if (Number.isNaN(out.rangePct)) out.rangePct = p.startDistance.rangePct;
      else if (p.startDistance.rangePct !== out.rangePct) throw new InputError(uri, `portfolio ${p.index + 1} (${p.portfolioId}).startDistance.rangePct`, `the job's one range, ${out.rangePct}`, String(p.startDistance.rangePct));
      keepFirst(out.byPortfolio, p.portfolioId, findLiquidationDistance(p.startDistance));
    }
  });
  return out;
}

/**
 * The previous job's liquidation distances by portfolioId (the first of an id counts): from its
 * partials when they carry them, else from its summary lines. A missing, damaged or foreign file
 * (a partial of another run than `_SUCCESS` names) is an InputError naming it.
 */
export async function readPreviousDistances(files: JobOutputFiles): Promise<PreviousDistances> {
  const summary = readDatasetSummary(await collectText(files.readStream('summary.json')), files.uriOf('summary.json'));
  return (await readPartialDistances(files, summary, await readFinishingRun(files))) ?? readLineDistances(files, summary);
}

/**
 * The `moved` block of a job with `compare`: the previous job must have finished (`_SUCCESS`);
 * missing or unreadable files (InputError) give a warning instead of a comparison, and the job
 * still completes. Any other error (a storage outage) propagates, so the step is retried.
 * `current`: this job's distances from its reduced partials, in input order.
 */
export async function compareWithPreviousJob(previous: JobOutputFiles, spec: Pick<JobSpec, 'risk'> & { compare: { previousJob: string } }, current: readonly [string, LiquidationDistance][]): Promise<MovedBlock> {
  const previousJob = spec.compare.previousJob;
  const marker = previous.uriOf('_SUCCESS');
  if (!(await previous.exists('_SUCCESS'))) return { previousJob, status: 'previousUnavailable', warning: `job ${previousJob} has not finished (no ${marker}): no comparison` };
  let read: PreviousDistances;
  try {
    read = await readPreviousDistances(previous);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { previousJob, status: 'previousUnavailable', warning: `job ${previousJob} could not be read (${e.message}): no comparison` };
  }
  if (read.byPortfolio.size === 0) {
    return { previousJob, status: 'previousWithoutDistance', note: `none of job ${previousJob}'s ${read.lines} summary lines has a startDistance (it ran without risk.distance): no comparison` };
  }
  const byPortfolio = new Map<string, LiquidationDistance>();
  for (const [id, d] of current) if (!byPortfolio.has(id)) byPortfolio.set(id, d);
  // parseJobSpec refuses `compare` without risk.distance; the range is the job's own.
  const rangePct = spec.risk.distance?.rangePct ?? read.rangePct;
  return calculateMoved(previousJob, { rangePct: read.rangePct, byPortfolio: read.byPortfolio }, { rangePct, byPortfolio });
}
