import { InputError } from '../../domain/errors.js';
import { streamArrowBatches } from '../../records/arrow.js';
import { datasetFileName, readPortfolioLines, type DatasetSummary } from '../../records/dataset.js';
import { EVENTS_SCHEMA, readEventRecords } from '../../records/events/arrow.js';
import { buildDistributionBins } from './distribution.js';
import { buildWorstPortfolios, describeJob, worstEventsKeeper, type OkSummary } from './load.js';
import type { ReportPartial } from './partial.js';
import { findReportThresholds } from './thresholds.js';
import { readTimelineOnGrid } from './timeline-pass.js';
import type { JobOutputFiles, ReportData, WorstPortfolio } from './types.js';

// report.html's data from a dataset job (src/records/dataset.ts): the job's reduced partial gives
// everything counted over all portfolios; only the worst portfolios' batches are read, for their
// summaries, timelines and events. What it reads is bounded by `worstCount` batches, whatever the job.

export interface DatasetReportOptions {
  /** Portfolios with a timeline and a drill-down (≤ the partials' REPORT_LIMITS.worst). Default 10. */
  worstCount?: number;
  /** Most rows of the at-risk table (≤ REPORT_LIMITS.atRisk). Default 500. */
  atRiskLimit?: number;
  /** Most events kept per worst portfolio (the first of each kind). Default 200. */
  eventsPerPortfolio?: number;
}

/** The worst portfolios' summaries, read from their batches' portfolio files, worst first. */
async function readWorstSummaries(files: JobOutputFiles, partial: ReportPartial, count: number): Promise<OkSummary[]> {
  const wanted = partial.worst.slice(0, count);
  const byBatch = new Map<number, OkSummary[]>();
  for (const batch of new Set(wanted.map((w) => w.item.batch))) {
    const name = datasetFileName('portfolios', batch);
    const text = await collectText(files.readStream(name));
    byBatch.set(batch, readPortfolioLines(text, files.uriOf(name)).filter((p): p is OkSummary => p.ok));
  }
  return wanted.map((w) => {
    const found = byBatch.get(w.item.batch)!.find((p) => p.index === w.order);
    if (found === undefined) throw new InputError(files.uriOf(datasetFileName('portfolios', w.item.batch)), '', `the summary of portfolio ${w.order + 1} (the partial ranks it among the worst)`, 'none');
    return found;
  });
}

async function collectText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return new TextDecoder().decode(Buffer.concat(parts));
}

/** Fills the worst portfolios' timelines and stories from their batches' timeline and event files. */
async function fillWorstDetail(files: JobOutputFiles, partial: ReportPartial, worst: readonly WorstPortfolio[], batchOf: ReadonlyMap<string, number>, perKind: number): Promise<void> {
  const addEvent = worstEventsKeeper(new Map(worst.map((w) => [w.portfolioId, w])), perKind);
  for (const batch of [...new Set(batchOf.values())].sort((a, b) => a - b)) {
    const here = new Map(worst.filter((w) => batchOf.get(w.portfolioId) === batch).map((w) => [w.portfolioId, w]));
    const timeline = datasetFileName('timeline', batch);
    await readTimelineOnGrid({ readStream: () => files.readStream(timeline), uriOf: () => files.uriOf(timeline) }, partial.grid, here);
    const events = datasetFileName('events', batch);
    let firstRow = 0;
    for await (const b of streamArrowBatches(files.readStream(events), EVENTS_SCHEMA)) {
      for (const e of readEventRecords(b, files.uriOf(events), firstRow)) if (here.has(e.portfolioId)) addEvent(e);
      firstRow += b.numRows;
    }
  }
}

/** ReportData of a dataset job from its summary and the reduction of its batches' partials. */
export async function loadDatasetReportData(files: JobOutputFiles, summary: DatasetSummary, partial: ReportPartial, options: DatasetReportOptions = {}): Promise<ReportData> {
  const thresholds = findReportThresholds({ ...summary, version: 1 }, files.uriOf('summary.json'));
  const distribution = buildDistributionBins(thresholds).map((b, i) => ({ ...b, count: partial.distribution[i] ?? 0 }));
  const worstSummaries = await readWorstSummaries(files, partial, options.worstCount ?? 10);
  const worst = buildWorstPortfolios(worstSummaries, partial.grid);
  const batchOf = new Map(partial.worst.slice(0, worst.length).map((w, i) => [worst[i]!.portfolioId, w.item.batch]));
  await fillWorstDetail(files, partial, worst, batchOf, options.eventsPerPortfolio ?? 200);
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
  };
}
