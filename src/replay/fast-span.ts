import { InvariantError } from '../domain/errors.js';
import type { Rules, RulesTimeline } from '../domain/types.js';
import { loadPortfolio, SPAN_STEPS, type FastBatch } from '../engine/fast/batch.js';
import { calculateAccountSnapshots, NO_QUIET_STATUS } from '../engine/fast/snapshot.js';
import { STATUS_CODES } from '../engine/fast/status.js';
import type { MarketTimeline } from './market-timeline.js';
import { closePriceGap } from './price-gaps.js';
import { MIN_SPAN, type FastSlot, type ReplayState } from './replay-state.js';

/**
 * Runs the fast kernel from step k over the quiet steps before the next eventful one, until one is
 * not quiet (a status change, a price missing, a threshold near). Returns the first step it did not
 * take (k when it took none: step k goes to the exact engine). The steps it took are recorded: the
 * timeline, the kernel's minimum, the step counts.
 */
export function runFastSpan(state: ReplayState, slot: FastSlot, tl: MarketTimeline, rulesTimeline: RulesTimeline, rules: Rules, k: number): number {
  const { batch, index } = slot;
  const kernel = state.kernel;
  if (kernel.stale || rules !== kernel.loadedRules) {
    loadPortfolio(batch, index, state.account, rules, slot.seriesId, slot.capacity);
    kernel.stale = false;
    kernel.loadedRules = rules;
  }
  // The kernel holds one version of the rules: with dated changes, one step a call.
  const status = state.status;
  const quiet = status === null || status === 'FORCE_LIQUIDATION' || rulesTimeline.changes.length > 0 ? NO_QUIET_STATUS : STATUS_CODES.indexOf(status);
  const spanEnd = quiet === NO_QUIET_STATUS ? k + 1 : Math.max(k + 1, Math.min(tl.stepTimes.length, k + kernel.spanLimit, state.nextEventful));
  const stop = calculateAccountSnapshots(batch, index, tl, k, spanEnd, quiet);
  // The kernel evaluates its whole span before it looks for a stop: short spans after a stop,
  // doubling while quiet, bound the work a restless account wastes.
  kernel.spanLimit = stop < spanEnd ? MIN_SPAN : Math.min(2 * kernel.spanLimit, SPAN_STEPS);
  if (stop > k) recordFastSpan(state, batch, tl, k, stop);
  return stop;
}

/** Steps [k, stop) were evaluated by the kernel, all quiet in the current status. */
export function recordFastSpan(state: ReplayState, batch: FastBatch, tl: MarketTimeline, k: number, stop: number): void {
  // A quiet span needs a status to be quiet in, which only an exact step sets.
  if (state.status === null) throw new InvariantError('fast kernel: a quiet span before any status');
  closePriceGap(state, tl.stepTimes[k]!);
  state.timeline.addSpan(tl.stepTimes, k, stop, k, batch.spanUniMMR, batch.spanEquity, batch.spanActual, batch.spanMaintMargin, state.status);
  const minimum = state.fastMinimum;
  for (let j = k; j < stop; j++) {
    if (batch.spanUniMMR[j - k]! < minimum.uniMMR) {
      minimum.uniMMR = batch.spanUniMMR[j - k]!;
      minimum.time = tl.stepTimes[j]!;
      minimum.step = j;
      minimum.account = undefined;
    }
  }
  state.result.steps += stop - k;
  state.result.kernelSteps += stop - k;
  // The step that stopped the kernel comes round again, stops the kernel at once and goes to the exact engine.
  state.kernel.lastStep = stop - 1;
}
