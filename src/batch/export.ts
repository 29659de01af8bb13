import { encodeArrowFile, readArrowBatches } from '../io/arrow/report-tables.js';
import { joinKey } from '../io/store/keys.js';
import type { ObjectStore } from '../io/store/types.js';
import { datasetFileName, portfolioLinesFile, readPortfolioLines, readPortfolioLinesText, type DatasetFile, type DatasetSummary } from '../records/dataset.js';
import { EVENTS_SCHEMA, readEventRecords } from '../records/events/arrow.js';
import type { EventRecord } from '../records/events/index.js';
import { renderEventLine } from '../records/events/jsonl.js';
import { renderSummaryClosing, renderSummaryOpening, renderSummaryPortfolio } from '../records/summary.js';
import { TIMELINE_SCHEMA } from '../records/timeline.js';
import { plainBatch } from '../records/arrow.js';
import { writeHashed, type FileDigest } from './hashed-write.js';
import { readJobSummary } from './merge.js';

// `pmbt export`: a finished dataset job's reports as single files — timeline.arrow, events.arrow,
// events.jsonl and summary.json with every portfolio's line (version 1) — for a user who wants one
// file. It reads every byte of the job once, in batch order, holding one batch at a time.

/** The dataset files of batch `b` are our own: bounded generously. */
const MAX_BATCH_FILE_BYTES = 2 * 1024 * 1024 * 1024;

export const EXPORT_FILES = ['timeline.arrow', 'events.arrow', 'events.jsonl', 'summary.json'] as const;

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

/**
 * Every event of a dataset job, from its events/batch-N.arrow files in batch order (one batch held
 * at a time), each row checked as it is read; `keep` picks which are yielded. What `pmbt events`
 * prints and `pmbt export` writes as events.jsonl.
 */
export async function* readJobEvents(store: ObjectStore, jobKey: string, summary: DatasetSummary, keep: (e: EventRecord) => boolean = () => true): AsyncIterable<EventRecord> {
  for (let b = 0; b < summary.batches; b++) {
    const key = joinKey(jobKey, ...datasetFileName('events', b).split('/'));
    let row = 0;
    for (const batch of readArrowBatches(await store.read(key, { maxBytes: MAX_BATCH_FILE_BYTES }))) {
      for (const e of readEventRecords(batch, store.uriOf(key), row)) if (keep(e)) yield e;
      row += batch.numRows;
    }
  }
}

/** Writes the job's single-file reports into `target` (a folder of `to`); returns each file's digest. */
export async function exportJob(store: ObjectStore, jobKey: string, to: ObjectStore, target: string): Promise<Record<string, FileDigest>> {
  const summary = await readJobSummary(store, jobKey);
  const batches = Array.from({ length: summary.batches }, (_, b) => b);
  const read = (file: DatasetFile, b: number) => store.read(joinKey(jobKey, ...datasetFileName(file, b).split('/')), { maxBytes: MAX_BATCH_FILE_BYTES });
  const uriOf = (file: DatasetFile, b: number) => store.uriOf(joinKey(jobKey, ...datasetFileName(file, b).split('/')));
  const out = (name: string) => joinKey(target, name);
  const digests: Record<string, FileDigest> = {};
  digests['timeline.arrow'] = await writeHashed(to, out('timeline.arrow'), encodeArrowFile(TIMELINE_SCHEMA, (async function* () {
    // Batch files hold the ids and statuses as dictionaries, one per file: the single file holds them plain.
    for (const b of batches) for (const batch of readArrowBatches(await read('timeline', b))) yield plainBatch(batch, TIMELINE_SCHEMA, uriOf('timeline', b));
  })()));
  digests['events.arrow'] = await writeHashed(to, out('events.arrow'), encodeArrowFile(EVENTS_SCHEMA, (async function* () {
    for (const b of batches) for (const batch of readArrowBatches(await read('events', b))) yield plainBatch(batch, EVENTS_SCHEMA, uriOf('events', b));
  })()));
  // From the Arrow, which every job writes (its JSON lines only on request, events.lines).
  digests['events.jsonl'] = await writeHashed(to, out('events.jsonl'), textChunks((async function* () {
    for await (const e of readJobEvents(store, jobKey, summary)) yield `${renderEventLine(e)}\n`;
  })()));
  digests['summary.json'] = await writeHashed(to, out('summary.json'), textChunks((async function* () {
    const { job, inputs, rulesSources, thresholds, intrabar, window, totals } = summary;
    yield renderSummaryOpening({ job, inputs, rulesSources, thresholds, intrabar, window: { from: Date.parse(window.from), to: Date.parse(window.to), steps: window.steps } });
    let first = true;
    for (const b of batches) {
      const name = portfolioLinesFile(summary, false, b);
      const key = joinKey(jobKey, ...name.split('/'));
      const text = await readPortfolioLinesText(store.readStream(key), store.uriOf(key));
      for (const p of readPortfolioLines(text, store.uriOf(key))) {
        yield renderSummaryPortfolio(p, first);
        first = false;
      }
    }
    yield renderSummaryClosing(totals);
  })()));
  return digests;
}
