import type { AccountStatus } from '../../domain/types.js';
import { InputError } from '../../domain/errors.js';
import { parseJsonText, readObject } from '../../domain/json-fields.js';
import { streamArrowBatches } from '../../records/arrow.js';
import { datasetFileName, portfolioLinesFile, readDatasetSummary, readPortfolioLines, readPortfolioLinesText, readWorstStartRisk, type DatasetFile, type DatasetSummary } from '../../records/dataset.js';
import { EVENTS_SCHEMA, readEventRecords } from '../../records/events/arrow.js';
import { collectText } from '../../records/lines.js';
import { findPartRunMismatch, type SummaryHead } from '../../records/summary.js';
import { reduceBatchPartials } from './batch-partial.js';
import { buildDistributionBins } from './distribution.js';
import { buildReportGrid, emptyReportPartial, REPORT_LIMITS, type ReportPartial } from './partial.js';
import { findReportThresholds } from './thresholds.js';
import { readTimelineOnGrid } from './timeline-pass.js';
import type { JobOutputFiles, ReportData, WorstPortfolio } from './types.js';
import { buildWorstPortfolios, EVENTS_PER_KIND, worstEventsKeeper, type OkSummary, type WorstSummary } from './worst.js';

// What report.html shows, from a finished job's dataset (src/records/dataset.ts): its summary.json,
// the reduction of its batches' partials (everything counted over all portfolios) and, for the
// worst portfolios only, their batches' summary lines, timelines and events. What it reads beyond
// the partials is bounded by `worstCount` batches, whatever the job.

export interface DatasetReportOptions {
  /** Portfolios with a timeline and a drill-down (≤ the partials' REPORT_LIMITS.worst). Default 10. */
  worstCount?: number;
  /** Most rows of the at-risk table (≤ REPORT_LIMITS.atRisk). Default 500. */
  atRiskLimit?: number;
  /** Most events kept per worst portfolio (the first of each kind). Default 200. */
  eventsPerPortfolio?: number;
}

export type { OkSummary } from './worst.js';

/** ReportData's job-level parts, from summary.json's head. */
export function describeJob(head: SummaryHead, noMaintMargin: number): Pick<ReportData, 'version' | 'jobId' | 'job' | 'window' | 'totals' | 'inputs' | 'rulesSources'> {
  const { job, totals } = head;
  return {
    version: 1,
    jobId: job.jobId,
    job: {
      prices: job.prices, portfolios: job.portfolios, rules: job.rules, from: head.window.from, to: head.window.to, resolutionMs: job.timeline.resolution,
      liquidation: { policy: job.liquidation.policy, slippage: job.liquidation.slippage, target: job.liquidation.target },
    },
    window: { from: Date.parse(head.window.from), to: Date.parse(head.window.to), steps: head.window.steps },
    totals: {
      portfolios: totals.portfolios, ok: totals.ok, failed: totals.failed, liquidated: totals.liquidated, bankrupt: totals.bankrupt,
      worstStatus: totals.worstStatus as Partial<Record<AccountStatus, number>>, liquidationFeesUSD: totals.liquidationFeesUSD, bankruptcyLossUSD: totals.bankruptcyLossUSD, noMaintMargin,
    },
    inputs: [
      { ...head.inputs.prices, role: 'prices' },
      { ...head.inputs.portfolios, role: 'portfolios' },
      ...head.inputs.rules.map((r) => ({ ...r, role: 'rules' })),
    ],
    rulesSources: head.rulesSources,
  };
}

/** The worst portfolios' summaries, read from their batches' portfolio files, worst first. */
/**
 * Where the worst portfolios' detail is read from: each batch wrote its own worst few beside its
 * partial (small); a page with more of them in detail reads the batches' whole files.
 */
function detailFiles(count: number): { timeline: DatasetFile; events: DatasetFile } {
  return count <= REPORT_LIMITS.worstDetail ? { timeline: 'worstTimeline', events: 'worstEvents' } : { timeline: 'timeline', events: 'events' };
}

/** Where the worst portfolios' summary lines are read from (as detailFiles), gzip'd or plain as the job wrote them. */
const detailLinesFile = (summary: DatasetSummary, count: number, batch: number) => portfolioLinesFile(summary, count <= REPORT_LIMITS.worstDetail, batch);

/** A worst line's risk fields: the summary's optional startDistance and topUp (checked with the line), the worst side file's startRisk. */
function readWorstRiskFields(p: OkSummary, file: string): WorstSummary {
  const where = `portfolio ${p.index + 1} (${p.portfolioId})`;
  const startRisk = readWorstStartRisk((p as OkSummary & { startRisk?: unknown }).startRisk, file, `${where}.startRisk`) ?? null;
  return { ...p, startDistance: p.startDistance ?? null, topUp: p.topUp ?? null, startRisk };
}

async function readWorstSummaries(files: JobOutputFiles, summary: DatasetSummary, partial: ReportPartial, count: number): Promise<WorstSummary[]> {
  const wanted = partial.worst.slice(0, count);
  const byBatch = new Map<number, WorstSummary[]>();
  for (const batch of new Set(wanted.map((w) => w.item.batch))) {
    const name = detailLinesFile(summary, count, batch);
    const text = await readPortfolioLinesText(files.readStream(name), files.uriOf(name));
    byBatch.set(batch, readPortfolioLines(text, files.uriOf(name)).filter((p): p is OkSummary => p.ok).map((p) => readWorstRiskFields(p, files.uriOf(name))));
  }
  return wanted.map((w) => {
    const found = byBatch.get(w.item.batch)!.find((p) => p.index === w.order);
    if (found === undefined) throw new InputError(files.uriOf(detailLinesFile(summary, count, w.item.batch)), '', `the summary of portfolio ${w.order + 1} (the partial ranks it among the worst)`, 'none');
    return found;
  });
}

/** Fills the worst portfolios' timelines and stories from their batches' timeline and event files. */
async function fillWorstDetail(files: JobOutputFiles, partial: ReportPartial, worst: readonly WorstPortfolio[], batchOf: ReadonlyMap<string, number>, perKind: number): Promise<void> {
  const addEvent = worstEventsKeeper(new Map(worst.map((w) => [w.portfolioId, w])), perKind);
  const kinds = detailFiles(worst.length);
  for (const batch of [...new Set(batchOf.values())].sort((a, b) => a - b)) {
    const here = new Map(worst.filter((w) => batchOf.get(w.portfolioId) === batch).map((w) => [w.portfolioId, w]));
    const timeline = datasetFileName(kinds.timeline, batch);
    await readTimelineOnGrid(files, timeline, partial.grid, here);
    const events = datasetFileName(kinds.events, batch);
    let firstRow = 0;
    for await (const b of streamArrowBatches(files.readStream(events), EVENTS_SCHEMA)) {
      for (const e of readEventRecords(b, files.uriOf(events), firstRow)) if (here.has(e.portfolioId)) addEvent(e);
      firstRow += b.numRows;
    }
  }
}

/** ReportData of a dataset job from its summary and the reduction of its batches' partials. */
export async function loadDatasetReportData(files: JobOutputFiles, summary: DatasetSummary, reduced: ReportPartial | undefined, options: DatasetReportOptions = {}): Promise<ReportData> {
  const thresholds = findReportThresholds({ ...summary, version: 1 }, files.uriOf('summary.json'));
  // A job without portfolios has no partial: an empty one on the job's grid.
  const partial = reduced ?? emptyReportPartial(buildReportGrid(Date.parse(summary.window.from), Date.parse(summary.window.to), summary.job.timeline.resolution), thresholds);
  const distribution = buildDistributionBins(thresholds).map((b, i) => ({ ...b, count: partial.distribution[i] ?? 0 }));
  const worstSummaries = await readWorstSummaries(files, summary, partial, options.worstCount ?? 10);
  const worst = buildWorstPortfolios(worstSummaries, partial.grid);
  const batchOf = new Map(partial.worst.slice(0, worst.length).map((w, i) => [worst[i]!.portfolioId, w.item.batch]));
  await fillWorstDetail(files, partial, worst, batchOf, options.eventsPerPortfolio ?? EVENTS_PER_KIND);
  const detailOf = new Map(worst.map((w, i) => [w.portfolioId, i]));
  const grid = partial.grid;
  return {
    ...describeJob({ ...summary, version: 1 }, partial.noMaintMargin),
    thresholds,
    intrabar: summary.intrabar === true,
    distribution,
    grid: { times: Array.from({ length: grid.count }, (_, i) => grid.start + i * grid.intervalMs), intervalMs: grid.intervalMs },
    statusOverTime: { marginCall: partial.statusCounts[0], reduceOnly: partial.statusCounts[1], forceLiquidation: partial.statusCounts[2], liquidations: partial.liquidations, bankruptcies: partial.bankruptcies },
    worst,
    atRisk: partial.atRisk.slice(0, options.atRiskLimit ?? 500).map(({ item }) => ({ ...item, detail: detailOf.get(item.portfolioId) ?? null })),
    atRiskTotal: partial.atRiskTotal,
    failures: partial.failures,
    failuresTotal: partial.failuresTotal,
    ...(summary.moved === undefined ? {} : { moved: summary.moved }),
  };
}


/**
 * ReportData of a finished job read through `files` (`pmbt report`): its partials must be those of
 * the run its completion marker names, from the inputs its summary.json lists.
 */
export async function loadReportData(files: JobOutputFiles, options: DatasetReportOptions = {}): Promise<ReportData> {
  const summary = readDatasetSummary(await collectText(files.readStream('summary.json')), files.uriOf('summary.json'));
  const markerUri = files.uriOf('_SUCCESS');
  const marker = readObject(markerUri, '', parseJsonText(markerUri, await collectText(files.readStream('_SUCCESS'))));
  const runId = readObject(markerUri, 'run', marker.run).runId;
  const reduced = await reduceBatchPartials(files, summary.batches, (p, uri) => {
    if (findPartRunMismatch(p.run, String(runId), summary.inputs) !== undefined) throw new InputError(uri, 'run', `a partial of run ${String(runId)} from the inputs summary.json lists (the job as _SUCCESS names it)`, `run ${p.run.runId}`);
  });
  return loadDatasetReportData(files, summary, reduced.report, options);
}
