import type { Portfolio, RulesTimeline } from '../domain/types.js';
import { findRulesAt } from '../rules/build.js';
import { resumeReplayState, type CheckpointKeeper, type ReplayCheckpoint } from './checkpoint.js';
import { applyDueCharges } from './due-charges.js';
import { evaluateExactStep } from './exact-step.js';
import { runFastSpan } from './fast-span.js';
import { finishReplay } from './finish-replay.js';
import { createReplayState, type FastSlot, type PortfolioReplay, type ReplayOptions } from './replay-state.js';
import type { ExactPriceBook } from './step-market.js';

export type { FastSlot, PortfolioReplay, ReplayOptions } from './replay-state.js';

/** Where a replay starts (a checkpoint; none: the window's start) and what it keeps (checkpoint.ts). */
export interface ReplayStart {
  from?: ReplayCheckpoint;
  keep?: CheckpointKeeper;
}

/**
 * Replays one portfolio through the market timeline (docs/margin-rules.md §3–§5, §7): at each step,
 * everything since the previous step happens in time order (loan interest on the hour,
 * negative-balance interest at 00:00 UTC, funding at its own time, scheduled actions), then the
 * account is evaluated at the step's prices, status changes are reported, and a liquidation runs
 * per policy. The replay goes on with what is left, until the end or a bankruptcy.
 *
 * With a fast slot, the float64 kernel evaluates the steps where nothing happens, and the status
 * changes it decides as the exact engine does (clear of every threshold's band, the printed uniMMR
 * fixed by its error bound: fast-span.ts); any other step whose result is near a threshold, changes
 * the status or liquidates is evaluated again by the exact engine, whose result is the one used and
 * reported. All state changes are exact, and the kernel's copy of the account is reloaded after each.
 *
 * `at.from`: the replay starts at that checkpoint's step, from its account (checkpoint.ts);
 * `at.keep`: checkpoints this replay leaves for later ones.
 */
export function replayPortfolio(portfolio: Portfolio, book: ExactPriceBook, rulesTimeline: RulesTimeline, options: ReplayOptions, fast?: FastSlot, at: ReplayStart = {}): PortfolioReplay {
  const timeline = book.timeline;
  const state = at.from === undefined ? createReplayState(portfolio, timeline, options) : resumeReplayState(portfolio, timeline, options, at.from);
  for (let k = at.from?.k ?? 0; k < timeline.stepTimes.length && !state.result.bankrupt; ) {
    const market = k === state.nextEventful ? applyDueCharges(state, book, rulesTimeline, k) : undefined;
    const rules = findRulesAt(rulesTimeline, timeline.stepTimes[k]!);
    const stop = fast === undefined ? k : runFastSpan(state, fast, timeline, rulesTimeline, rules, k, at.keep);
    if (stop > k) {
      k = stop;
      continue;
    }
    at.keep?.before(state, k);
    evaluateExactStep(state, { timeline, k, market: market ?? book.marketAt(k), rules, options, book });
    at.keep?.after(state);
    k++;
  }
  return finishReplay(state, book, rulesTimeline, fast);
}

/** The reference replay: every step through the exact engine. */
export function replayPortfolioExact(portfolio: Portfolio, book: ExactPriceBook, rulesTimeline: RulesTimeline, options: ReplayOptions): PortfolioReplay {
  return replayPortfolio(portfolio, book, rulesTimeline, options);
}
