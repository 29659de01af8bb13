import { MissingPriceError } from '../domain/errors.js';
import type { AccountSnapshot, MarketSnapshot, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { runLiquidation } from './liquidation.js';
import { applyLiquidationOutcome } from './liquidation-outcome.js';
import type { MarketTimeline } from './market-timeline.js';
import { closePriceGap, openPriceGap } from './price-gaps.js';
import { keepFastMinimumAccount, noteStatus, type ReplayOptions, type ReplayState } from './replay-state.js';

/** What the exact engine needs to evaluate step k. */
export interface ExactStep {
  timeline: MarketTimeline;
  k: number;
  market: MarketSnapshot;
  rules: Rules;
  options: ReplayOptions;
}

/**
 * Evaluates step k with the exact engine: a missing price opens (or continues) a price gap and
 * skips the step; otherwise the step is counted, its status and timeline point recorded, the
 * minimum uniMMR kept, and a FORCE_LIQUIDATION status liquidated per policy.
 */
export function evaluateExactStep(state: ReplayState, step: ExactStep): void {
  const { timeline: tl, k, market, rules } = step;
  const t = tl.stepTimes[k]!;
  let snapshot: AccountSnapshot;
  try {
    snapshot = calculateAccountSnapshot(state.account, market, rules);
  } catch (e) {
    if (!(e instanceof MissingPriceError)) throw e;
    openPriceGap(state, e, tl, k);
    return;
  }
  closePriceGap(state, t);
  const result = state.result;
  result.steps++;
  result.initial ??= snapshot;
  noteStatus(state, snapshot.accountStatus, snapshot, t);
  state.timeline.add(t, snapshot);
  if (snapshot.uniMMR !== null && (result.minUniMMR === null || snapshot.uniMMR.lt(result.minUniMMR))) {
    result.minUniMMR = snapshot.uniMMR;
    result.minUniMMRTime = t;
    result.worstSnapshot = snapshot;
  }
  if (snapshot.accountStatus === 'FORCE_LIQUIDATION') {
    keepFastMinimumAccount(state);
    const outcome = runLiquidation(state.account, snapshot, market, rules, step.options.liquidation, t);
    snapshot = applyLiquidationOutcome(state, outcome, tl, k);
  }
  result.final = snapshot;
  result.finalTime = t;
  state.kernel.lastStep = -1;
}
