import type { Portfolio, Rules } from '../../src/domain/types.js';
import { createFastBatch, findPortfolioCapacity } from '../../src/engine/fast/batch.js';
import { flattenRuleTables } from '../../src/engine/fast/tables.js';
import { seriesKey, type MarketTimeline } from '../../src/replay/market-timeline.js';
import type { FastSlot } from '../../src/replay/replay-portfolio.js';

/** One fast batch for `portfolios` over `timeline`, and each portfolio's slot in it (as replayBatch makes them). */
export function fastSlotsOf(portfolios: readonly Portfolio[], rules: Rules, timeline: MarketTimeline): FastSlot[] {
  const capacities = portfolios.map(findPortfolioCapacity);
  const batch = createFastBatch(flattenRuleTables(rules), capacities);
  const seriesId = (kind: 'index' | 'mark', name: string) => timeline.seriesIds.get(seriesKey(kind, name)) ?? -1;
  return capacities.map((capacity, index) => ({ batch, index, capacity, seriesId }));
}
