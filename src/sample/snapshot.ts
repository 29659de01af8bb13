import { Dec } from '../domain/decimal.js';
import { SERIES_KIND_CODE, type SeriesTable } from '../domain/series.js';
import type { MarketSnapshot } from '../domain/types.js';

/** A MarketSnapshot whose prices are plain maps (so callers can list them). */
export interface MarketSnapshotMaps extends MarketSnapshot {
  time: number;
  indexPrices: Map<string, Dec>;
  markPrices: Map<string, Dec>;
}

/**
 * The market at `time`: each index and mark symbol's latest value at or before it. The sample
 * generator calibrates portfolios against it; floats become decimals through their shortest
 * round-trip text, which for 8-decimal values is the 8-decimal price itself.
 */
export function findMarketSnapshotAt(table: SeriesTable, time: number): MarketSnapshotMaps {
  // First row after `time` (times are sorted).
  let lo = 0;
  let hi = table.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.times[mid]! <= time) lo = mid + 1;
    else hi = mid;
  }
  const indexPrices = new Map<string, Dec>();
  const markPrices = new Map<string, Dec>();
  for (let i = lo - 1; i >= 0; i--) {
    const kind = table.kinds[i];
    const target = kind === SERIES_KIND_CODE.index ? indexPrices : kind === SERIES_KIND_CODE.mark ? markPrices : undefined;
    const symbol = table.symbols[table.symbolIds[i]!]!;
    if (target !== undefined && !target.has(symbol)) target.set(symbol, new Dec(String(table.values[i])));
    if (indexPrices.size + markPrices.size === table.symbols.length) break;
  }
  return { time, indexPrices, markPrices };
}

/** The market at the table's first timestamp. */
export function findFirstMarketSnapshot(table: SeriesTable): MarketSnapshotMaps {
  if (table.times.length === 0) throw new RangeError('the series table is empty');
  return findMarketSnapshotAt(table, table.times[0]!);
}
