import { InputError, InvariantError } from '../domain/errors.js';
import { portfolioLinesFile, readDatasetSummary, readPortfolioLines, readPortfolioLinesText } from '../records/dataset.js';
import { collectText } from '../records/lines.js';
import { calculateMoved, findLiquidationDistance, type LiquidationDistance, type MovedBlock } from '../records/moved.js';
import type { JobOutputFiles } from '../report/html/types.js';
import type { JobSpec } from './job.js';

// `compare.previousJob` (docs/risk.md "Who moved closer"): the finishing step pairs this job's
// liquidation distances at the start (from its partials) with those on the previous job's summary
// lines. The previous job is a sibling folder of this job's in the same output folder, only read.
// Reading its lines is O(portfolios), the one part of the finishing step that is (docs/risk.md
// gives the measured cost); a job without `compare` reads nothing of another job.

/** Summary-line files read at once (S3 requests are latency-bound), as the partials are. */
const LINE_READS_IN_FLIGHT = 64;

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

/**
 * The previous job's liquidation distances by portfolioId (the first line of an id counts), from
 * every batch's summary lines. A missing or unreadable file is an InputError naming it.
 */
export async function readPreviousDistances(files: JobOutputFiles): Promise<PreviousDistances> {
  const summary = readDatasetSummary(await collectText(files.readStream('summary.json')), files.uriOf('summary.json'));
  const out: PreviousDistances = { rangePct: NaN, byPortfolio: new Map(), lines: 0 };
  const read = async (batch: number) => {
    const name = portfolioLinesFile(summary, false, batch);
    return { uri: files.uriOf(name), lines: readPortfolioLines(await readPortfolioLinesText(files.readStream(name), files.uriOf(name)), files.uriOf(name)) };
  };
  for (let first = 0; first < summary.batches; first += LINE_READS_IN_FLIGHT) {
    const group = Array.from({ length: Math.min(LINE_READS_IN_FLIGHT, summary.batches - first) }, (_, i) => first + i);
    for (const { uri, lines } of await Promise.all(group.map(read))) {
      out.lines += lines.length;
      for (const p of lines) {
        if (!p.ok || p.startDistance === undefined || out.byPortfolio.has(p.portfolioId)) continue;
        if (Number.isNaN(out.rangePct)) out.rangePct = p.startDistance.rangePct;
        else if (p.startDistance.rangePct !== out.rangePct) throw new InputError(uri, `portfolio ${p.index + 1} (${p.portfolioId}).startDistance.rangePct`, `the job's one range, ${out.rangePct}`, String(p.startDistance.rangePct));
        out.byPortfolio.set(p.portfolioId, findLiquidationDistance(p.startDistance));
      }
    }
  }
  return out;
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
