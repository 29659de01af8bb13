import { InputError } from '../domain/errors.js';
import type { MarketExtremes, MarketTimeline } from '../domain/market-timeline.js';
import { SERIES_KIND_CODE, type SeriesKind, type SeriesTable } from '../domain/series.js';
import { DAY_MS, HOUR_MS } from './charges.js';

export type { MarketTimeline } from '../domain/market-timeline.js';

export const seriesKey = (kind: SeriesKind, name: string) => `${kind}:${name}`;

const KIND_NAMES: readonly SeriesKind[] = ['index', 'mark', 'funding'];

export function buildMarketTimeline(series: SeriesTable, options: { from?: number; to?: number; stalenessMs: number }, src = 'prices'): MarketTimeline {
  const n = series.times.length;
  const from = options.from ?? (n > 0 ? series.times[0]! : 0);
  const to = options.to ?? (n > 0 ? series.times[n - 1]! : 0);
  if (!(to >= from)) throw new InputError('job', 'to', `a time at or after from (${new Date(from).toISOString()})`, new Date(to).toISOString());

  const seriesIds = new Map<string, number>();
  const rowSeries = new Int32Array(n);
  // Ids by (symbol, kind) code, so that a row's key is made only for its series' first row.
  const idOfCode = new Int32Array(series.symbols.length * KIND_NAMES.length).fill(-1);
  for (let r = 0; r < n; r++) {
    const kind = series.kinds[r]!;
    const code = kind < KIND_NAMES.length ? series.symbolIds[r]! * KIND_NAMES.length + kind : -1;
    let id = code < 0 ? -1 : idOfCode[code]!;
    if (id < 0) {
      const key = seriesKey(KIND_NAMES[kind]!, series.symbols[series.symbolIds[r]!]!);
      id = seriesIds.get(key) ?? seriesIds.size;
      seriesIds.set(key, id);
      if (code >= 0) idOfCode[code] = id;
    }
    rowSeries[r] = id;
  }

  const steps: number[] = [];
  for (let r = 0; r < n; r++) {
    const t = series.times[r]!;
    if (series.kinds[r] === SERIES_KIND_CODE.funding || t < from || t > to) continue;
    if (steps.length === 0 || steps[steps.length - 1]! !== t) steps.push(t);
  }
  if (steps.length === 0) throw new InputError(src, 'time', `index or mark prices between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`, 'none');

  const stepTimes = Float64Array.from(steps);
  const seriesCount = seriesIds.size;
  const rowInForce = new Int32Array(stepTimes.length * seriesCount).fill(-1);
  const current = new Int32Array(seriesCount).fill(-1);
  const fundingOffsets = new Int32Array(stepTimes.length + 1);
  const fundingRows: number[] = [];
  let r = 0;
  for (let k = 0; k < stepTimes.length; k++) {
    const t = stepTimes[k]!;
    fundingOffsets[k] = fundingRows.length;
    for (; r < n && series.times[r]! <= t; r++) {
      current[rowSeries[r]!] = r;
      // Funding before the window is history; at step 0 only funding at or after `from` counts.
      if (series.kinds[r] === SERIES_KIND_CODE.funding && series.times[r]! >= from) fundingRows.push(r);
    }
    rowInForce.set(current, k * seriesCount);
  }
  fundingOffsets[stepTimes.length] = fundingRows.length;
  const freshValues = new Float64Array(rowInForce.length);
  for (let k = 0; k < stepTimes.length; k++) {
    for (let id = 0; id < seriesCount; id++) {
      const row = rowInForce[k * seriesCount + id]!;
      freshValues[id * stepTimes.length + k] = row < 0 || stepTimes[k]! - series.times[row]! > options.stalenessMs ? Number.NaN : series.values[row]!;
    }
  }
  const fundingSteps: number[] = [];
  const hourTickSteps: number[] = [];
  const dayTickSteps: number[] = [];
  for (let k = 0; k < stepTimes.length; k++) {
    const previous = k === 0 ? from - 1 : stepTimes[k - 1]!;
    if (fundingOffsets[k + 1]! > fundingOffsets[k]!) fundingSteps.push(k);
    if (Math.floor(stepTimes[k]! / HOUR_MS) > Math.floor(previous / HOUR_MS)) hourTickSteps.push(k);
    if (Math.floor(stepTimes[k]! / DAY_MS) > Math.floor(previous / DAY_MS)) dayTickSteps.push(k);
  }
  return {
    series, from, to, stalenessMs: options.stalenessMs, stepTimes, seriesIds, seriesCount, rowInForce, freshValues, fundingOffsets, fundingRows: Int32Array.from(fundingRows),
    fundingSteps: Int32Array.from(fundingSteps), hourTickSteps: Int32Array.from(hourTickSteps), dayTickSteps: Int32Array.from(dayTickSteps),
    ...(series.highs !== undefined && series.lows !== undefined ? { extremes: buildMarketExtremes(series, stepTimes, seriesCount, rowInForce, freshValues) } : {}),
  };
}

/** The extremes matrix (MarketExtremes): a row's high and low count only at the step of its own time. */
function buildMarketExtremes(series: SeriesTable, stepTimes: Float64Array, seriesCount: number, rowInForce: Int32Array, freshValues: Float64Array): MarketExtremes {
  const steps = stepTimes.length;
  const size = seriesCount * steps;
  const values = new Float64Array(3 * size);
  values.set(freshValues, 0);
  values.set(freshValues, size);
  values.set(freshValues, 2 * size);
  const highs = series.highs!;
  const lows = series.lows!;
  const extremeSteps: number[] = [];
  for (let k = 0; k < steps; k++) {
    let any = false;
    for (let id = 0; id < seriesCount; id++) {
      const row = rowInForce[k * seriesCount + id]!;
      const m = id * steps + k;
      if (row < 0 || freshValues[m] !== freshValues[m] || series.times[row] !== stepTimes[k] || lows[row] !== lows[row]) continue;
      values[size + m] = lows[row]!;
      values[2 * size + m] = highs[row]!;
      any = true;
    }
    if (any) extremeSteps.push(k);
  }
  return { values, steps: Int32Array.from(extremeSteps) };
}

/** Whether the replay evaluates bar extremes anywhere in the window (summary.json's `intrabar`). */
export const hasIntrabarExtremes = (tl: MarketTimeline) => tl.extremes !== undefined && tl.extremes.steps.length > 0;

/** Whether some series has a bar extreme at step k. */
export const hasExtremeAt = (tl: MarketTimeline, k: number) => tl.extremes !== undefined && isTickStep(tl.extremes.steps, k);

const isTickStep = (sorted: Int32Array, k: number) => sorted[findFirstAtOrAfter(sorted, k)] === k;

/**
 * The underlying asset a series moves with (docs/margin-rules.md §7): an index series' asset; a
 * mark series' symbol without its `_…` suffix and its quote (the longest of `quoteAssets` and USD
 * that ends it): BTCUSDT, BTCUSDT_240628, BTCUSD_PERP → BTC.
 */
export function findUnderlyingAsset(kind: SeriesKind, name: string, quoteAssets: readonly string[]): string {
  if (kind === 'index') return name;
  const base = name.includes('_') ? name.slice(0, name.indexOf('_')) : name;
  let best = '';
  for (const q of [...quoteAssets, 'USD']) if (q.length > best.length && base.length > q.length && base.endsWith(q)) best = q;
  return base.slice(0, base.length - best.length);
}

/** Series id → its underlying's group number (−1 for funding series), and the number of groups. */
export interface UnderlyingGroups {
  ofSeries: Int32Array;
  count: number;
}

const groupCache = new WeakMap<MarketTimeline, Map<string, UnderlyingGroups>>();

/** The series grouped by underlying asset (findUnderlyingAsset), cached per timeline and quote list. */
export function findUnderlyingGroups(tl: MarketTimeline, quoteAssets: readonly string[]): UnderlyingGroups {
  let byQuotes = groupCache.get(tl);
  if (byQuotes === undefined) groupCache.set(tl, (byQuotes = new Map()));
  const key = quoteAssets.join(',');
  const known = byQuotes.get(key);
  if (known !== undefined) return known;
  const names = new Map<string, number>();
  const ofSeries = new Int32Array(tl.seriesCount).fill(-1);
  for (const [seriesKeyText, id] of tl.seriesIds) {
    const colon = seriesKeyText.indexOf(':');
    const kind = seriesKeyText.slice(0, colon) as SeriesKind;
    if (kind === 'funding') continue;
    const underlying = findUnderlyingAsset(kind, seriesKeyText.slice(colon + 1), quoteAssets);
    let g = names.get(underlying);
    if (g === undefined) names.set(underlying, (g = names.size));
    ofSeries[id] = g;
  }
  const groups = { ofSeries, count: names.size };
  byQuotes.set(key, groups);
  return groups;
}

/** The index of the first element ≥ value in a sorted array (its length when none). */
export function findFirstAtOrAfter(sorted: Int32Array | Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type PriceState = { row: number } | { missing: 'no-series' | 'not-yet' | 'stale'; lastTime?: number };

/** The row of a series in force at step k, if fresh (no older than the staleness limit). */
export function findPriceRow(tl: MarketTimeline, seriesId: number, step: number): number {
  const row = tl.rowInForce[step * tl.seriesCount + seriesId]!;
  if (row < 0 || tl.stepTimes[step]! - tl.series.times[row]! > tl.stalenessMs) return -1;
  return row;
}

/** Why a price is not usable at step k (for gap reports). */
export function describePriceState(tl: MarketTimeline, key: string, step: number): PriceState {
  const id = tl.seriesIds.get(key);
  if (id === undefined) return { missing: 'no-series' };
  const row = tl.rowInForce[step * tl.seriesCount + id]!;
  if (row < 0) return { missing: 'not-yet' };
  if (tl.stepTimes[step]! - tl.series.times[row]! > tl.stalenessMs) return { missing: 'stale', lastTime: tl.series.times[row]! };
  return { row };
}
