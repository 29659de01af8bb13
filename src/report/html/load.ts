import type { AccountStatus } from '../../domain/types.js';
import type { EventRecord } from '../../records/events/index.js';
import { readEventLines } from '../../records/events/jsonl.js';
import { readLines } from '../../records/lines.js';
import type { PortfolioSummary } from '../../records/portfolio-summary.js';
import { readSummary, type SummaryHead } from '../../records/summary.js';
import { describeEvent } from './describe-event.js';
import { addToDistribution, buildDistributionBins, NumberList, SmallestKeeper } from './distribution.js';
import { findReportThresholds } from './thresholds.js';
import { buildGrid, findInterval, readTimelineOnGrid, type Grid } from './timeline-pass.js';
import type { AtRiskRow, JobOutputFiles, ReportData, ReportThresholds, WorstPortfolio } from './types.js';

export interface LoadReportOptions {
  /** Portfolios (lowest minimum uniMMR first) that get a timeline and a drill-down. Default 10. */
  worstCount?: number;
  /** Status thresholds for the bands and the histogram. Default: those summary.json records (an error if it has none). */
  thresholds?: ReportThresholds;
  /** Most intervals on the time grid; a finer timeline is folded (minimum kept). Default 1000. */
  maxPoints?: number;
  /** Most rows of the at-risk table. Default 500. */
  atRiskLimit?: number;
  /** Most events kept per worst portfolio (the first of each kind). Default 200. */
  eventsPerPortfolio?: number;
}

const AT_RISK: ReadonlySet<string> = new Set(['MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED']);
const MAX_FAILURES = 20;

export type OkSummary = Extract<PortfolioSummary, { ok: true }>;

/** What one pass over summary.json keeps: bounded, whatever the number of portfolios. */
interface SummaryPass {
  head: SummaryHead;
  minima: NumberList;
  worst: SmallestKeeper<OkSummary>;
  atRisk: SmallestKeeper<OkSummary>;
  atRiskTotal: number;
  noMaintMargin: number;
  failures: ReportData['failures'];
  failuresTotal: number;
}

async function readSummaryPass(files: JobOutputFiles, worstCount: number, atRiskLimit: number): Promise<SummaryPass> {
  const pass: Omit<SummaryPass, 'head'> = { minima: new NumberList(), worst: new SmallestKeeper(worstCount), atRisk: new SmallestKeeper(atRiskLimit), atRiskTotal: 0, noMaintMargin: 0, failures: [], failuresTotal: 0 };
  const head = await readSummary(readLines(files.readStream('summary.json')), files.uriOf('summary.json'), (p) => {
    if (!p.ok) {
      pass.failuresTotal++;
      if (pass.failures.length < MAX_FAILURES) pass.failures.push({ index: p.index, portfolioId: p.portfolioId, error: p.error });
      return;
    }
    const u = p.minUniMMR === null ? null : Number(p.minUniMMR);
    if (u === null) pass.noMaintMargin++;
    else {
      pass.minima.push(u);
      pass.worst.offer(u, p.index, p);
    }
    if (p.worstStatus !== null && AT_RISK.has(p.worstStatus)) {
      pass.atRiskTotal++;
      pass.atRisk.offer(u ?? Number.POSITIVE_INFINITY, p.index, p);
    }
  });
  return { ...pass, head };
}

export function buildWorstPortfolios(worst: readonly OkSummary[], grid: Grid): WorstPortfolio[] {
  const empty = () => new Array<number | null>(grid.count).fill(null);
  return worst.map((p) => ({
    portfolioId: p.portfolioId, index: p.index, initialUniMMR: p.initialUniMMR, minUniMMR: p.minUniMMR!, minUniMMRTime: p.minUniMMRTime, worstStatus: p.worstStatus, finalStatus: p.finalStatus,
    liquidations: p.liquidations, liquidationFeesUSD: p.liquidationFeesUSD, bankrupt: p.bankrupt, bankruptcyLossUSD: p.bankruptcyLossUSD, finalAccountEquity: p.finalAccountEquity,
    uniMMR: empty(), accountEquity: empty(), actualEquity: empty(), maintMargin: empty(), events: [], eventsOmitted: 0, worstMoment: p.worst ?? null,
  }));
}

const SHOWN_TYPES: ReadonlySet<string> = new Set(['riskLevelChange', 'ordersCancelled', 'liquidationCancelled', 'liquidation', 'bankruptcy']);

/**
 * One pass over events.jsonl (every line read and checked: a line it cannot read fails the
 * report): liquidations and bankruptcies of every portfolio on the grid, the worst ones' story
 * (at most `perKind` events of each kind).
 */
async function readEventsOnGrid(files: JobOutputFiles, grid: Grid, worstById: ReadonlyMap<string, WorstPortfolio>, perKind: number): Promise<{ liquidations: number[]; bankruptcies: number[] }> {
  const liquidations = new Array<number>(grid.count).fill(0);
  const bankruptcies = new Array<number>(grid.count).fill(0);
  const addWorstEvent = worstEventsKeeper(worstById, perKind);
  for await (const e of readEventLines(readLines(files.readStream('events.jsonl')), files.uriOf('events.jsonl'))) {
    if (!SHOWN_TYPES.has(e.type)) continue;
    const g = findInterval(grid, e.time);
    if (g >= 0 && e.type === 'liquidation') liquidations[g]!++;
    if (g >= 0 && e.type === 'bankruptcy') bankruptcies[g]!++;
    addWorstEvent(e);
  }
  return { liquidations, bankruptcies };
}

/** Adds events (in file order) to the worst portfolios' stories, at most `perKind` of each kind each. */
export function worstEventsKeeper(worstById: ReadonlyMap<string, WorstPortfolio>, perKind: number): (e: EventRecord) => void {
  const keptByKind = new Map<string, number>();
  return (e) => {
    if (!SHOWN_TYPES.has(e.type)) return;
    const w = worstById.get(e.portfolioId);
    if (w === undefined) return;
    const kindKey = `${e.portfolioId}\u0000${e.type}`;
    const kept = keptByKind.get(kindKey) ?? 0;
    if (kept >= perKind) {
      w.eventsOmitted++;
      return;
    }
    keptByKind.set(kindKey, kept + 1);
    w.events.push(describeEvent(e)!);
  };
}

function buildAtRiskRows(s: SummaryPass, worst: readonly WorstPortfolio[]): AtRiskRow[] {
  const detailOf = new Map(worst.map((w, i) => [w.portfolioId, i]));
  return s.atRisk.items.map(({ item: p }) => ({
    portfolioId: p.portfolioId, minUniMMR: p.minUniMMR ?? 'null', minUniMMRTime: p.minUniMMRTime, worstStatus: p.worstStatus, liquidations: p.liquidations, bankrupt: p.bankrupt, detail: detailOf.get(p.portfolioId) ?? null,
  }));
}

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

/**
 * Gathers what report.html shows from a finished job's outputs (summary.json, timeline.arrow,
 * events.jsonl), reading each as a stream: memory holds the histogram, the grid's counts, a small
 * map per portfolio for the status counts, and the worst portfolios' detail.
 */
export async function loadReportData(files: JobOutputFiles, options: LoadReportOptions = {}): Promise<ReportData> {
  const summary = await readSummaryPass(files, options.worstCount ?? 10, options.atRiskLimit ?? 500);
  const { head } = summary;
  const thresholds = findReportThresholds(head, files.uriOf('summary.json'), options.thresholds);
  const distribution = buildDistributionBins(thresholds);
  for (let i = 0; i < summary.minima.length; i++) addToDistribution(distribution, summary.minima.values[i]!);

  const grid = buildGrid(Date.parse(head.window.from), Date.parse(head.window.to), head.job.timeline.resolution, options.maxPoints ?? 1000);
  const worst = buildWorstPortfolios(summary.worst.items.map((x) => x.item), grid);
  const worstById = new Map(worst.map((w) => [w.portfolioId, w]));
  const statusCounts = await readTimelineOnGrid(files, grid, worstById);
  const { liquidations, bankruptcies } = await readEventsOnGrid(files, grid, worstById, options.eventsPerPortfolio ?? 200);
  return {
    ...describeJob(head, summary.noMaintMargin),
    thresholds,
    intrabar: head.intrabar === true,
    distribution,
    grid: { times: Array.from({ length: grid.count }, (_, i) => grid.start + i * grid.intervalMs), intervalMs: grid.intervalMs },
    statusOverTime: { marginCall: statusCounts[0]!, reduceOnly: statusCounts[1]!, forceLiquidation: statusCounts[2]!, liquidations, bankruptcies },
    worst,
    atRisk: buildAtRiskRows(summary, worst),
    atRiskTotal: summary.atRiskTotal,
    failures: summary.failures,
    failuresTotal: summary.failuresTotal,
  };
}
