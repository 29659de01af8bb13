/**
 * Historical series (docs/formats.md) in memory: one long table, sorted by time, as flat columns.
 * `index` rows carry an asset's USD index price, `mark` rows a contract's mark price, `funding`
 * rows a realized funding rate applied at that time.
 */
export const SERIES_KINDS = ['index', 'mark', 'funding'] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];
export const SERIES_KIND_CODE: Readonly<Record<SeriesKind, number>> = { index: 0, mark: 1, funding: 2 };

export interface SeriesTable {
  /** Milliseconds since 1970 UTC, non-decreasing. */
  times: Float64Array;
  /** Index into `symbols` per row. */
  symbolIds: Int32Array;
  /** Asset (index rows) or contract symbol (mark and funding rows). */
  symbols: readonly string[];
  /** SERIES_KIND_CODE per row. */
  kinds: Uint8Array;
  values: Float64Array;
  /**
   * The bar's highest and lowest value per row (docs/formats.md "Price history table"), only on
   * index and mark rows, NaN on a row without them; both absent when the file has no such columns.
   * A replay evaluates the account at the bar's adverse extreme too (docs/margin-rules.md §7).
   */
  highs?: Float64Array;
  lows?: Float64Array;
}
