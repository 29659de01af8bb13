import { gzipSync } from 'node:zlib';
import { InputError } from '../domain/errors.js';
import { describePortfolioAt } from '../domain/json-fields.js';
import { encodeArrowFile } from '../io/arrow/report-tables.js';
import { parsePortfolio } from '../io/json/portfolio.js';
import { joinKey } from '../io/store/keys.js';
import type { ObjectStore, WriteBody } from '../io/store/types.js';
import type { Portfolio } from '../domain/types.js';
import { createFastBatch, findPortfolioCapacity } from '../engine/fast/batch.js';
import { findFastKernelRefusal } from '../engine/fast/refusal.js';
import { replayPortfolio } from '../replay/replay-portfolio.js';
import { createTopUpKeeper, findTopUp, renderTopUp, type TopUpPath } from '../risk/topup.js';
import { hasIntrabarExtremes } from '../replay/market-timeline.js';
import { buildEventsBatch, EVENTS_SCHEMA } from '../records/events/arrow.js';
import { renderEventRecord, type EventRecord, type ReplayEvent } from '../records/events/index.js';
import { renderEventLine } from '../records/events/jsonl.js';
import { renderPortfolioSummary, type PortfolioSummary, type StartDistance } from '../records/portfolio-summary.js';
import { addToJobTotals, emptyJobTotals, renderJobThresholds, type JobThresholds, type PartRun } from '../records/summary.js';
import { datasetFileName, renderPortfolioLines, type DatasetFile, type WorstPortfolioLine } from '../records/dataset.js';
import { findRulesAt } from '../rules/build.js';
import { calculateWorstStartRisk } from './worst-risk.js';
import { buildReportGrid, buildReportPartial, REPORT_LIMITS } from '../report/html/partial.js';
import { writeHashed, type FileDigest } from './hashed-write.js';
import { renderBatchPartial, type BatchPartial } from '../report/html/batch-partial.js';
import { buildTimelineBatchOfBlocks, STORED_TIMELINE_SCHEMA, type TimelineBlock } from '../records/timeline.js';
import type { BatchContext } from './context.js';
import { calculateStartDistances } from '../risk/start-distance.js';

/** One portfolio of a batch as planned: its raw document, or why it could not be read. */
export interface BatchItem {
  index: number;
  doc?: Record<string, unknown>;
  error?: string;
}

export interface BatchResult {
  batch: number;
  /** Each portfolio's timeline rows, in the order replayed (buildTimelineBatchOfBlocks writes them). */
  timeline: TimelineBlock[];
  events: EventRecord[];
  portfolios: PortfolioSummary[];
  /** Portfolio-steps evaluated. */
  steps: number;
  /** The thresholds the batch ran with: summary.json records them for the report. */
  thresholds: JobThresholds;
  /** The price history carries bar extremes in the window (summary.json's `intrabar`). */
  intrabar: boolean;
  /** The portfolios as parsed, by input index: the worst ones' start risk is evaluated on them. */
  parsed: Map<number, Portfolio>;
}

/** Reads the id of a document that failed to parse, if it has a usable one. */
const idOf = (doc: Record<string, unknown> | undefined) => (typeof doc?.id === 'string' ? doc.id : null);

/**
 * The message of a portfolio that failed to parse or replay: the portfolio file, the portfolio's
 * position (from 1) and id, then the cause (docs/formats.md#errors). A cause about the portfolio
 * document itself is already reported against the portfolio file; one about the price history
 * (source "prices") is named by its URI; one about the rules keeps "rules" (defaults and the job's
 * files merged).
 */
export function describePortfolioFailure(portfolios: string, prices: string, item: BatchItem, e: InputError): string {
  const label = describePortfolioAt(item.index, item.doc?.id);
  const cause = e.source === portfolios ? e.message.slice(portfolios.length + 2) : e.source === 'prices' ? e.withSource(prices).message : e.message;
  return `${portfolios}: ${label}: ${cause}`;
}

/**
 * The message of a portfolio that met an internal error (a bug, not bad input): it fails alone, the
 * message naming it so the bug can be reproduced with that portfolio; one line, no stack.
 */
export function describeInternalFailure(portfolios: string, item: BatchItem, e: unknown): string {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `${portfolios}: ${describePortfolioAt(item.index, item.doc?.id)}: internal error (a bug: please report it with this portfolio): ${what.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}

const describeFailure = (ctx: BatchContext, item: BatchItem, e: unknown) =>
  e instanceof InputError ? describePortfolioFailure(ctx.spec.portfolios, ctx.spec.prices, item, e) : describeInternalFailure(ctx.spec.portfolios, item, e);

/**
 * Replays one batch. A portfolio that cannot be read or replayed fails alone — bad input or an
 * internal error alike: its summary line says why, and the rest of the batch goes on.
 */
export function replayBatch(ctx: BatchContext, batch: number, items: readonly BatchItem[], onPortfolioDone?: (steps: number) => void): BatchResult {
  const replay = startBatchReplay(ctx, batch, items, onPortfolioDone);
  while (replay.replayNext());
  return replay.finish();
}

/**
 * replayBatch a portfolio at a time, for a caller that does something else between portfolios
 * (the local runner lets the previous batch's writes go on): `replayNext()` replays the next
 * portfolio and says whether there was one, `finish()` gives the batch's result.
 */
export interface BatchReplay {
  replayNext(): boolean;
  finish(): BatchResult;
}

export function startBatchReplay(ctx: BatchContext, batch: number, items: readonly BatchItem[], onPortfolioDone?: (steps: number) => void): BatchReplay {
  const result: BatchResult = { batch, timeline: [], events: [], portfolios: [], steps: 0, thresholds: renderJobThresholds(ctx.rules.base.thresholds, ctx.spec.rules), intrabar: hasIntrabarExtremes(ctx.timeline), parsed: new Map() };
  const fail = (item: BatchItem, error: string) => {
    result.portfolios.push({ portfolioId: idOf(item.doc), index: item.index, ok: false, error });
    onPortfolioDone?.(0);
  };
  // Parse the whole batch first: the kernel's arrays are sized for it at once.
  const parsed: { item: BatchItem; portfolio: Portfolio; refusal: string | undefined }[] = [];
  for (const item of items) {
    if (item.error !== undefined || item.doc === undefined) {
      fail(item, item.error ?? 'no document');
      continue;
    }
    try {
      const portfolio = parsePortfolio(item.doc, ctx.rules.base, ctx.spec.portfolios);
      const refusal = ctx.spec.engine === 'exact' ? 'engine exact' : findFastKernelRefusal(portfolio, ctx.rules);
      if (refusal !== undefined && ctx.spec.engine === 'fast') fail(item, `${ctx.spec.portfolios}: ${describePortfolioAt(item.index, portfolio.id)}: the fast kernel cannot replay it: ${refusal} (use engine auto or exact)`);
      else {
        parsed.push({ item, portfolio, refusal });
        result.parsed.set(item.index, portfolio);
      }
    } catch (e) {
      fail(item, describeFailure(ctx, item, e));
    }
  }
  const fastOnes = parsed.filter((x) => x.refusal === undefined);
  const capacities = fastOnes.map((x) => findPortfolioCapacity(x.portfolio));
  const fastBatch = fastOnes.length > 0 ? createFastBatch(ctx.flatTables, capacities) : undefined;
  const slotOf = new Map(fastOnes.map((x, i) => [x, i]));

  const replayOne = (x: (typeof parsed)[number]) => {
    try {
      const slot = slotOf.get(x);
      const fast = slot === undefined ? undefined : { batch: fastBatch!, index: slot, capacity: capacities[slot]!, seriesId: ctx.seriesId };
      // Before the replay, on the portfolio as its document gives it.
      const start = findStartDistance(ctx, x.portfolio);
      // With the top-up, the replay keeps the accounts its held replays start from (createTopUpKeeper).
      const keep = ctx.spec.risk.topUp === undefined ? undefined : createTopUpKeeper(ctx.spec.risk.topUp);
      const r = replayPortfolio(x.portfolio, ctx.book, ctx.rules, ctx.options, fast, { keep });
      if (x.refusal !== undefined && ctx.spec.engine === 'auto') r.warnings.push(`replayed by the exact engine: the fast kernel cannot take it (${x.refusal})`);
      result.timeline.push(r.timelineBlock);
      for (const e of r.events) if (ctx.spec.events.ledger || !isPayment(e)) result.events.push(renderEventRecord(r.portfolioId, e));
      const line = renderPortfolioSummary(r, x.item.index, fast === undefined ? 'exact' : 'fast');
      if (line.ok && start?.distances !== undefined) {
        line.startDistance = start.distances[0]!;
        if (start.distances.length > 1) line.otherStartDistances = start.distances.slice(1);
      }
      if (line.ok && start?.warning !== undefined) line.warnings.push(start.warning);
      if (ctx.spec.risk.topUp !== undefined && line.ok) line.topUp = renderTopUp(findTopUp(x.portfolio, topUpPathOf(ctx, fast !== undefined), ctx.spec.risk.topUp, r, keep?.kept));
      result.portfolios.push(line);
      result.steps += r.steps;
      onPortfolioDone?.(r.steps);
    } catch (e) {
      fail(x.item, describeFailure(ctx, x.item, e));
    }
  };
  let next = 0;
  return {
    replayNext: () => {
      if (next >= parsed.length) return false;
      replayOne(parsed[next++]!);
      return true;
    },
    finish: () => {
      while (next < parsed.length) replayOne(parsed[next++]!);
      // Failures were recorded as they came; the summary lists portfolios in input order.
      result.portfolios.sort((a, b) => a.index - b.index);
      return result;
    },
  };
}

/** The job's path for the top-up's held replays: the kernel where the portfolio's own replay used it. */
const topUpPathOf = (ctx: BatchContext, fast: boolean): TopUpPath => ({ book: ctx.book, rules: ctx.rules, options: ctx.options, ...(fast ? { fast: { tables: ctx.flatTables, seriesId: ctx.seriesId } } : {}) });

/**
 * The distance at the start (docs/risk.md "In a job"), when the job asks for it: family all and the
 * other families asked for, at the first step's market and rules, the portfolio as its document
 * gives it. A portfolio whose market lacks a price there (its series begins later) gets a warning
 * instead.
 */
function findStartDistance(ctx: BatchContext, portfolio: Portfolio): { distances?: StartDistance[]; warning?: string } | undefined {
  const o = ctx.spec.risk.distance;
  if (o === undefined || ctx.timeline.stepTimes.length === 0) return undefined;
  try {
    return { distances: calculateStartDistances(portfolio, ctx.book.marketAt(0), findRulesAt(ctx.rules, ctx.timeline.stepTimes[0]!), o) };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { warning: `no startDistance: ${e.message}` };
  }
}

/**
 * Funding and interest payments, one per leg every funding time and per loan every hour: the bulk of
 * a job's events, recorded only when the job asks for the ledger (`events.ledger`); otherwise the
 * summary's totals and the timeline's cash flow say what they came to.
 */
const isPayment = (e: ReplayEvent) => e.type === 'funding' || e.type === 'interest';

/**
 * Batch files are written LZ4-compressed, the timeline's ids and statuses as dictionaries: 43 % of
 * the plain files' bytes, and less CPU than they took, the dictionaries being cheaper to build than
 * the strings' UTF-8 (docs/performance.md "Output size"); `pmbt export` writes its single files plain.
 */
const COMPRESSED = { compress: true };

/**
 * Summary lines gzip'd (zcat and pandas read them): ~5× smaller. Node's gzip header has no time and
 * a fixed OS byte, so rewriting a batch gives the same bytes.
 */
const gzipText = (text: string) => gzipSync(text);

/**
 * The worst portfolios' lines with their risk at the job's start market (the first step's prices
 * and the rules in force then): what the report's risk chart and heat map show. None when the
 * window has no step or the job does not ask for `risk.startRisk`.
 */
function addStartRisk(ctx: BatchContext, result: BatchResult, portfolios: readonly PortfolioSummary[]): WorstPortfolioLine[] {
  const start = ctx.timeline.stepTimes[0];
  // ~40 ms a portfolio on the exact engine (243 evaluations): only when the job asks for it
  // (risk.startRisk, or risk.distance given in its spec), since by default it would cost more than
  // the batch's replay.
  if (start === undefined || ctx.spec.risk.startRisk !== true) return [...portfolios];
  const market = ctx.book.marketAt(0);
  const rules = findRulesAt(ctx.rules, start);
  return portfolios.map((p) => {
    const portfolio = p.ok ? result.parsed.get(p.index) : undefined;
    return portfolio === undefined ? p : { ...p, startRisk: calculateWorstStartRisk(portfolio, market, rules) };
  });
}

/**
 * The batch's worst portfolios' summary lines (with their start risk), timeline rows and events,
 * beside its partial: what the report needs of them, so the finishing step never reads a whole
 * batch file for its page.
 */
async function writeWorstDetail(store: ObjectStore, jobKey: string, ctx: BatchContext, result: BatchResult, worstIndexes: readonly number[]): Promise<void> {
  const wanted = new Set(worstIndexes);
  const portfolios = result.portfolios.filter((p) => wanted.has(p.index));
  const ids = new Set(portfolios.map((p) => p.portfolioId));
  const key = (file: DatasetFile) => joinKey(jobKey, ...datasetFileName(file, result.batch).split('/'));
  await settleAll([
    store.write(key('worstPortfolios'), gzipText(renderPortfolioLines(addStartRisk(ctx, result, portfolios)))),
    store.write(key('worstTimeline'), encodeArrowFile(STORED_TIMELINE_SCHEMA, [buildTimelineBatchOfBlocks(result.timeline.filter((b) => ids.has(b.portfolioId)), true)], COMPRESSED)),
    store.write(key('worstEvents'), encodeArrowFile(EVENTS_SCHEMA, [buildEventsBatch(result.events.filter((e) => ids.has(e.portfolioId)))], COMPRESSED)),
  ]);
}

/**
 * Waits for every write, then throws the first failure: each write, failed or not, has finished
 * (its temporary file removed) before the batch's own promise settles.
 */
async function settleAll(writes: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
}

/** The report's time grid for the job (the same for every batch: the partials add up on it). */
export const reportGridOf = (ctx: BatchContext) => buildReportGrid(ctx.timeline.from, ctx.timeline.to, ctx.spec.resolutionMs);

/**
 * Writes a batch's share of the job's reports — its portfolios' summary lines, timeline rows,
 * events (Arrow, and JSON lines when the job asks for them) — into the dataset folders, then its partial last, so a batch
 * counts as done only when its partial exists. Rewriting a batch in the same run gives the same bytes.
 */
export async function writeBatchShare(store: ObjectStore, jobKey: string, ctx: BatchContext, result: BatchResult, run: PartRun): Promise<void> {
  // The data files are written at once, their waits on the store overlapping; `files` keeps their
  // order (the partial's bytes must not depend on which write ends first).
  const files: Record<string, FileDigest> = {};
  const writes: Promise<void>[] = [];
  const put = (file: DatasetFile, body: WriteBody) => {
    const name = datasetFileName(file, result.batch);
    files[name] = { bytes: 0, sha256: '' };
    writes.push(writeHashed(store, joinKey(jobKey, ...name.split('/')), body).then((digest) => {
      files[name] = digest;
    }));
  };
  put('portfolios', gzipText(renderPortfolioLines(result.portfolios)));
  put('timeline', encodeArrowFile(STORED_TIMELINE_SCHEMA, [buildTimelineBatchOfBlocks(result.timeline, true)], COMPRESSED));
  put('events', encodeArrowFile(EVENTS_SCHEMA, [buildEventsBatch(result.events)], COMPRESSED));
  // events.arrow is the record; its JSON lines only on request (`pmbt events` prints them from the Arrow).
  if (ctx.spec.events.lines) put('eventLines', result.events.map((r) => `${renderEventLine(r)}\n`).join(''));
  const totals = emptyJobTotals();
  for (const p of result.portfolios) addToJobTotals(totals, p);
  totals.portfolioSteps = result.steps;
  const report = buildReportPartial(result.batch, result.portfolios, result.timeline, result.events, reportGridOf(ctx), result.thresholds);
  writes.push(writeWorstDetail(store, jobKey, ctx, result, report.worst.slice(0, REPORT_LIMITS.worstDetail).map((w) => w.order)));
  await settleAll(writes);
  const partial: BatchPartial = { version: 1, run, batch: result.batch, steps: result.steps, thresholds: result.thresholds, intrabar: result.intrabar, totals, files, report };
  await store.write(joinKey(jobKey, ...datasetFileName('partial', result.batch).split('/')), renderBatchPartial(partial));
}
