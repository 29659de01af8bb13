import { InputError } from '../../domain/errors.js';
import { SERIES_KIND_CODE, SERIES_KINDS, type SeriesTable } from '../../domain/series.js';
import { describeTime } from '../arrow/columns.js';
import type { SeriesPart } from './series-parts.js';

export interface MergedSeries {
  table: SeriesTable;
  /** Rows dropped because another row had the same time, symbol, kind and value. */
  duplicatesDropped: number;
}

/**
 * Merges parts into one table sorted by time. Rows at the same time keep their input order (parts
 * in the order given, rows in file order). The same (time, symbol, kind) twice is kept once when
 * the values agree and is an error when they do not: two files disagreeing about a price is
 * something the user must resolve, not something to pick silently.
 */
export function mergeSeriesParts(parts: readonly SeriesPart[]): MergedSeries {
  const total = parts.reduce((n, p) => n + p.times.length, 0);
  const times = new Float64Array(total);
  const values = new Float64Array(total);
  const kinds = new Uint8Array(total);
  const symbolIds = new Int32Array(total);
  const partOf = new Uint16Array(total);
  const rowOf = new Int32Array(total);
  const symbols: string[] = [];
  const symbolIndex = new Map<string, number>();

  let at = 0;
  parts.forEach((part, p) => {
    const ids = part.symbols.map((s) => {
      let id = symbolIndex.get(s);
      if (id === undefined) {
        id = symbols.push(s) - 1;
        symbolIndex.set(s, id);
      }
      return id;
    });
    for (let i = 0; i < part.times.length; i++, at++) {
      times[at] = part.times[i]!;
      values[at] = part.values[i]!;
      kinds[at] = part.kinds[i]!;
      symbolIds[at] = ids[part.symbolIds[i]!]!;
      partOf[at] = p;
      rowOf[at] = i;
    }
  });

  // Index order breaks ties, which makes the sort stable whatever the engine does.
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => times[a]! - times[b]! || a - b);

  const out: SeriesTable = { times: new Float64Array(total), symbolIds: new Int32Array(total), symbols, kinds: new Uint8Array(total), values: new Float64Array(total) };
  const kept = new Int32Array(total);
  let n = 0;
  const firstOfKey = new Map<number, number>();
  for (let k = 0; k < total; k++) {
    const i = order[k]!;
    if (k > 0 && times[i] !== times[order[k - 1]!]) {
      firstOfKey.clear();
    }
    const key = symbolIds[i]! * SERIES_KINDS.length + kinds[i]!;
    const first = firstOfKey.get(key);
    if (first !== undefined) {
      if (values[first] === values[i]) continue;
      const a = parts[partOf[first]!]!;
      const b = parts[partOf[i]!]!;
      throw new InputError(
        b.src,
        b.rowPath(rowOf[i]!),
        `one value per time, symbol and kind (${a.src} ${a.rowPath(rowOf[first]!)} has ${values[first]} for ${symbols[symbolIds[i]!]} ${SERIES_KINDS[kinds[i]!]} at ${describeTime(times[i]!)})`,
        String(values[i]),
      );
    }
    firstOfKey.set(key, i);
    out.times[n] = times[i]!;
    out.symbolIds[n] = symbolIds[i]!;
    out.kinds[n] = kinds[i]!;
    out.values[n] = values[i]!;
    kept[n] = i;
    n++;
  }
  const table: SeriesTable = { times: out.times.slice(0, n), symbolIds: out.symbolIds.slice(0, n), symbols, kinds: out.kinds.slice(0, n), values: out.values.slice(0, n) };
  addMergedExtremes(table, parts, total, kept.subarray(0, n));
  return {
    table,
    duplicatesDropped: total - n,
  };
}

/** The bar highs and lows of the rows kept (indexes into the parts' rows laid end to end; NaN where a row has none), when some part has them. */
function addMergedExtremes(table: SeriesTable, parts: readonly SeriesPart[], total: number, kept: Int32Array): void {
  if (!parts.some((p) => p.highs !== undefined)) return;
  const highs = new Float64Array(total).fill(Number.NaN);
  const lows = new Float64Array(total).fill(Number.NaN);
  let at = 0;
  for (const part of parts) {
    if (part.highs !== undefined && part.lows !== undefined) {
      highs.set(part.highs, at);
      lows.set(part.lows, at);
    }
    at += part.times.length;
  }
  table.highs = new Float64Array(kept.length);
  table.lows = new Float64Array(kept.length);
  for (let k = 0; k < kept.length; k++) {
    table.highs[k] = highs[kept[k]!]!;
    table.lows[k] = lows[kept[k]!]!;
  }
}

/** A USD index of 1 for `asset` at each of `times` (a stablecoin taken at par), with high = low = 1. */
export function constantIndexPart(asset: string, times: Float64Array): SeriesPart {
  const n = times.length;
  const ones = () => new Float64Array(n).fill(1);
  return {
    src: `${asset} (assumed 1 USD)`, times, values: ones(), highs: ones(), lows: ones(), symbols: [asset], symbolIds: new Int32Array(n),
    kinds: new Uint8Array(n).fill(SERIES_KIND_CODE.index), rowPath: (i) => `row ${i + 1}`, skipped: 0, note: 'constant 1 USD',
  };
}

/** The distinct times of a table's index and mark rows, ascending (the table is sorted by time). */
export function priceTimes(table: SeriesTable): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < table.times.length; i++) {
    if (table.kinds[i] === SERIES_KIND_CODE.funding) continue;
    if (out.length === 0 || out[out.length - 1] !== table.times[i]) out.push(table.times[i]!);
  }
  return Float64Array.from(out);
}
