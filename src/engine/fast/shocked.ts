import type { MarketTimeline } from '../../domain/market-timeline.js';

/**
 * A market timeline whose price matrix the caller writes: `steps` made-up markets (shocked copies of
 * one snapshot, say) of `seriesCount` series, series-major as MarketTimeline.freshValues has it
 * (series s's price at step k is at [s·steps + k]). It carries no history, funding or ticks: it is
 * only for calculateAccountSnapshots, which reads the price matrix and the number of steps.
 */
export function createPriceMatrixTimeline(seriesIds: ReadonlyMap<string, number>, steps: number): MarketTimeline {
  const seriesCount = seriesIds.size;
  const empty = new Int32Array(0);
  return {
    series: { times: new Float64Array(0), symbolIds: empty, symbols: [], kinds: new Uint8Array(0), values: new Float64Array(0) },
    from: 0,
    to: 0,
    stalenessMs: Number.POSITIVE_INFINITY,
    stepTimes: new Float64Array(steps),
    seriesIds,
    seriesCount,
    rowInForce: new Int32Array(steps * seriesCount).fill(-1),
    freshValues: new Float64Array(steps * seriesCount).fill(Number.NaN),
    fundingOffsets: new Int32Array(steps + 1),
    fundingRows: empty,
    fundingSteps: empty,
    hourTickSteps: empty,
    dayTickSteps: empty,
  };
}
