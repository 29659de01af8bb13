import type { SeriesTable } from './series.js';

/**
 * The price history indexed for a replay, shared read-only by every portfolio of a batch (and by
 * the fast kernel): the replay's steps are the distinct times at which an index or mark price
 * changes within [from, to]; for each step and each series the row in force (the latest at or
 * before the step); and, per step, the funding rows that fall since the previous step.
 */
export interface MarketTimeline {
  series: SeriesTable;
  from: number;
  to: number;
  stalenessMs: number;
  /** Step times, ms, strictly increasing. */
  stepTimes: Float64Array;
  /** Series id per `kind:symbol` ("index:BTC", "mark:BTCUSDT", "funding:BTCUSDT"). */
  seriesIds: ReadonlyMap<string, number>;
  seriesCount: number;
  /** [step·seriesCount + seriesId] → row in force at that step, or −1 before the first row. */
  rowInForce: Int32Array;
  /**
   * [seriesId·steps + step] → the price in force at that step, NaN when missing or stale: the
   * fast kernel's one load per price (the staleness test is folded in once, here). Series-major,
   * so the kernel's loops over time read consecutive prices.
   */
  freshValues: Float64Array;
  /** Funding rows applied at step k: fundingRows[fundingOffsets[k] .. fundingOffsets[k+1]). */
  fundingOffsets: Int32Array;
  fundingRows: Int32Array;
  /**
   * Sorted steps at which something time-driven may happen (the replay finds a portfolio's next
   * eventful step from these rather than testing every step): steps with funding rows, and steps
   * that pass an hour or a UTC day boundary since the previous step (the first step: since `from`).
   */
  fundingSteps: Int32Array;
  hourTickSteps: Int32Array;
  dayTickSteps: Int32Array;
}
