import type { MarketTimeline } from '../domain/market-timeline.js';
import { SPAN_STEPS, type FastBatch } from '../engine/fast/batch.js';
import { calculateAccountSnapshots } from '../engine/fast/snapshot.js';
import { findFirstAtOrAfter, findUnderlyingGroups, type UnderlyingGroups } from './market-timeline.js';
import { EXTREME_CLOSE, EXTREME_HIGH, EXTREME_LOW } from './step-market.js';

// The fast kernel at the bars' adverse extremes (docs/margin-rules.md §7), with the rule of
// intrabar.ts: the kernel itself is unchanged. It runs on the extremes matrix (MarketExtremes: the
// fresh prices, then the lows, then the highs), with a portfolio's series ids moved to their low
// (id + seriesCount) or high (id + 2·seriesCount) for the groups being tried: per group, one pass
// at its low and one at its high (the others at the close) to choose, then one pass per run of
// steps with the same choices, all groups at their chosen extremes. Every pass is a quiet test:
// the first step whose extreme is not quiet (a status change, a threshold near) ends the span and
// goes to the exact engine.

/** A span's results at the extremes, per step (index step − the span's first). */
export interface ExtremeSpan {
  uniMMR: Float64Array;
  equity: Float64Array;
  actual: Float64Array;
  maintMargin: Float64Array;
}

const scratch = {
  extreme: { uniMMR: new Float64Array(SPAN_STEPS), equity: new Float64Array(SPAN_STEPS), actual: new Float64Array(SPAN_STEPS), maintMargin: new Float64Array(SPAN_STEPS) },
  close: { uniMMR: new Float64Array(SPAN_STEPS), equity: new Float64Array(SPAN_STEPS), actual: new Float64Array(SPAN_STEPS), maintMargin: new Float64Array(SPAN_STEPS) },
  lowU: new Float64Array(SPAN_STEPS),
  lowAdjusted: new Float64Array(SPAN_STEPS),
  highU: new Float64Array(SPAN_STEPS),
  highAdjusted: new Float64Array(SPAN_STEPS),
};

const views = new WeakMap<MarketTimeline, MarketTimeline>();
/** The timeline as the kernel reads it for extremes: the extremes matrix in place of the fresh prices. */
function extremesView(tl: MarketTimeline): MarketTimeline {
  let view = views.get(tl);
  if (view === undefined) views.set(tl, (view = { ...tl, freshValues: tl.extremes!.values }));
  return view;
}

/** Where a portfolio's series ids live in its batch slice, and their values as loaded. */
interface SeriesSlots {
  assets: [start: number, end: number];
  positions: [start: number, end: number];
  assetSeries: Int32Array;
  posSeries: Int32Array;
}

function readSeriesSlots(b: FastBatch, p: number): SeriesSlots {
  const a0 = b.assetStart[p]!;
  const i0 = b.posStart[p]!;
  const assets: [number, number] = [a0, a0 + b.assetCount[p]!];
  const positions: [number, number] = [i0, i0 + b.posCount[p]!];
  return { assets, positions, assetSeries: b.assetSeries.slice(...assets), posSeries: b.posSeries.slice(...positions) };
}

/** Moves each series of group g to choice[g]'s block of the extremes matrix (EXTREME_CLOSE: back to its own). */
function placeSeries(b: FastBatch, slots: SeriesSlots, groups: UnderlyingGroups, seriesCount: number, choice: Int8Array): void {
  const place = (s: number) => (s < 0 ? s : s + choice[groups.ofSeries[s]!]! * seriesCount);
  for (let a = slots.assets[0]; a < slots.assets[1]; a++) b.assetSeries[a] = place(slots.assetSeries[a - slots.assets[0]]!);
  for (let i = slots.positions[0]; i < slots.positions[1]; i++) b.posSeries[i] = place(slots.posSeries[i - slots.positions[0]]!);
}

function findSlotGroups(slots: SeriesSlots, groups: UnderlyingGroups): number[] {
  const found = new Set<number>();
  for (const s of [...slots.assetSeries, ...slots.posSeries]) if (s >= 0 && groups.ofSeries[s]! >= 0) found.add(groups.ofSeries[s]!);
  return [...found].sort((x, y) => x - y);
}

function copySpan(from: { uniMMR: Float64Array; equity: Float64Array; actual: Float64Array; maintMargin: Float64Array }, to: ExtremeSpan, n: number, at = 0): void {
  to.uniMMR.set(from.uniMMR.subarray(0, n), at);
  to.equity.set(from.equity.subarray(0, n), at);
  to.actual.set(from.actual.subarray(0, n), at);
  to.maintMargin.set(from.maintMargin.subarray(0, n), at);
}

const batchSpan = (b: FastBatch) => ({ uniMMR: b.spanUniMMR, equity: b.spanEquity, actual: b.spanActual, maintMargin: b.spanMaintMargin });

let directions = new Int8Array(0);

/**
 * Per group of `touched` and step of [k, end), its adverse extreme (EXTREME_LOW or EXTREME_HIGH, in
 * directions[g·SPAN_STEPS + j]): the worse of a pass at its low and one at its high, the others at
 * the close (a lower uniMMR; where either has none, a lower adjusted equity; the low on a tie).
 * Returns `end`, made sooner by a pass that was not quiet.
 */
function chooseExtremes(b: FastBatch, p: number, view: MarketTimeline, slots: SeriesSlots, groups: UnderlyingGroups, touched: readonly number[], k: number, stop: number, quietStatus: number): number {
  const seriesCount = view.seriesCount;
  if (directions.length < groups.count * SPAN_STEPS) directions = new Int8Array(groups.count * SPAN_STEPS);
  const trial = new Int8Array(groups.count);
  const hasOrders = b.orderCount[p]! > 0;
  let end = stop;
  const pass = (g: number, c: number, u: Float64Array, adjusted: Float64Array) => {
    trial[g] = c;
    placeSeries(b, slots, groups, seriesCount, trial);
    const s = calculateAccountSnapshots(b, p, view, k, end, quietStatus);
    for (let j = 0; j < s - k; j++) {
      u[j] = b.spanUniMMR[j]!;
      adjusted[j] = b.spanEquity[j]! - (hasOrders ? b.spanOpenLoss[j]! : 0);
    }
    end = Math.min(end, s);
  };
  for (const g of touched) {
    pass(g, EXTREME_LOW, scratch.lowU, scratch.lowAdjusted);
    pass(g, EXTREME_HIGH, scratch.highU, scratch.highAdjusted);
    trial[g] = EXTREME_CLOSE;
    for (let j = 0; j < end - k; j++) {
      const low = scratch.lowU[j]!;
      const high = scratch.highU[j]!;
      const isHigh = low === low && high === high ? high < low : scratch.highAdjusted[j]! < scratch.lowAdjusted[j]!;
      directions[g * SPAN_STEPS + j] = isHigh ? EXTREME_HIGH : EXTREME_LOW;
    }
  }
  return end;
}

/**
 * Steps [k, stop) of portfolio p were quiet at the close (their results in the batch's span
 * arrays): evaluates their bars' adverse extremes. Returns the first step whose extreme is not
 * quiet in `quietStatus` (`stop` when every one is), and the extremes' results for the steps
 * before it (undefined when no step there has an extreme); the span arrays still hold the close
 * results of those steps.
 */
export function screenExtremeSpan(b: FastBatch, p: number, tl: MarketTimeline, quoteAssets: readonly string[], k: number, stop: number, quietStatus: number): { stop: number; extreme: ExtremeSpan | undefined } {
  const ext = tl.extremes;
  if (ext === undefined || stop <= k || !(ext.steps[findFirstAtOrAfter(ext.steps, k)]! < stop)) return { stop, extreme: undefined };
  const groups = findUnderlyingGroups(tl, quoteAssets);
  const slots = readSeriesSlots(b, p);
  const touched = findSlotGroups(slots, groups);
  if (touched.length === 0) return { stop, extreme: undefined };
  const view = extremesView(tl);
  copySpan(batchSpan(b), scratch.close, stop - k);
  let end = chooseExtremes(b, p, view, slots, groups, touched, k, stop, quietStatus);
  const choice = new Int8Array(groups.count);
  const sameChoice = (j: number) => touched.every((g) => directions[g * SPAN_STEPS + j] === choice[g]);
  for (let j = 0; j < end - k; ) {
    for (const g of touched) choice[g] = directions[g * SPAN_STEPS + j]!;
    let r = j + 1;
    while (r < end - k && sameChoice(r)) r++;
    placeSeries(b, slots, groups, tl.seriesCount, choice);
    const s = calculateAccountSnapshots(b, p, view, k + j, k + r, quietStatus);
    copySpan(batchSpan(b), scratch.extreme, s - (k + j), j);
    if (s < k + r) end = s;
    j = r;
  }
  b.assetSeries.set(slots.assetSeries, slots.assets[0]);
  b.posSeries.set(slots.posSeries, slots.positions[0]);
  copySpan(scratch.close, batchSpan(b), end - k);
  return { stop: end, extreme: scratch.extreme };
}
