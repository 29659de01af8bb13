import { createHash } from 'node:crypto';
import { encodeArrowFile, readArrowBatches } from '../io/arrow/report-tables.js';
import { joinKey } from '../io/store/keys.js';
import type { ObjectStore } from '../io/store/types.js';
import { EVENTS_SCHEMA } from '../records/events/arrow.js';
import { addToJobTotals, emptyJobTotals, parseSummaryPart, type PartRun, renderSummaryClosing, renderSummaryOpening, renderSummaryPortfolio, type JobThresholds, type JobTotals } from '../records/summary.js';
import { TIMELINE_SCHEMA } from '../records/timeline.js';
import { buildReportHtml, type JobOutputFiles } from '../report/html/index.js';
import type { InputChecksum } from './inputs.js';
import { renderJobSpec, type JobSpec } from './job.js';
import { checkLeaseHeld, JobLeaseError, type RunIdentity } from './lease.js';
import { partKey } from './run-batch.js';

export const SUCCESS_MARKER = '_SUCCESS';
/** Everything a part or a summary line may hold; parts are our own files, so this is generous. */
const MAX_PART_BYTES = 2 * 1024 * 1024 * 1024;

export interface JobFacts {
  spec: JobSpec;
  /** The run merging: only its parts are merged, and only while it holds the job's lease. */
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

/** A job's outputs as the report reads them: by file name, from `store`. */
export const openJobOutputs = (store: ObjectStore, jobKey: string): JobOutputFiles => ({
  readStream: (name) => store.readStream(joinKey(jobKey, name)),
  uriOf: (name) => store.uriOf(joinKey(jobKey, name)),
});

/** Text as UTF-8 chunks of about 1 MiB: one write (and hash update) a chunk, not one a line. */
async function* textChunks(texts: AsyncIterable<string>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  let pending = '';
  for await (const t of texts) {
    pending += t;
    if (pending.length >= 1 << 20) {
      yield encoder.encode(pending);
      pending = '';
    }
  }
  if (pending.length > 0) yield encoder.encode(pending);
}

/** Writes one output file and returns its size and digest for the manifest. */
async function writeHashed(store: ObjectStore, key: string, body: AsyncIterable<Uint8Array>): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  async function* tee(): AsyncIterable<Uint8Array> {
    for await (const c of body) {
      hash.update(c);
      bytes += c.length;
      yield c;
    }
  }
  await store.write(key, tee());
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * A part counts only if this run wrote it from the inputs this run planned: a part of another run
 * (one that wrote into this job's folder) would mix its portfolios or prices into this report.
 */
function checkPartRun(part: PartRun, facts: JobFacts, uri: string): void {
  const want = facts.inputs;
  const sameInputs = part.inputs.prices === want.prices.sha256
    && part.inputs.rules.length === want.rules.length && part.inputs.rules.every((r, i) => r === want.rules[i]!.sha256)
    && (part.inputs.portfolios === undefined || part.inputs.portfolios === want.portfolios.sha256);
  if (part.runId !== facts.run.runId) throw new JobLeaseError(`${uri} was written by run ${part.runId}, not by run ${facts.run.runId} merging job ${facts.spec.jobId}: another run wrote into this job; not merging`);
  if (!sameInputs) throw new JobLeaseError(`${uri} was made from other inputs than run ${facts.run.runId} planned (their SHA-256s differ); not merging`);
}

/** What a part of this run records about it (writeBatchParts). */
export function partRunOf(run: RunIdentity, inputs: Pick<JobFacts['inputs'], 'prices' | 'rules'> & { portfolios?: JobFacts['inputs']['portfolios'] }): PartRun {
  return {
    runId: run.runId,
    inputs: { prices: inputs.prices.sha256, rules: inputs.rules.map((r) => r.sha256), ...(inputs.portfolios === undefined ? {} : { portfolios: inputs.portfolios.sha256 }) },
  };
}

/**
 * Merges every batch's parts into the job's outputs (docs/formats.md "Outputs"), in batch order so the
 * result does not depend on which batch finished first, then report.html (read back from the
 * merged files), then the completion marker last.
 * A missing part throws before anything that looks complete is written.
 */
export async function mergeJob(store: ObjectStore, jobKey: string, facts: JobFacts): Promise<JobTotals> {
  await checkLeaseHeld(store, jobKey, facts.run.runId);
  const read = (b: number, file: string) => store.read(partKey(jobKey, b, file), { maxBytes: MAX_PART_BYTES });
  for (let b = 0; b < facts.batches; b++) {
    if (!(await store.exists(partKey(jobKey, b, 'summary.json')))) throw new Error(`batch ${b} of job ${facts.spec.jobId} has not finished (no ${partKey(jobKey, b, 'summary.json')}): not merging`);
    const uri = store.uriOf(partKey(jobKey, b, 'summary.json'));
    checkPartRun(parseSummaryPart(new TextDecoder().decode(await read(b, 'summary.json')), uri).run, facts, uri);
  }
  const batches = Array.from({ length: facts.batches }, (_, b) => b);
  const manifest: Record<string, { bytes: number; sha256: string }> = {};

  manifest['timeline.arrow'] = await writeHashed(store, joinKey(jobKey, 'timeline.arrow'), encodeArrowFile(TIMELINE_SCHEMA, (async function* () {
    for (const b of batches) yield* readArrowBatches(await read(b, 'timeline.arrow'));
  })()));

  manifest['events.jsonl'] = await writeHashed(store, joinKey(jobKey, 'events.jsonl'), (async function* () {
    for (const b of batches) yield await read(b, 'events.jsonl');
  })());

  manifest['events.arrow'] = await writeHashed(store, joinKey(jobKey, 'events.arrow'), encodeArrowFile(EVENTS_SCHEMA, (async function* () {
    for (const b of batches) yield* readArrowBatches(await read(b, 'events.arrow'));
  })()));

  const totals = emptyJobTotals();
  manifest['summary.json'] = await writeHashed(store, joinKey(jobKey, 'summary.json'), textChunks((async function* () {
    const readPart = async (b: number) => parseSummaryPart(new TextDecoder().decode(await read(b, 'summary.json')), store.uriOf(partKey(jobKey, b, 'summary.json')));
    // The thresholds come from the facts (the plan recorded them), never from rule files: the
    // merge's package and role have none. Parts are read one at a time, so memory holds one.
    let part = batches.length === 0 ? undefined : await readPart(0);
    yield renderSummaryOpening({ job: renderJobSpec(facts.spec), inputs: facts.inputs, rulesSources: facts.rulesSources, thresholds: facts.thresholds, intrabar: part?.intrabar, window: facts.window });
    let first = true;
    for (const b of batches) {
      part = b === 0 ? part! : await readPart(b);
      totals.portfolioSteps += part.steps;
      for (const p of part.portfolios) {
        addToJobTotals(totals, p);
        yield renderSummaryPortfolio(p, first);
        first = false;
      }
    }
    yield renderSummaryClosing(totals);
  })()));

  // The page is made from the files just written, as `pmbt report` makes it for an existing job.
  const html = await buildReportHtml(openJobOutputs(store, jobKey));
  manifest['report.html'] = await writeHashed(store, joinKey(jobKey, 'report.html'), (async function* () {
    yield new TextEncoder().encode(html);
  })());

  const marker = { version: 1, jobId: facts.spec.jobId, run: facts.run, portfolios: totals.portfolios, files: manifest };
  // Last check before anything says "complete": another run may have taken the job meanwhile.
  await checkLeaseHeld(store, jobKey, facts.run.runId);
  await store.write(joinKey(jobKey, SUCCESS_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  return totals;
}
