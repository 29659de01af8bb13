import { MissingPriceError } from '../domain/errors.js';
import type { AccountSnapshot, MarketSnapshot, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { statusSeverity } from './actions.js';
import { evaluateExtreme, type ExtremeEvaluation } from './intrabar.js';
import { runLiquidation } from './liquidation.js';
import { applyLiquidationOutcome } from './liquidation-outcome.js';
import type { MarketTimeline } from './market-timeline.js';
import { closePriceGap, openPriceGap } from './price-gaps.js';
import { keepFastMinimumAccount, noteStatus, type PortfolioReplay, type ReplayOptions, type ReplayState } from './replay-state.js';
import type { ExactPriceBook } from './step-market.js';

/** What the exact engine needs to evaluate step k. */
export interface ExactStep {
  timeline: MarketTimeline;
  k: number;
  market: MarketSnapshot;
  rules: Rules;
  options: ReplayOptions;
  /** The prices, for the bar's extremes when the history has them (docs/margin-rules.md §7); without it, the close alone. */
  book?: ExactPriceBook;
}

/**
 * Evaluates step k with the exact engine: a missing price opens (or continues) a price gap and
 * skips the step; otherwise the step is counted, its status and timeline point recorded, the
 * minimum uniMMR kept, and a FORCE_LIQUIDATION status liquidated per policy. Where the bar has
 * extremes, the account is evaluated at the adverse one too (intrabar.ts): a worse status found
 * only there is reported first, as intrabar, and liquidated there at the extreme's prices; then
 * the close is evaluated as above (on what a liquidation left).
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
  const extreme = step.book === undefined ? undefined : evaluateExtreme(state.account, step.book, k, rules);
  const intrabar = extreme !== undefined && statusSeverity(extreme.snapshot.accountStatus) > statusSeverity(snapshot.accountStatus);
  if (intrabar) {
    const after = evaluateIntrabar(state, step, extreme, snapshot);
    if (after === undefined) return;
    snapshot = after;
  }
  noteStatus(state, snapshot.accountStatus, snapshot.uniMMR, t);
  state.timeline.add(t, snapshot);
  noteMinimum(result, snapshot, t);
  if (extreme !== undefined) {
    state.timeline.addExtreme(t, extreme.snapshot);
    noteMinimum(result, extreme.snapshot, t);
  }
  if (snapshot.accountStatus === 'FORCE_LIQUIDATION' && !state.hold) {
    keepFastMinimumAccount(state);
    const outcome = runLiquidation(state.account, snapshot, market, rules, step.options.liquidation, t);
    snapshot = applyLiquidationOutcome(state, outcome, tl, k);
  }
  result.final = snapshot;
  result.finalTime = t;
  state.kernel.lastStep = -1;
}

/**
 * The bar's adverse extreme is worse than its close: its status is reported as intrabar, and at
 * FORCE_LIQUIDATION the account is liquidated at the extreme's prices. Returns the account's
 * snapshot at the close afterwards, or undefined when the liquidation left it bankrupt (the replay
 * ends there; the extreme is then recorded here).
 */
function evaluateIntrabar(state: ReplayState, step: ExactStep, extreme: ExtremeEvaluation, close: AccountSnapshot): AccountSnapshot | undefined {
  const { timeline: tl, k, rules } = step;
  const t = tl.stepTimes[k]!;
  const worst = extreme.snapshot;
  noteStatus(state, worst.accountStatus, worst.uniMMR, t, true);
  if (worst.accountStatus !== 'FORCE_LIQUIDATION' || state.hold) return close;
  keepFastMinimumAccount(state);
  const outcome = runLiquidation(state.account, worst, extreme.market, rules, step.options.liquidation, t, true);
  const after = applyLiquidationOutcome(state, outcome, tl, k, true);
  if (!state.result.bankrupt) return calculateAccountSnapshot(state.account, step.market, rules);
  state.timeline.addExtreme(t, worst);
  noteMinimum(state.result, worst, t);
  state.result.final = after;
  state.result.finalTime = t;
  state.kernel.lastStep = -1;
  return undefined;
}

/** Keeps the replay's lowest uniMMR (and the account there). */
function noteMinimum(result: PortfolioReplay, snapshot: AccountSnapshot, t: number): void {
  if (snapshot.uniMMR !== null && (result.minUniMMR === null || snapshot.uniMMR.lt(result.minUniMMR))) {
    result.minUniMMR = snapshot.uniMMR;
    result.minUniMMRTime = t;
    result.worstSnapshot = snapshot;
  }
}
