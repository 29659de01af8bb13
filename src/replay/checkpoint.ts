import type { AccountStatus, Portfolio } from '../domain/types.js';
import { clonePortfolio } from './account.js';
import { statusSeverity } from './actions.js';
import type { ReplayEvent } from './events.js';
import type { MarketTimeline } from './market-timeline.js';
import { createReplayState, noteAccountChanged, type ReplayOptions, type ReplayState } from './replay-state.js';

// A replay that starts part-way: the top-up to survive (docs/risk.md "Top-up to survive") replays
// the same path many times, each identical to the job's own replay up to a known step; it starts
// there instead of redoing the prefix.

/**
 * A replay's state at step k, its charges and actions due by then applied, before the step is
 * evaluated: what a replay started there needs (the kernel reloads; minimum, timeline and the
 * result's counts start afresh).
 */
export interface ReplayCheckpoint {
  k: number;
  /** The account (a copy the checkpoint owns; its `actions` are the replayed portfolio's). */
  account: Portfolio;
  /** The status last reported before step k (null: none yet). */
  status: AccountStatus | null;
  inGap: boolean;
  /** Of the account's actions, how many were taken by step k. */
  nextAction: number;
  /** Events the replay started here begins with (a caller's own, e.g. an action it applied at k). */
  events?: ReplayEvent[];
}

/**
 * Keeps, for each status asked for, the checkpoint of the step that first brought the replay to
 * that status or a worse one. A status is first reached at an exact step or at a change the kernel
 * decides (replay/fast-span.ts), and both call before() and after() around it: copying the account
 * before each of them until all are reached is enough.
 */
export class CheckpointKeeper {
  readonly kept = new Map<AccountStatus, ReplayCheckpoint>();
  private pending: ReplayCheckpoint | undefined;
  constructor(private readonly statuses: readonly AccountStatus[]) {}

  /** Before step k's status is decided (by the exact engine, or the kernel's change). */
  before(state: ReplayState, k: number): void {
    if (this.kept.size === this.statuses.length) return;
    this.pending = { k, account: clonePortfolio(state.account), status: state.status, inGap: state.inGap, nextAction: state.nextAction };
  }

  /** After it: the statuses it reached for the first time keep its checkpoint. */
  after(state: ReplayState): void {
    if (this.pending === undefined) return;
    const reached = Object.keys(state.result.firstTimeIn) as AccountStatus[];
    for (const s of this.statuses) {
      if (!this.kept.has(s) && reached.some((r) => statusSeverity(r) >= statusSeverity(s))) this.kept.set(s, this.pending);
    }
    this.pending = undefined;
  }
}

/** The state of a replay of `portfolio` started at a checkpoint (its account: the checkpoint's, with the portfolio's actions). */
export function resumeReplayState(portfolio: Portfolio, tl: MarketTimeline, options: ReplayOptions, from: ReplayCheckpoint): ReplayState {
  const state = createReplayState(portfolio, tl, options);
  state.account = { ...clonePortfolio(from.account), actions: portfolio.actions };
  state.status = from.status;
  state.inGap = from.inGap;
  state.nextAction = from.nextAction;
  state.result.events.push(...(from.events ?? []));
  // What was due at step k is in the account already: the next eventful step is after it.
  noteAccountChanged(state, tl, from.k + 1);
  return state;
}
