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
  /**
   * The bars' extremes, when the history carries high/low (docs/margin-rules.md §7 "Intrabar
   * extremes"); absent otherwise.
   */
  extremes?: MarketExtremes;
}

/**
 * Each series' bar low and high per step, where the row in force at a step is that step's own row
 * (a carried-forward row's bar is history) and carries them; elsewhere its fresh value.
 */
export interface MarketExtremes {
  /**
   * `freshValues`, then the lows, then the highs, series-major with the same layout: series s's
   * low at step k is at [(seriesCount + s)·steps + k], its high at [(2·seriesCount + s)·steps + k]
   * (NaN where the fresh value is). The fast kernel reads it as its price matrix with a series id
   * moved to s + seriesCount (low) or s + 2·seriesCount (high).
   */
  values: Float64Array;
  /** Sorted steps at which some series has a bar extreme. */
  steps: Int32Array;
}
