import type { Portfolio, Rules } from '../../src/domain/types.js';
import { loadPortfolio, type FastBatch } from '../../src/engine/fast/batch.js';
import { buildMarketTimeline, type MarketTimeline } from '../../src/replay/market-timeline.js';
import type { FastSlot } from '../../src/replay/replay-portfolio.js';
import { fastSlotsOf } from './fast.js';
import { seriesOf, type SeriesRow } from './series.js';

export const STEP_TIME = Date.UTC(2024, 5, 1);

/**
 * A one-step market timeline with these index and mark prices (the strings marketOf takes, so the
 * exact engine can be given the same market).
 */
export function oneStepTimeline(indexPrices: Record<string, string>, markPrices: Record<string, string> = {}): MarketTimeline {
  const rows: SeriesRow[] = [
    ...Object.entries(indexPrices).map(([s, v]): SeriesRow => [STEP_TIME, s, 'index', Number(v)]),
    ...Object.entries(markPrices).map(([s, v]): SeriesRow => [STEP_TIME, s, 'mark', Number(v)]),
  ];
  return buildMarketTimeline(seriesOf(rows), { stalenessMs: 60_000 });
}

/** One fast batch for `portfolios` over `timeline`, each portfolio loaded into its slot (as a replay loads it). */
export function loadedBatch(portfolios: readonly Portfolio[], rules: Rules, timeline: MarketTimeline): { batch: FastBatch; slots: FastSlot[] } {
  const slots = fastSlotsOf(portfolios, rules, timeline);
  const batch = slots[0]!.batch;
  portfolios.forEach((p, i) => loadPortfolio(batch, i, p, rules, slots[i]!.seriesId, slots[i]!.capacity));
  return { batch, slots };
}
