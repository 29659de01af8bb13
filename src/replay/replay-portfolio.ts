import { Dec, ZERO } from '../domain/decimal.js';
import { loadPortfolio, SPAN_STEPS, type FastBatch, type PortfolioCapacity } from '../engine/fast/batch.js';
import { calculateAccountSnapshots, NO_QUIET_STATUS } from '../engine/fast/snapshot.js';
import { STATUS_CODES } from '../engine/fast/status.js';
import { InputError } from '../domain/errors.js';
import type { AccountSnapshot, AccountStatus, MarketSnapshot, Portfolio, Rules, RulesTimeline } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { findRulesAt } from '../rules/build.js';
import { clonePortfolio } from './account.js';
import { applyAction, describeAction } from './actions.js';
import { applyFunding, applyLoanInterest, applyNegativeBalanceInterest, DAY_MS, HOUR_MS } from './charges.js';
import type { ReplayEvent } from './events.js';
import { runLiquidation, type LiquidationOptions } from './liquidation.js';
import { describePriceState, findFirstAtOrAfter, seriesKey, type MarketTimeline } from './market-timeline.js';
import type { ExactPriceBook } from './step-market.js';
import { TimelineAccumulator, type TimelineRow } from './timeline.js';

export interface ReplayOptions {
  liquidation: LiquidationOptions;
  /** Timeline bucket size. */
  resolutionMs: number;
}

/** What one portfolio's replay yields, in exact numbers (the summary formats them). */
export interface PortfolioReplay {
  portfolioId: string;
  steps: number;
  /** Of `steps`, those the fast kernel evaluated (the rest, and every decision, were exact). */
  kernelSteps: number;
  gapSteps: number;
  initial: AccountSnapshot | undefined;
  final: AccountSnapshot | undefined;
  finalTime: number | undefined;
  minUniMMR: Dec | null;
  minUniMMRTime: number | undefined;
  /**
   * The account evaluated by the exact engine at the step of the minimum uniMMR (before any
   * liquidation at that step): the breakdown the report shows. Its uniMMR may differ from
   * `minUniMMR` within the parity tolerance when the minimum came from the fast kernel.
   */
  worstSnapshot: AccountSnapshot | undefined;
  firstTimeIn: Partial<Record<AccountStatus, number>>;
  liquidations: number;
  liquidationFeesUSD: Dec;
  bankruptcyLossUSD: Dec;
  bankrupt: boolean;
  warnings: string[];
  events: ReplayEvent[];
  timeline: TimelineRow[];
}

/** The kernel's first span, and its span after a stop. */
const MIN_SPAN = 16;

const PERPETUAL = (symbol: string) => !/_\d{6}$/.test(symbol);

/** Funding series the portfolio's perpetuals have none of: funding is then 0, and we say so. */
function findUnfundedPerpetuals(p: Portfolio, tl: MarketTimeline): string[] {
  const symbols = new Set([...p.umPositions, ...p.cmPositions].map((x) => x.symbol).filter(PERPETUAL));
  for (const a of p.actions) if (a.type === 'trade' && PERPETUAL(a.symbol)) symbols.add(a.symbol);
  return [...symbols].filter((s) => !tl.seriesIds.has(seriesKey('funding', s))).sort();
}

/** What time-driven charges can touch: loans (hourly interest), negative futures balances, positions. */
function describeExposure(p: Portfolio): { hasLoans: boolean; hasNegativeFutures: boolean; symbols: Set<string> } {
  return {
    hasLoans: p.balances.some((b) => !b.crossMarginBorrowed.isZero()),
    hasNegativeFutures: p.balances.some((b) => b.umWalletBalance.plus(b.cmWalletBalance).isNegative()),
    symbols: new Set([...p.umPositions, ...p.cmPositions].map((x) => x.symbol)),
  };
}

interface TimedItem {
  time: number;
  /** Same-time order: interest, then funding, then actions (a borrow at 14:00 is not charged twice). */
  order: number;
  seq: number;
  run: (market: MarketSnapshot, rules: Rules) => void;
}

/** The fast kernel's slot for one portfolio of a batch (issue: fast replay kernel). */
export interface FastSlot {
  batch: FastBatch;
  index: number;
  capacity: PortfolioCapacity;
  seriesId: (kind: 'index' | 'mark', name: string) => number;
}

/**
 * Replays one portfolio through the market timeline (docs/margin-rules.md §3–§5): at each step, everything
 * since the previous step happens in time order (loan interest on the hour, negative-balance
 * interest at 00:00 UTC, funding at its own time, scheduled actions), then the account is evaluated
 * at the step's prices, status changes are reported, and a liquidation runs per policy. The replay
 * goes on with what is left, until the end or a bankruptcy.
 *
 * With a fast slot, the float64 kernel evaluates the steps where nothing happens; any step whose
 * result is near a threshold, changes the status or liquidates is evaluated again by the exact
 * engine, whose result is the one used and reported. All state changes are exact, and the kernel's
 * copy of the account is reloaded after each.
 */
export function replayPortfolio(portfolio: Portfolio, book: ExactPriceBook, rulesTimeline: RulesTimeline, options: ReplayOptions, fast?: FastSlot): PortfolioReplay {
  const tl = book.timeline;
  let state = clonePortfolio(portfolio);
  const events: ReplayEvent[] = [];
  const timeline = new TimelineAccumulator(portfolio.id, options.resolutionMs);
  const out: PortfolioReplay = {
    portfolioId: portfolio.id, steps: 0, kernelSteps: 0, gapSteps: 0, initial: undefined, final: undefined, finalTime: undefined, minUniMMR: null, minUniMMRTime: undefined,
    worstSnapshot: undefined, firstTimeIn: {}, liquidations: 0, liquidationFeesUSD: ZERO, bankruptcyLossUSD: ZERO, bankrupt: false, warnings: [], events, timeline: timeline.rows,
  };
  for (const s of findUnfundedPerpetuals(portfolio, tl)) out.warnings.push(`no funding series for ${s}: its funding is taken as 0`);

  let status: AccountStatus | null = null;
  let inGap = false;
  let nextAction = 0;
  let seq = 0;
  // Fast-path bookkeeping: the kernel's copy is stale after any exact change of state or rules.
  let dirty = true;
  let loadedRules: Rules | undefined;
  let lastFastStep = -1;
  let spanLimit = MIN_SPAN;
  let fastMin = Number.POSITIVE_INFINITY;
  let fastMinTime = 0;
  // The step of fastMin, and a copy of the account as it was then once the state has changed since
  // (undefined while `state` still is that account): enough to evaluate it exactly at the end.
  let fastMinStep = -1;
  let fastMinState: Portfolio | undefined;
  const keepFastMinState = () => {
    if (fastMinStep >= 0 && fastMinState === undefined) fastMinState = clonePortfolio(state);
  };
  let exposure = describeExposure(state);
  const noteStatus = (to: AccountStatus, s: AccountSnapshot, time: number) => {
    if (to !== status) {
      events.push({ type: 'riskLevelChange', time, from: status, to, uniMMR: s.uniMMR });
      status = to;
    }
    out.firstTimeIn[to] ??= time;
  };

  // Only what can change this account makes a step eventful: interest ticks matter with loans or
  // negative futures balances, funding rows with a position in their symbol, and the next action.
  const n = tl.stepTimes.length;
  const previousTime = (k: number) => (k === 0 ? tl.from - 1 : tl.stepTimes[k - 1]!);
  const isTick = (ticks: Int32Array, k: number) => ticks[findFirstAtOrAfter(ticks, k)] === k;
  const isHourTick = (k: number) => exposure.hasLoans && isTick(tl.hourTickSteps, k);
  const isDayTick = (k: number) => exposure.hasNegativeFutures && isTick(tl.dayTickSteps, k);
  const fundsHeldSymbol = (k: number) => {
    for (let f = tl.fundingOffsets[k]!; f < tl.fundingOffsets[k + 1]!; f++) if (exposure.symbols.has(tl.series.symbols[tl.series.symbolIds[tl.fundingRows[f]!]!]!)) return true;
    return false;
  };
  /** The first eventful step at or after k (n when none); valid until the state changes. */
  const findNextEventful = (k: number): number => {
    let next = n;
    if (exposure.hasLoans) next = Math.min(next, tl.hourTickSteps[findFirstAtOrAfter(tl.hourTickSteps, k)] ?? n);
    if (exposure.hasNegativeFutures) next = Math.min(next, tl.dayTickSteps[findFirstAtOrAfter(tl.dayTickSteps, k)] ?? n);
    if (nextAction < state.actions.length) next = Math.min(next, Math.max(k, findFirstAtOrAfter(tl.stepTimes, state.actions[nextAction]!.time)));
    for (let i = findFirstAtOrAfter(tl.fundingSteps, k); i < tl.fundingSteps.length && tl.fundingSteps[i]! < next; i++) {
      if (fundsHeldSymbol(tl.fundingSteps[i]!)) return tl.fundingSteps[i]!;
    }
    return next;
  };
  let nextEventful = findNextEventful(0);

  for (let k = 0; k < n && !out.bankrupt; k++) {
    const t = tl.stepTimes[k]!;
    let marketNow: MarketSnapshot | undefined;
    if (k === nextEventful) {
      const tPrev = previousTime(k);
      const hourTick = isHourTick(k);
      const dayTick = isDayTick(k);
      keepFastMinState();
      marketNow = book.marketAt(k);
      const marketBefore = k === 0 ? marketNow : book.marketAt(k - 1);
      const items: TimedItem[] = [];
      for (let h = Math.floor(tPrev / HOUR_MS) * HOUR_MS + HOUR_MS; hourTick && h <= t; h += HOUR_MS) {
        items.push({ time: h, order: 0, seq: seq++, run: (_m, rules) => events.push(...applyLoanInterest(state, rules, h)) });
      }
      for (let d = Math.floor(tPrev / DAY_MS) * DAY_MS + DAY_MS; dayTick && d <= t; d += DAY_MS) {
        items.push({ time: d, order: 1, seq: seq++, run: (m, rules) => {
          const { events: charged, unpriced } = applyNegativeBalanceInterest(state, m, rules, d);
          events.push(...charged);
          for (const asset of unpriced) events.push({ type: 'priceGap', time: d, series: seriesKey('index', asset), reason: 'negative-balance interest not charged: no fresh index price' });
        } });
      }
      for (let f = tl.fundingOffsets[k]!; f < tl.fundingOffsets[k + 1]!; f++) {
        const row = tl.fundingRows[f]!;
        const time = tl.series.times[row]!;
        const symbol = tl.series.symbols[tl.series.symbolIds[row]!]!;
        items.push({ time, order: 2, seq: seq++, run: (m, rules) => {
          const paid = applyFunding(state, symbol, book.valueOfRow(row), m, rules, time);
          if (paid === undefined) events.push({ type: 'priceGap', time, series: seriesKey('mark', symbol), reason: 'funding not applied: no fresh mark price at the funding time' });
          else events.push(...paid);
        } });
      }
      while (nextAction < state.actions.length && state.actions[nextAction]!.time <= t) {
        const action = state.actions[nextAction++]!;
        if (action.time < tl.from) {
          events.push({ type: 'actionRefused', time: action.time, action: describeAction(action), reason: 'before the replay window (from)' });
          continue;
        }
        items.push({ time: action.time, order: 3, seq: seq++, run: (m, rules) => {
          const applied = applyAction(state, action, m, rules, status ?? 'NORMAL');
          state = applied.state;
          events.push(applied.event);
        } });
      }
      items.sort((a, b) => a.time - b.time || a.order - b.order || a.seq - b.seq);
      for (const item of items) item.run(item.time === t ? marketNow : marketBefore, findRulesAt(rulesTimeline, item.time));
      dirty = true;
      exposure = describeExposure(state);
      nextEventful = findNextEventful(k + 1);
    }

    const rules = findRulesAt(rulesTimeline, t);
    if (fast !== undefined) {
      const { batch: b, index: p } = fast;
      if (dirty || rules !== loadedRules) {
        loadPortfolio(b, p, state, rules, fast.seriesId, fast.capacity);
        dirty = false;
        loadedRules = rules;
      }
      // The steps from k to the next eventful one need nothing but an evaluation: one kernel call
      // runs them until one is not quiet (a status change, a price missing, a threshold near).
      // (The kernel holds one version of the rules: with dated changes, one step a call.)
      const quiet = status === null || status === 'FORCE_LIQUIDATION' || rulesTimeline.changes.length > 0 ? NO_QUIET_STATUS : STATUS_CODES.indexOf(status);
      const spanEnd = quiet === NO_QUIET_STATUS ? k + 1 : Math.max(k + 1, Math.min(n, k + spanLimit, nextEventful));
      const stop = calculateAccountSnapshots(b, p, tl, k, spanEnd, quiet);
      // The kernel evaluates its whole span before it looks for a stop: short spans after a stop,
      // doubling while quiet, bound the work a restless account wastes.
      spanLimit = stop < spanEnd ? MIN_SPAN : Math.min(2 * spanLimit, SPAN_STEPS);
      if (stop > k) {
        if (inGap) {
          inGap = false;
          events.push({ type: 'priceGapEnd', time: t });
        }
        timeline.addSpan(tl.stepTimes, k, stop, k, b.spanUniMMR, b.spanEquity, b.spanActual, b.spanMaintMargin, status!);
        for (let j = k; j < stop; j++) {
          if (b.spanUniMMR[j - k]! < fastMin) {
            fastMin = b.spanUniMMR[j - k]!;
            fastMinTime = tl.stepTimes[j]!;
            fastMinStep = j;
            fastMinState = undefined;
          }
        }
        out.steps += stop - k;
        out.kernelSteps += stop - k;
        lastFastStep = stop - 1;
        // The step that stopped the kernel (uneventful, as every step of the span) comes round
        // again, stops the kernel at once and goes to the exact engine.
        k = stop - 1;
        continue;
      }
    }

    marketNow ??= book.marketAt(k);
    let snap: AccountSnapshot;
    try {
      snap = calculateAccountSnapshot(state, marketNow, rules);
    } catch (e) {
      if (!(e instanceof InputError && e.source === 'market')) throw e;
      const key = e.path.startsWith('indexPrices.') ? seriesKey('index', e.path.slice('indexPrices.'.length)) : seriesKey('mark', e.path.slice('markPrices.'.length));
      const why = describePriceState(tl, key, k);
      if ('missing' in why && why.missing === 'no-series') throw new InputError('prices', key, `a ${key.split(':')[0]} price series for ${key.split(':')[1]} (portfolio ${portfolio.id} needs it)`, 'none in the file');
      out.gapSteps++;
      if (!inGap) {
        inGap = true;
        const reason = 'missing' in why && why.missing === 'stale' ? `stale: last price older than the staleness limit of ${tl.stalenessMs} ms` : 'no price yet';
        events.push({ type: 'priceGap', time: t, series: key, reason, lastTime: 'lastTime' in why ? why.lastTime : undefined });
      }
      continue;
    }
    if (inGap) {
      inGap = false;
      events.push({ type: 'priceGapEnd', time: t });
    }
    out.steps++;
    out.initial ??= snap;
    noteStatus(snap.accountStatus, snap, t);
    timeline.add(t, snap);
    if (snap.uniMMR !== null && (out.minUniMMR === null || snap.uniMMR.lt(out.minUniMMR))) {
      out.minUniMMR = snap.uniMMR;
      out.minUniMMRTime = t;
      out.worstSnapshot = snap;
    }
    if (snap.accountStatus === 'FORCE_LIQUIDATION') {
      keepFastMinState();
      const outcome = runLiquidation(state, snap, marketNow, rules, options.liquidation, t);
      events.push(...outcome.events);
      for (const e of outcome.events) {
        if (e.type === 'liquidation') {
          out.liquidations++;
          out.liquidationFeesUSD = out.liquidationFeesUSD.plus(e.feesUSD);
        }
        if (e.type === 'bankruptcy') out.bankruptcyLossUSD = out.bankruptcyLossUSD.plus(e.deficitUSD);
      }
      snap = outcome.snapshot;
      dirty = true;
      exposure = describeExposure(state);
      nextEventful = findNextEventful(k + 1);
      if (outcome.bankrupt) {
        out.bankrupt = true;
        noteStatus('BANKRUPTED', snap, t);
        timeline.add(t, snap, 'BANKRUPTED');
      } else {
        noteStatus(snap.accountStatus, snap, t);
      }
    }
    out.final = snap;
    out.finalTime = t;
    lastFastStep = -1;
  }
  // Fast steps are reported in float64 (docs/architecture.md "Parity contract"); the final account is evaluated exactly.
  if (fastMin < Number.POSITIVE_INFINITY && (out.minUniMMR === null || fastMin < out.minUniMMR.toNumber())) {
    out.minUniMMR = new Dec(fastMin);
    out.minUniMMRTime = fastMinTime;
    try {
      out.worstSnapshot = calculateAccountSnapshot(fastMinState ?? state, book.marketAt(fastMinStep), findRulesAt(rulesTimeline, fastMinTime));
    } catch (e) {
      // The kernel had every price of that step; should the exact engine still want one more, the
      // report goes without the breakdown rather than failing the portfolio.
      if (!(e instanceof InputError)) throw e;
      out.worstSnapshot = undefined;
    }
  }
  if (lastFastStep >= 0) {
    out.final = calculateAccountSnapshot(state, book.marketAt(lastFastStep), findRulesAt(rulesTimeline, tl.stepTimes[lastFastStep]!));
    out.finalTime = tl.stepTimes[lastFastStep];
  }
  return out;
}

/** The reference replay: every step through the exact engine. */
export function replayPortfolioExact(portfolio: Portfolio, book: ExactPriceBook, rulesTimeline: RulesTimeline, options: ReplayOptions): PortfolioReplay {
  return replayPortfolio(portfolio, book, rulesTimeline, options);
}
