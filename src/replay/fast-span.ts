import { Dec } from '../domain/decimal.js';
import { InvariantError } from '../domain/errors.js';
import type { Rules, RulesTimeline } from '../domain/types.js';
import { loadPortfolio, refreshBalances, SPAN_STEPS, type FastBatch } from '../engine/fast/batch.js';
import { calculateAccountSnapshots, NO_QUIET_STATUS } from '../engine/fast/snapshot.js';
import { FORCE_LIQUIDATION, STATUS_CODES } from '../engine/fast/status.js';
import type { CheckpointKeeper } from './checkpoint.js';
import { screenExtremeSpan, type ExtremeSpan } from './fast-extremes.js';
import { printUniMMRFromKernel } from './final-account.js';
import { findFirstAtOrAfter, hasIntrabarExtremes, type MarketTimeline } from './market-timeline.js';
import { closePriceGap } from './price-gaps.js';
import { MIN_SPAN, noteStatus, type FastSlot, type ReplayState } from './replay-state.js';

/**
 * Runs the fast kernel from step k over the quiet steps before the next eventful one, until one is
 * not quiet (a status change, a price missing, a threshold near). Returns the first step it did not
 * take (k when it took none: step k goes to the exact engine). The steps it took are recorded: the
 * timeline, the kernel's minimum, the step counts. A status change the kernel decides is reported
 * from its numbers (runSpanInNewStatus); `keep` sees it as it sees an exact step's.
 */
export function runFastSpan(state: ReplayState, slot: FastSlot, tl: MarketTimeline, rulesTimeline: RulesTimeline, rules: Rules, k: number, keep?: CheckpointKeeper): number {
  const { batch, index } = slot;
  const kernel = state.kernel;
  if (kernel.stale || rules !== kernel.loadedRules) {
    // After charges alone (most changes: a funding payment), the legs and rule lookups stand.
    if (!(kernel.balancesOnly && rules === kernel.loadedRules && refreshBalances(batch, index, state.account))) loadPortfolio(batch, index, state.account, rules, slot.seriesId, slot.capacity);
    kernel.stale = false;
    kernel.balancesOnly = false;
    kernel.loadedRules = rules;
  }
  // The kernel holds one version of the rules: with dated changes, one step a call. FORCE_LIQUIDATION
  // liquidates at the next exact step, unless the replay holds the account (then it is quiet too).
  const status = state.status;
  const quiet = status === null || (status === 'FORCE_LIQUIDATION' && !state.hold) || rulesTimeline.changes.length > 0 ? NO_QUIET_STATUS : STATUS_CODES.indexOf(status);
  const spanEnd = quiet === NO_QUIET_STATUS ? k + 1 : Math.max(k + 1, Math.min(tl.stepTimes.length, k + kernel.spanLimit, state.nextEventful));
  let kernelStop = calculateAccountSnapshots(batch, index, tl, k, spanEnd, quiet);
  if (kernelStop === k && quiet >= 0) kernelStop = runSpanInNewStatus(state, slot, tl, k, spanEnd, quiet, keep);
  // Where the bars have extremes, the quiet steps must be quiet at their adverse extremes too.
  const { stop, extreme } = screenExtremeSpan(batch, index, tl, rules.quoteAssets, k, kernelStop, quiet);
  // The kernel evaluates its whole span before it looks for a stop: short spans after a stop,
  // doubling while quiet, bound the work a restless account wastes.
  kernel.spanLimit = stop < spanEnd ? MIN_SPAN : Math.min(2 * kernel.spanLimit, SPAN_STEPS);
  if (stop > k) recordFastSpan(state, batch, tl, k, stop, extreme);
  return stop;
}

/**
 * The kernel stopped at step k, the first of its span, on another status than the replay's. Where
 * it decides that status as the exact engine does — step k quiet in it: no threshold within the
 * decision band, its numbers within the tolerance — and the proven bound fixes the uniMMR as printed
 * (8 decimals), the change is reported from the kernel's numbers and the span from k is run in the
 * new status (docs/architecture.md "Parity contract"): returns its stop. Otherwise returns k and
 * the exact engine takes the step: a liquidation to run, bars with extremes, a uniMMR within reach
 * of an 8-decimal cell edge, no margin.
 */
function runSpanInNewStatus(state: ReplayState, slot: FastSlot, tl: MarketTimeline, k: number, spanEnd: number, quiet: number, keep: CheckpointKeeper | undefined): number {
  const { batch, index } = slot;
  const to = batch.outStatus[index]!;
  if (to < 0 || to === quiet || (to === FORCE_LIQUIDATION && !state.hold) || hasIntrabarExtremes(tl)) return k;
  const stop = calculateAccountSnapshots(batch, index, tl, k, spanEnd, to);
  if (stop === k) return k;
  const uniMMR = printUniMMRFromKernel(batch, index, 0);
  if (uniMMR === undefined) return k;
  // As an exact step: the checkpoint before it, a price gap closed before the change is reported.
  const t = tl.stepTimes[k]!;
  keep?.before(state, k);
  closePriceGap(state, t);
  noteStatus(state, STATUS_CODES[to]!, new Dec(uniMMR), t);
  keep?.after(state);
  return stop;
}

/**
 * Steps [k, stop) were evaluated by the kernel, all quiet in the current status; `extreme`: the
 * results at their bars' adverse extremes (counted at the steps that have one).
 */
export function recordFastSpan(state: ReplayState, batch: FastBatch, tl: MarketTimeline, k: number, stop: number, extreme?: ExtremeSpan): void {
  // A quiet span needs a status to be quiet in, which only an exact step sets.
  if (state.status === null) throw new InvariantError('fast kernel: a quiet span before any status');
  closePriceGap(state, tl.stepTimes[k]!);
  // A bar's extreme goes into the timeline right after its step, as the exact engine adds them.
  let from = k;
  if (extreme !== undefined) {
    const steps = tl.extremes!.steps;
    for (let i = findFirstAtOrAfter(steps, k); i < steps.length && steps[i]! < stop; i++) {
      const j = steps[i]!;
      state.timeline.addSpan(tl.stepTimes, from, j + 1, k, batch.spanUniMMR, batch.spanEquity, batch.spanActual, batch.spanMaintMargin, state.status);
      const u = extreme.uniMMR[j - k]!;
      state.timeline.addExtremeValues(tl.stepTimes[j]!, u === u ? u : null, extreme.equity[j - k]!, extreme.actual[j - k]!, extreme.maintMargin[j - k]!, state.status);
      from = j + 1;
    }
  }
  state.timeline.addSpan(tl.stepTimes, from, stop, k, batch.spanUniMMR, batch.spanEquity, batch.spanActual, batch.spanMaintMargin, state.status);
  // The span's first lowest uniMMR below the minimum so far (NaN never is), found with both in
  // locals: the loop runs for every kernel step.
  const minimum = state.fastMinimum;
  const uniMMR = batch.spanUniMMR;
  let lowest = minimum.uniMMR;
  let at = -1;
  for (let i = 0, n = stop - k; i < n; i++) {
    const u = uniMMR[i]!;
    if (u < lowest) {
      lowest = u;
      at = i;
    }
  }
  if (at >= 0) {
    minimum.uniMMR = lowest;
    minimum.time = tl.stepTimes[k + at]!;
    minimum.step = k + at;
    minimum.account = undefined;
    minimum.extreme = false;
  }
  if (extreme !== undefined) noteExtremeMinimum(state, tl, k, stop, extreme);
  state.result.steps += stop - k;
  state.result.kernelSteps += stop - k;
  // The step that stopped the kernel comes round again and stops the kernel at once: a status change
  // it decides goes on in the new status (runSpanInNewStatus), anything else to the exact engine.
  state.kernel.lastStep = stop - 1;
  state.kernel.lastSpanFrom = extreme === undefined ? k : -1;
}

/** The extremes of a quiet span in the kernel's minimum, at the steps that have one. */
function noteExtremeMinimum(state: ReplayState, tl: MarketTimeline, k: number, stop: number, extreme: ExtremeSpan): void {
  const steps = tl.extremes!.steps;
  const minimum = state.fastMinimum;
  for (let i = findFirstAtOrAfter(steps, k); i < steps.length && steps[i]! < stop; i++) {
    const j = steps[i]!;
    const u = extreme.uniMMR[j - k]!;
    if (u < minimum.uniMMR) {
      minimum.uniMMR = u;
      minimum.time = tl.stepTimes[j]!;
      minimum.step = j;
      minimum.account = undefined;
      minimum.extreme = true;
    }
  }
}
