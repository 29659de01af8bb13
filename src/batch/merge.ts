import { createHash } from 'node:crypto';
import { Dec } from '../domain/decimal.js';
import { encodeArrowFile, EVENTS_SCHEMA, readArrowBatches, TIMELINE_SCHEMA } from '../io/arrow/report-tables.js';
import { joinKey } from '../io/store/keys.js';
import type { Locate } from '../io/store/open.js';
import type { ObjectStore } from '../io/store/types.js';
import { buildReportHtml } from '../report/html/index.js';
import type { PortfolioSummary } from '../report/portfolio-summary.js';
import type { InputChecksum } from './inputs.js';
import { renderJobSpec, type JobSpec } from './job.js';
import { partKey } from './run-batch.js';

export const SUCCESS_MARKER = '_SUCCESS';
/** Everything a part or a summary line may hold; parts are our own files, so this is generous. */
const MAX_PART_BYTES = 2 * 1024 * 1024 * 1024;

export interface JobFacts {
  spec: JobSpec;
  batches: number;
  portfolioCount: number;
  inputs: { prices: InputChecksum; portfolios: InputChecksum; rules: InputChecksum[] };
  rulesSources: string[];
  window: { from: number; to: number; steps: number };
}

export interface JobTotals {
  portfolios: number;
  ok: number;
  failed: number;
  liquidated: number;
  bankrupt: number;
  worstStatus: Record<string, number>;
  liquidationFeesUSD: string;
  bankruptcyLossUSD: string;
  portfolioSteps: number;
  worst: { portfolioId: string; minUniMMR: string; time: string | null } | null;
}

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

const decimalSum = (a: string, b: string) => new Dec(a).plus(b).toFixed(8);

/**
 * Merges every batch's parts into the job's outputs (docs/formats.md "Outputs"), in batch order so the
 * result does not depend on which batch finished first, then report.html (read back from the
 * merged files), then the completion marker last.
 * A missing part throws before anything that looks complete is written.
 */
export async function mergeJob(store: ObjectStore, jobKey: string, facts: JobFacts, locate: Locate): Promise<JobTotals> {
  for (let b = 0; b < facts.batches; b++) {
    if (!(await store.exists(partKey(jobKey, b, 'summary.json')))) throw new Error(`batch ${b} of job ${facts.spec.jobId} has not finished (no ${partKey(jobKey, b, 'summary.json')}): not merging`);
  }
  const read = (b: number, file: string) => store.read(partKey(jobKey, b, file), { maxBytes: MAX_PART_BYTES });
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

  const totals: JobTotals = { portfolios: 0, ok: 0, failed: 0, liquidated: 0, bankrupt: 0, worstStatus: {}, liquidationFeesUSD: '0.00000000', bankruptcyLossUSD: '0.00000000', portfolioSteps: 0, worst: null };
  manifest['summary.json'] = await writeHashed(store, joinKey(jobKey, 'summary.json'), textChunks((async function* () {
    yield `{\n"version": 1,\n"job": ${JSON.stringify(renderJobSpec(facts.spec))},\n"inputs": ${JSON.stringify(facts.inputs)},\n"rulesSources": ${JSON.stringify(facts.rulesSources)},\n`;
    yield `"window": ${JSON.stringify({ from: new Date(facts.window.from).toISOString(), to: new Date(facts.window.to).toISOString(), steps: facts.window.steps })},\n"portfolios": [\n`;
    let first = true;
    for (const b of batches) {
      const part = JSON.parse(new TextDecoder().decode(await read(b, 'summary.json'))) as { steps: number; portfolios: PortfolioSummary[] };
      totals.portfolioSteps += part.steps;
      for (const p of part.portfolios) {
        accumulate(totals, p);
        yield `${first ? '' : ',\n'}${JSON.stringify(p)}`;
        first = false;
      }
    }
    yield `\n],\n"totals": ${JSON.stringify(totals)}\n}\n`;
  })()));

  // The page is made from the files just written, as `pmbt report` makes it for an existing job.
  const html = await buildReportHtml(store, jobKey, locate);
  manifest['report.html'] = await writeHashed(store, joinKey(jobKey, 'report.html'), (async function* () {
    yield new TextEncoder().encode(html);
  })());

  const marker = { version: 1, jobId: facts.spec.jobId, portfolios: totals.portfolios, files: manifest };
  await store.write(joinKey(jobKey, SUCCESS_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  return totals;
}

function accumulate(t: JobTotals, p: PortfolioSummary): void {
  t.portfolios++;
  if (!p.ok) {
    t.failed++;
    return;
  }
  t.ok++;
  if (p.liquidations > 0) t.liquidated++;
  if (p.bankrupt) t.bankrupt++;
  if (p.worstStatus !== null) t.worstStatus[p.worstStatus] = (t.worstStatus[p.worstStatus] ?? 0) + 1;
  t.liquidationFeesUSD = decimalSum(t.liquidationFeesUSD, p.liquidationFeesUSD);
  t.bankruptcyLossUSD = decimalSum(t.bankruptcyLossUSD, p.bankruptcyLossUSD);
  if (p.minUniMMR !== null && (t.worst === null || new Dec(p.minUniMMR).lt(t.worst.minUniMMR))) {
    t.worst = { portfolioId: p.portfolioId, minUniMMR: p.minUniMMR, time: p.minUniMMRTime };
  }
}
