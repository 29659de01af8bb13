import { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import { SERIES_KIND_CODE, type SeriesTable } from '../domain/series.js';
import { isStablecoin } from './shock.js';

// Betas of the leader family estimated from a price history (docs/risk.md "Betas"): for each
// non-stablecoin index in the history other than the leader, the OLS slope (with an intercept) of
// its log returns on the leader's, the returns taken between consecutive sampling times
// end − window, end − window + interval, …, end, each series read at the price in force then
// (its latest row at or before that time). A return needs both prices at both of its ends; an
// asset with fewer than MIN_RETURNS such returns is not estimated (it keeps the default β = 1, and
// the document says which assets those are).

/** Fewer returns than this estimate nothing worth a number. */
export const MIN_RETURNS = 10;

export interface BetaEstimationOptions {
  leader: string;
  /** The window's end, ms (the market's time, else the history's last row). */
  end: number;
  windowMs: number;
  intervalMs: number;
  /** The window and interval as the user wrote them ("30d", "1h"), for messages and the document. */
  window: string;
  interval: string;
}

export interface BetaEstimate {
  beta: Dec;
  /** Returns the slope was fitted on. */
  returns: number;
  /** R² of the fit: the share of the asset's return variance the leader's explains. */
  r2: number;
}

export interface BetaEstimation extends BetaEstimationOptions {
  /** What the history is called in messages and the document (its file). */
  source: string;
  estimates: Map<string, BetaEstimate>;
  /** Index series in the history left at β = 1: fewer than MIN_RETURNS returns. */
  tooShort: string[];
}

/** Each index series' rows, in time order (the table is sorted by time). */
function findIndexRows(series: SeriesTable): Map<string, { times: number[]; values: number[] }> {
  const out = new Map<string, { times: number[]; values: number[] }>();
  for (let i = 0; i < series.times.length; i++) {
    if (series.kinds[i] !== SERIES_KIND_CODE.index) continue;
    const asset = series.symbols[series.symbolIds[i]!]!;
    let rows = out.get(asset);
    if (rows === undefined) out.set(asset, (rows = { times: [], values: [] }));
    rows.times.push(series.times[i]!);
    rows.values.push(series.values[i]!);
  }
  return out;
}

/** The log price in force at each sampling time (NaN before the first row). */
function sampleLogPrices(rows: { times: number[]; values: number[] }, sampleTimes: readonly number[]): Float64Array {
  const out = new Float64Array(sampleTimes.length).fill(Number.NaN);
  let r = -1;
  sampleTimes.forEach((t, k) => {
    while (r + 1 < rows.times.length && rows.times[r + 1]! <= t) r++;
    if (r >= 0) out[k] = Math.log(rows.values[r]!);
  });
  return out;
}

/** OLS slope and R² of y on x (with an intercept); undefined when x does not vary. */
export function fitSlope(x: readonly number[], y: readonly number[]): { slope: number; r2: number } | undefined {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) return undefined;
  return { slope: sxy / sxx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 };
}

/**
 * β per asset from `series` (docs/risk.md "Betas"). The leader needs MIN_RETURNS returns that move;
 * otherwise, or when the window holds no leader price, an InputError names the history and the
 * leader's series. β is rounded to 8 decimals, so the document's number is the one used.
 */
export function estimateBetas(series: SeriesTable, source: string, o: BetaEstimationOptions): BetaEstimation {
  const sampleTimes: number[] = [];
  for (let t = o.end - o.windowMs; t <= o.end; t += o.intervalMs) sampleTimes.push(t);
  const rows = findIndexRows(series);
  const leaderRows = rows.get(o.leader);
  if (leaderRows === undefined) throw new InputError(source, `index:${o.leader}`, `the leader's index series, to estimate betas against (the history has index series for ${[...rows.keys()].join(', ') || 'no asset'})`);
  const leader = sampleLogPrices(leaderRows, sampleTimes);
  const leaderReturns = [...leader].slice(1).map((v, k) => v - leader[k]!).filter((r) => r === r);
  if (leaderReturns.length < MIN_RETURNS || fitSlope(leaderReturns, leaderReturns) === undefined) {
    throw new InputError(source, `index:${o.leader}`, `at least ${MIN_RETURNS} ${o.interval} returns of the leader that move, within the ${o.window} window to ${new Date(o.end).toISOString()}`, `${leaderReturns.length}`);
  }
  const estimates = new Map<string, BetaEstimate>();
  const tooShort: string[] = [];
  for (const [asset, assetRows] of rows) {
    if (asset === o.leader || isStablecoin(asset)) continue;
    const y = sampleLogPrices(assetRows, sampleTimes);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let k = 1; k < sampleTimes.length; k++) {
      const dx = leader[k]! - leader[k - 1]!;
      const dy = y[k]! - y[k - 1]!;
      if (dx === dx && dy === dy) {
        xs.push(dx);
        ys.push(dy);
      }
    }
    const fit = xs.length >= MIN_RETURNS ? fitSlope(xs, ys) : undefined;
    if (fit === undefined) tooShort.push(asset);
    else estimates.set(asset, { beta: new Dec(fit.slope.toFixed(8)), returns: xs.length, r2: fit.r2 });
  }
  return { ...o, source, estimates, tooShort };
}
