import type { EventRecord } from '../../records/events/index.js';
import type { PortfolioSummary } from '../../records/portfolio-summary.js';
import { describeEvent } from './describe-event.js';
import type { Grid } from './timeline-pass.js';
import type { WorstPortfolio } from './types.js';

// The worst portfolios' detail on the report's page: their summary and the events worth showing
// (their timelines are put on the grid by timeline-pass.ts).

export type OkSummary = Extract<PortfolioSummary, { ok: true }>;

/** A worst portfolio's summary with what the report shows of its risk (each null when the job's files lack it). */
export type WorstSummary = Omit<OkSummary, 'startDistance' | 'topUp'> & Pick<WorstPortfolio, 'startDistance' | 'topUp' | 'startRisk'>;

/** Events per kind kept for each worst portfolio (the first ones). */
export const EVENTS_PER_KIND = 200;

export function buildWorstPortfolios(worst: readonly WorstSummary[], grid: Grid): WorstPortfolio[] {
  const empty = () => new Array<number | null>(grid.count).fill(null);
  return worst.map((p) => ({
    portfolioId: p.portfolioId, index: p.index, initialUniMMR: p.initialUniMMR, minUniMMR: p.minUniMMR!, minUniMMRTime: p.minUniMMRTime, worstStatus: p.worstStatus, finalStatus: p.finalStatus,
    liquidations: p.liquidations, liquidationFeesUSD: p.liquidationFeesUSD, bankrupt: p.bankrupt, bankruptcyLossUSD: p.bankruptcyLossUSD, finalAccountEquity: p.finalAccountEquity,
    uniMMR: empty(), accountEquity: empty(), actualEquity: empty(), maintMargin: empty(), events: [], eventsOmitted: 0, worstMoment: p.worst ?? null,
    startDistance: p.startDistance, topUp: p.topUp, startRisk: p.startRisk,
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
