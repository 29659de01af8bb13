import type { EventRecord } from '../../records/events/index.js';
import type { PortfolioSummary } from '../../records/portfolio-summary.js';
import type { TimelineRow } from '../../records/timeline.js';
import { describeEvent, round6 } from './describe-event.js';
import { findInterval, type Grid } from './timeline-pass.js';
import type { WorstPortfolio } from './types.js';

// The worst portfolios' detail on the report's page: their summary, their timeline on the time
// grid (an interval keeps its lowest uniMMR) and the events worth showing. Built from a batch's own
// rows when it writes its partial, or from a finished job's batch files.

export type OkSummary = Extract<PortfolioSummary, { ok: true }>;

/** Events per kind kept for each worst portfolio (the first ones). */
export const EVENTS_PER_KIND = 200;

export function buildWorstPortfolios(worst: readonly OkSummary[], grid: Grid): WorstPortfolio[] {
  const empty = () => new Array<number | null>(grid.count).fill(null);
  return worst.map((p) => ({
    portfolioId: p.portfolioId, index: p.index, initialUniMMR: p.initialUniMMR, minUniMMR: p.minUniMMR!, minUniMMRTime: p.minUniMMRTime, worstStatus: p.worstStatus, finalStatus: p.finalStatus,
    liquidations: p.liquidations, liquidationFeesUSD: p.liquidationFeesUSD, bankrupt: p.bankrupt, bankruptcyLossUSD: p.bankruptcyLossUSD, finalAccountEquity: p.finalAccountEquity,
    uniMMR: empty(), accountEquity: empty(), actualEquity: empty(), maintMargin: empty(), events: [], eventsOmitted: 0, worstMoment: p.worst ?? null,
  }));
}

const SHOWN_TYPES: ReadonlySet<string> = new Set(['riskLevelChange', 'ordersCancelled', 'liquidationCancelled', 'liquidation', 'bankruptcy']);

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


/** Puts a portfolio's timeline rows (its own, in time order) on the grid, the interval minimum kept, as timeline-pass does for Arrow rows. */
export function addWorstTimelineRows(w: WorstPortfolio, grid: Grid, rows: readonly TimelineRow[]): void {
  const marked = new Uint8Array(grid.count);
  for (const r of rows) {
    const g = findInterval(grid, r.time);
    if (g < 0) continue;
    const cur = w.uniMMR[g];
    if (marked[g] === 0 || (r.uniMMR !== null && (cur === null || r.uniMMR < cur!))) {
      marked[g] = 1;
      w.uniMMR[g] = r.uniMMR === null ? null : round6(r.uniMMR);
      w.accountEquity[g] = round6(r.accountEquity);
      w.actualEquity[g] = round6(r.actualEquity);
      w.maintMargin[g] = round6(r.maintMargin);
    }
  }
}
