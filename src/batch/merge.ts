import { registerArrowCodecs } from '../io/arrow/codecs.js';
import { joinKey } from '../io/store/keys.js';
import type { ObjectStore } from '../io/store/types.js';
import { readDatasetSummary, renderDatasetSummary, type DatasetSummary } from '../records/dataset.js';
import { findPartRunMismatch, type JobThresholds, type JobTotals, type PartRun } from '../records/summary.js';
import type { JobOutputFiles } from '../report/html/index.js';
import { loadDatasetReportData, type DatasetReportOptions } from '../report/html/load.js';
import type { ReportPartial } from '../report/html/partial.js';
import { renderReportHtml } from '../report/html/render.js';
import { writeHashed, type FileDigest } from './hashed-write.js';
import type { InputChecksum } from './inputs.js';
import { renderJobSpec, type JobSpec } from './job.js';
import { checkLeaseHeld, JobLeaseError, type RunIdentity } from './lease.js';
import { reduceBatchPartials, type ReducedPartials } from '../report/html/batch-partial.js';
import type { MovedBlock } from '../records/moved.js';
import { compareWithPreviousJob, findSiblingJobKey } from './compare-previous.js';

export const SUCCESS_MARKER = '_SUCCESS';

/** The completion marker's text: one field a line, so a big job's list of files stays diffable. */
export const renderSuccessMarker = (marker: object) => `${JSON.stringify(marker, null, 1)}\n`;

export interface JobFacts {
  spec: JobSpec;
  /** The run finishing: only its batches count, and only while it holds the job's lease. */
  run: RunIdentity;
  batches: number;
  portfolioCount: number;
  inputs: { prices: InputChecksum; portfolios: InputChecksum; rules: InputChecksum[] };
  rulesSources: string[];
  /** The status thresholds the job runs with: summary.json records them and the report draws its bands with them. */
  thresholds: JobThresholds;
  window: { from: number; to: number; steps: number };
}

export type { JobTotals } from '../records/summary.js';

/** summary.json of a dataset job is small (head and totals); this only stops a foreign file. */
const MAX_SUMMARY_BYTES = 64 * 1024 * 1024;

/** Reads a finished job's summary.json (version 2), as the finishing step wrote it. */
export async function readJobSummary(store: ObjectStore, jobKey: string): Promise<DatasetSummary> {
  const key = joinKey(jobKey, 'summary.json');
  return readDatasetSummary(new TextDecoder().decode(await store.read(key, { maxBytes: MAX_SUMMARY_BYTES })), store.uriOf(key));
}

/**
 * A job's outputs as the report reads them: by file name, from `store`. Batch files have compressed
 * bodies: the decoders are registered first (apache-arrow's registry is process-wide).
 */
export function openJobOutputs(store: ObjectStore, jobKey: string): JobOutputFiles {
  registerArrowCodecs();
  return {
    readStream: (name) => store.readStream(joinKey(jobKey, ...name.split('/'))),
    exists: (name) => store.exists(joinKey(jobKey, ...name.split('/'))),
    uriOf: (name) => store.uriOf(joinKey(jobKey, ...name.split('/'))),
  };
}

/**
 * A batch counts only if this run wrote it from the inputs this run planned: a batch of another
 * run (one that wrote into this job's folder) would mix its portfolios or prices into this report.
 */
function checkPartRun(part: PartRun, facts: PartialsFacts, uri: string): void {
  const mismatch = findPartRunMismatch(part, facts.run.runId, facts.inputs);
  if (mismatch === 'run') throw new JobLeaseError(`${uri} was written by run ${part.runId}, not by run ${facts.run.runId} merging job ${facts.spec.jobId}: another run wrote into this job; not merging`);
  if (mismatch === 'inputs') throw new JobLeaseError(`${uri} was made from other inputs than run ${facts.run.runId} planned (their SHA-256s differ); not merging`);
}

/** What a batch's partial records of its run (writeBatchShare). */
export function partRunOf(run: RunIdentity, inputs: Pick<JobFacts['inputs'], 'prices' | 'rules'> & { portfolios?: JobFacts['inputs']['portfolios'] }): PartRun {
  return {
    runId: run.runId,
    inputs: { prices: inputs.prices.sha256, rules: inputs.rules.map((r) => r.sha256), ...(inputs.portfolios === undefined ? {} : { portfolios: inputs.portfolios.sha256 }) },
  };
}


/** What reducing partials needs to know of the job: which run's batches, from which inputs, how many. */
export type PartialsFacts = { spec: Pick<JobSpec, 'jobId'> } & Pick<JobFacts, 'run' | 'batches' | 'inputs'>;

/** The job's partials added up, each checked to be this run's from its inputs (checkPartRun). */
export function reducePartials(store: ObjectStore, jobKey: string, facts: PartialsFacts): Promise<ReducedPartials> {
  const files = openJobOutputs(store, jobKey);
  return reduceBatchPartials(files, facts.batches, (p, uri) => checkPartRun(p.run, facts, uri));
}

/** report.html of a dataset job from its summary and reduced partials. */
export async function renderJobReport(store: ObjectStore, jobKey: string, summary: DatasetSummary, report: ReportPartial | undefined, options: DatasetReportOptions = {}): Promise<string> {
  return renderReportHtml(await loadDatasetReportData(openJobOutputs(store, jobKey), summary, report, options));
}

/**
 * With `compare`: who moved closer since the previous job (its distances from its partials, or its
 * summary lines if written before partials carried them; ours from our partials), else undefined.
 */
async function compareWithPrevious(store: ObjectStore, jobKey: string, spec: JobSpec, report: ReportPartial | undefined): Promise<MovedBlock | undefined> {
  if (spec.compare === undefined) return undefined;
  const previous = openJobOutputs(store, findSiblingJobKey(jobKey, spec.jobId, spec.compare.previousJob));
  return compareWithPreviousJob(previous, { risk: spec.risk, compare: spec.compare }, report?.liquidationDistances ?? []);
}

/**
 * The finishing step (docs/formats.md "Outputs"): reduces the batches' partials — never their
 * reports — into summary.json (head and totals), report.html (which reads only the worst
 * portfolios' batches) and, last, the completion marker listing every file of the job with its
 * size and digest. A job with `compare` also reads the previous job's partials (O(portfolios)).
 */
export async function mergeJob(store: ObjectStore, jobKey: string, facts: JobFacts): Promise<JobTotals> {
  await checkLeaseHeld(store, jobKey, facts.run.runId);
  const reduced = await reducePartials(store, jobKey, facts);
  const moved = await compareWithPrevious(store, jobKey, facts.spec, reduced.report);
  const summary: DatasetSummary = {
    version: 2,
    job: renderJobSpec(facts.spec) as DatasetSummary['job'],
    inputs: facts.inputs,
    rulesSources: facts.rulesSources,
    thresholds: facts.thresholds,
    intrabar: reduced.intrabar,
    window: { from: new Date(facts.window.from).toISOString(), to: new Date(facts.window.to).toISOString(), steps: facts.window.steps },
    batches: facts.batches,
    eventLines: facts.spec.events.lines,
    gzipLines: true, // writeBatchShare gzips them
    totals: reduced.totals,
    ...(moved === undefined ? {} : { moved }),
  };
  const files: Record<string, FileDigest> = { ...reduced.files };
  files['summary.json'] = await writeHashed(store, joinKey(jobKey, 'summary.json'), renderDatasetSummary(summary));
  files['report.html'] = await writeHashed(store, joinKey(jobKey, 'report.html'), await renderJobReport(store, jobKey, summary, reduced.report));
  const marker = { version: 2, jobId: facts.spec.jobId, run: facts.run, portfolios: reduced.totals.portfolios, files };
  // Last check before anything says "complete": another run may have taken the job meanwhile.
  await checkLeaseHeld(store, jobKey, facts.run.runId);
  await store.write(joinKey(jobKey, SUCCESS_MARKER), renderSuccessMarker(marker));
  return reduced.totals;
}
