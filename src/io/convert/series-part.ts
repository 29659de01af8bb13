/** Rows taken from one input file, before merging; `rowPath` names a row's value cell in that file. */
export interface SeriesPart {
  src: string;
  times: Float64Array;
  values: Float64Array;
  symbols: readonly string[];
  symbolIds: Int32Array;
  kinds: Uint8Array;
  /** Bar highs and lows (NaN where a row has none), when the file has high and low columns (long tables) or they were asked for (candles). */
  highs?: Float64Array;
  lows?: Float64Array;
  rowPath: (i: number) => string;
  /** Rows left out because their value was missing (--skip-missing). */
  skipped: number;
  /**
   * Rows repeating a (symbol, kind, time) are one bar seen in pieces (a ticker file read chunk by
   * chunk): the later value wins and the extremes combine. Elsewhere a repeat is a merge conflict.
   */
  repeatsCombine?: boolean;
  /** How the rows were read, for the command's report. */
  note: string;
}
