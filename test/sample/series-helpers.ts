import { SERIES_KIND_CODE, type SeriesKind, type SeriesTable } from '../../src/domain/series.js';

/** One symbol's rows of one kind, in table order. */
export function readSeries(table: SeriesTable, symbol: string, kind: SeriesKind): { times: number[]; values: number[] } {
  const id = table.symbols.indexOf(symbol);
  const code = SERIES_KIND_CODE[kind];
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < table.times.length; i++) {
    if (table.symbolIds[i] === id && table.kinds[i] === code) {
      times.push(table.times[i]!);
      values.push(table.values[i]!);
    }
  }
  return { times, values };
}

/** Log returns of consecutive values. */
export function calculateLogReturns(values: readonly number[]): number[] {
  return values.slice(1).map((v, i) => Math.log(v / values[i]!));
}

/** Autocorrelation of a series at `lag`. */
export function calculateAutocorrelation(xs: readonly number[], lag: number): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i]! - mean) ** 2;
    if (i >= lag) num += (xs[i]! - mean) * (xs[i - lag]! - mean);
  }
  return num / den;
}

export function calculateCorrelation(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Byte equality of two typed arrays: vitest's deep equality takes seconds on 400k-element arrays. */
export function isSameArray(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.constructor === b.constructor && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
