import { ZERO, type Dec } from '../domain/decimal.js';
import type { AccountStatus, Portfolio, Rules } from '../domain/types.js';
import type { FastBatch, PortfolioCapacity } from '../engine/fast/batch.js';
import type { ReplayOutcome } from '../records/portfolio-summary.js';
import { clonePortfolio } from './account.js';
import { describeExposure, describeExposureAfterCharges, findNextEventfulStep, findUnfundedPerpetuals, type Exposure } from './eventful-steps.js';
import type { ReplayEvent } from './events.js';
import type { LiquidationOptions } from './liquidation.js';
import type { MarketTimeline } from './market-timeline.js';
import type { TimelineBlock } from '../records/timeline.js';
import { TimelineAccumulator, type TimelineRow } from './timeline.js';

export interface ReplayOptions {
  liquidation: LiquidationOptions;
  /** Timeline bucket size. */
  resolutionMs: number;
  /**
   * Hold the portfolio as it was: no liquidation at FORCE_LIQUIDATION (the status is reported and
   * the account kept). The top-up to survive replays the path this way (docs/risk.md).
   */
  hold?: boolean;
}

/** What one portfolio's replay yields, in exact numbers (the summary formats them). */
export interface PortfolioReplay extends ReplayOutcome {
  events: ReplayEvent[];
  /** The timeline's rows as objects, made when read (tests, tools): a job writes timelineBlock. */
  readonly timeline: TimelineRow[];
  timelineBlock: TimelineBlock;
}

/** The fast kernel's slot for one portfolio of a batch (issue: fast replay kernel). */
export interface FastSlot {
  batch: FastBatch;
  index: number;
  capacity: PortfolioCapacity;
  seriesId: (kind: 'index' | 'mark', name: string) => number;
}

/** The kernel's first span, and its span after a stop. */
export const MIN_SPAN = 16;

/** The fast kernel's side of a replay: its copy of the account goes stale after any exact change. */
export interface KernelBookkeeping {
  /** The account or its rules changed since the kernel's copy was loaded. */
  stale: boolean;
  /** Of the changes since then, all were to balance amounts (charges): the kernel rewrites the nets alone. */
  balancesOnly: boolean;
  loadedRules: Rules | undefined;
  /** The last step of the latest span, while no exact step has followed it (−1 otherwise): the final account is evaluated there. */
  lastStep: number;
  /**
   * The first step of the kernel call that gave that span, while the batch's span arrays still hold
   * its results (−1 otherwise: none yet, or the bars' extremes were screened after it).
   */
  lastSpanFrom: number;
  /** The longest span the next kernel call may run. */
  spanLimit: number;
}

/** The lowest uniMMR the kernel reported (float64), to be compared with the exact minimum at the end. */
export interface FastMinimum {
  uniMMR: number;
  time: number;
  /** Its step (−1: none yet). */
  step: number;
  /** A copy of the account as it was at that step, once the account has changed since (undefined while the replay's account still is that account). */
  account: Portfolio | undefined;
  /** It was at the bar's adverse extreme, not the close. */
  extreme: boolean;
}

/** Everything a replay carries from one step to the next. */
export interface ReplayState {
  /** The account as replayed so far (the replay's own copy, changed in place or replaced by an action). */
  account: Portfolio;
  /** The status last reported (null before the first evaluated step). */
  status: AccountStatus | null;
  /** A priceGap is open (reported, its priceGapEnd not yet). */
  inGap: boolean;
  /** Index into account.actions of the next scheduled action not yet taken. */
  nextAction: number;
  exposure: Exposure;
  /** The next step where something is charged or scheduled for this account. */
  nextEventful: number;
  kernel: KernelBookkeeping;
  fastMinimum: FastMinimum;
  timeline: TimelineAccumulator;
  /** The result being built: events and timeline rows are appended to it as they happen. */
  result: PortfolioReplay;
  /** ReplayOptions.hold: FORCE_LIQUIDATION is a status like the others (the kernel may be quiet in it). */
  hold: boolean;
}

export function createReplayState(portfolio: Portfolio, tl: MarketTimeline, options: ReplayOptions): ReplayState {
  const account = clonePortfolio(portfolio);
  const timeline = new TimelineAccumulator(portfolio.id, options.resolutionMs, countBuckets(tl, options.resolutionMs));
  const exposure = describeExposure(account);
  return {
    account,
    status: null,
    inGap: false,
    nextAction: 0,
    exposure,
    nextEventful: findNextEventfulStep(tl, exposure, account.actions, 0, 0),
    kernel: { stale: true, balancesOnly: false, loadedRules: undefined, lastStep: -1, lastSpanFrom: -1, spanLimit: MIN_SPAN },
    fastMinimum: { uniMMR: Number.POSITIVE_INFINITY, time: 0, step: -1, account: undefined, extreme: false },
    timeline,
    result: {
      portfolioId: portfolio.id, steps: 0, kernelSteps: 0, gapSteps: 0, initial: undefined, final: undefined, finalTime: undefined, minUniMMR: null, minUniMMRTime: undefined,
      worstSnapshot: undefined, firstTimeIn: {}, liquidations: 0, liquidationFeesUSD: ZERO, bankruptcyLossUSD: ZERO, bankrupt: false,
      warnings: findUnfundedPerpetuals(portfolio, tl).map((s) => `no funding series for ${s}: its funding is taken as 0`), events: [], timelineBlock: timeline.block,
      get timeline() {
        return timeline.rows;
      },
    },
    hold: options.hold === true,
  };
}

/** The buckets the window's steps fall in (at most BLOCK_ROWS_FIRST: a block grows past them as needed). */
function countBuckets(tl: MarketTimeline, resolutionMs: number): number {
  const n = tl.stepTimes.length;
  if (n === 0) return 1;
  return Math.min(BLOCK_ROWS_FIRST, Math.floor(tl.stepTimes[n - 1]! / resolutionMs) - Math.floor(tl.stepTimes[0]! / resolutionMs) + 1);
}
const BLOCK_ROWS_FIRST = 1024;

/**
 * Reports a status change (every change, both ways) and the first time in each status; `intrabar`:
 * found at the bar's adverse extreme (docs/margin-rules.md §7).
 */
export function noteStatus(state: ReplayState, to: AccountStatus, uniMMR: Dec | null, time: number, intrabar = false): void {
  if (to !== state.status) {
    state.result.events.push({ type: 'riskLevelChange', time, from: state.status, to, uniMMR, ...(intrabar ? { intrabar: true as const } : {}) });
    state.status = to;
  }
  state.result.firstTimeIn[to] ??= time;
}

/** Call before the account changes: keeps the account of the kernel's minimum for its exact evaluation at the end. */
export function keepFastMinimumAccount(state: ReplayState): void {
  if (state.fastMinimum.step >= 0 && state.fastMinimum.account === undefined) state.fastMinimum.account = clonePortfolio(state.account);
}

/**
 * Call after the account changed exactly: the kernel reloads it (only the balances' nets when
 * `balancesOnly`: charges moved amounts and nothing else), and what is eventful is found again
 * from `fromStep`.
 */
export function noteAccountChanged(state: ReplayState, tl: MarketTimeline, fromStep: number, balancesOnly = false): void {
  state.kernel.balancesOnly = (!state.kernel.stale || state.kernel.balancesOnly) && balancesOnly;
  state.kernel.stale = true;
  state.exposure = balancesOnly ? describeExposureAfterCharges(state.account, state.exposure) : describeExposure(state.account);
  state.nextEventful = findNextEventfulStep(tl, state.exposure, state.account.actions, state.nextAction, fromStep);
}
