import type { SampleMarketOptions } from './market-options.js';

/**
 * The one crash of the sample market, as deterministic shapes over the minute grid (minute 0 is the
 * market's start). The noise of the simulation rides on top of them (see paths.ts).
 *
 *   fall     minutes (c0, c1], c1 = c0 + durationMinutes: log offset L·(1 − cos(π·u))/2, u the share
 *            of the crash elapsed, L = ln(1 − depth). Slow start, fastest mid-crash, slowing into
 *            the bottom: how a liquidation cascade looks on a chart.
 *   rebound  minutes (c1, c1 + reboundMinutes]: recovers reboundFraction of L along 1 − (1 − u)²
 *            (a sharp bounce that flattens out).
 *   after    the offset stays at L·(1 − reboundFraction).
 *   vol      noise std multiplier: ramps up as 1 + (volPeak − 1)·e^{−(c0 − t)/volRiseMinutes}
 *            before c0, volPeak during the fall, then decays with half-life volHalfLifeMinutes.
 */

export interface CrashWindow {
  /** Minute indexes: the fall is (startMinute, endMinute], the rebound (endMinute, reboundEndMinute]. */
  startMinute: number;
  endMinute: number;
  reboundEndMinute: number;
  /** ln(1 − depth): the fall of a beta-1 asset in log terms. */
  logDrop: number;
}

export function findCrashWindow(crash: SampleMarketOptions['crash']): CrashWindow {
  const endMinute = crash.startMinute + crash.durationMinutes;
  return { startMinute: crash.startMinute, endMinute, reboundEndMinute: endMinute + crash.reboundMinutes, logDrop: Math.log(1 - crash.depth) };
}

/** Share of the fall done at share u ∈ [0, 1] of the crash window. */
export function calculateCrashFraction(u: number): number {
  return (1 - Math.cos(Math.PI * Math.min(1, Math.max(0, u)))) / 2;
}

/** Share of the rebound done at share u ∈ [0, 1] of the rebound window. */
export function calculateReboundFraction(u: number): number {
  const v = 1 - Math.min(1, Math.max(0, u));
  return 1 - v * v;
}

/** Cumulative log offset of a beta-1 asset at each minute (0 before the crash). */
export function calculateCrashLogOffsets(crash: SampleMarketOptions['crash'], steps: number): Float64Array {
  const out = new Float64Array(steps);
  if (!crash.enabled) return out;
  const w = findCrashWindow(crash);
  for (let t = 0; t < steps; t++) {
    if (t <= w.startMinute) continue;
    if (t <= w.endMinute) out[t] = w.logDrop * calculateCrashFraction((t - w.startMinute) / crash.durationMinutes);
    else if (t <= w.reboundEndMinute && crash.reboundMinutes > 0) out[t] = w.logDrop * (1 - crash.reboundFraction * calculateReboundFraction((t - w.endMinute) / crash.reboundMinutes));
    else out[t] = w.logDrop * (1 - crash.reboundFraction);
  }
  return out;
}

/** Multiplier of every noise standard deviation at each minute (1 far from the crash). */
export function calculateVolScale(crash: SampleMarketOptions['crash'], steps: number): Float64Array {
  const out = new Float64Array(steps).fill(1);
  if (!crash.enabled) return out;
  const w = findCrashWindow(crash);
  const excess = crash.volPeak - 1;
  for (let t = 0; t < steps; t++) {
    if (t <= w.startMinute) out[t] = 1 + excess * Math.exp(-(w.startMinute - t) / crash.volRiseMinutes);
    else if (t <= w.endMinute) out[t] = crash.volPeak;
    else out[t] = 1 + excess * Math.pow(2, -(t - w.endMinute) / crash.volHalfLifeMinutes);
  }
  return out;
}

/** Weight of the stablecoins' crash deviation: follows the fall, then decays after the bottom. */
export function calculateStableCrashWeights(crash: SampleMarketOptions['crash'], steps: number): Float64Array {
  const out = new Float64Array(steps);
  if (!crash.enabled) return out;
  const w = findCrashWindow(crash);
  for (let t = 0; t < steps; t++) {
    if (t <= w.startMinute) continue;
    out[t] = t <= w.endMinute ? calculateCrashFraction((t - w.startMinute) / crash.durationMinutes) : Math.pow(2, -(t - w.endMinute) / crash.stableHalfLifeMinutes);
  }
  return out;
}
