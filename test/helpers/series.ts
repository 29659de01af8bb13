import { SERIES_KIND_CODE, type SeriesKind, type SeriesTable } from '../../src/domain/series.js';

/** A row; index and mark rows may add their bar's high and low. */
export type SeriesRow = [time: number, symbol: string, kind: SeriesKind, value: number, high?: number, low?: number];

/** A SeriesTable from rows (sorted here by time, stable); with highs and lows when some row has them (NaN on the others). */
export function seriesOf(rows: SeriesRow[]): SeriesTable {
  const sorted = [...rows].sort((a, b) => a[0] - b[0]);
  const symbols: string[] = [];
  const ids = new Map<string, number>();
  const symbolIds = new Int32Array(sorted.length);
  sorted.forEach(([, s], i) => {
    if (!ids.has(s)) {
      ids.set(s, symbols.length);
      symbols.push(s);
    }
    symbolIds[i] = ids.get(s)!;
  });
  const table: SeriesTable = {
    times: Float64Array.from(sorted.map((r) => r[0])),
    symbolIds,
    symbols,
    kinds: Uint8Array.from(sorted.map((r) => SERIES_KIND_CODE[r[2]])),
    values: Float64Array.from(sorted.map((r) => r[3])),
  };
  if (sorted.some((r) => r[4] !== undefined)) {
    table.highs = Float64Array.from(sorted.map((r) => r[4] ?? Number.NaN));
    table.lows = Float64Array.from(sorted.map((r) => r[5] ?? Number.NaN));
  }
  return table;
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** One row per minute from `start` for `minutes` minutes, value by minute index. */
export function everyMinute(start: number, minutes: number, symbol: string, kind: SeriesKind, value: (m: number) => number): SeriesRow[] {
  return Array.from({ length: minutes }, (_, m) => [start + m * MINUTE, symbol, kind, value(m)] as SeriesRow);
}
