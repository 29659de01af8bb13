import { floatOf, floatOfDecimal, type Dec } from '../domain/decimal.js';
import type { Action, MarketSnapshot, Rules, RulesTimeline } from '../domain/types.js';
import { findRulesAt } from '../rules/build.js';
import { applyAction, describeAction } from './actions.js';
import { applyFunding, applyLoanInterest, applyNegativeBalanceInterest, DAY_MS, HOUR_MS } from './charges.js';
import { isDayTick, isHourTick } from './eventful-steps.js';
import type { ReplayEvent } from './events.js';
import { seriesKey } from './market-timeline.js';
import { keepFastMinimumAccount, noteAccountChanged, type ReplayState } from './replay-state.js';
import type { ExactPriceBook } from './step-market.js';

/** Something that happens to the account at its own time between two steps (docs/margin-rules.md §7). */
export type DueCharge =
  | { kind: 'loanInterest'; time: number }
  | { kind: 'negativeBalanceInterest'; time: number }
  | { kind: 'funding'; time: number; symbol: string; rate: Dec }
  | { kind: 'action'; time: number; action: Action };

/** Same-time order: interest, then funding, then actions (a borrow at 14:00 is not charged twice). */
const SAME_TIME_ORDER: Record<DueCharge['kind'], number> = { loanInterest: 0, negativeBalanceInterest: 1, funding: 2, action: 3 };

/**
 * What is due since the step before k, up to and at step k, in the order it happens; takes the
 * scheduled actions (advancing state.nextAction). Actions before the replay window are refused
 * instead, and those refusals returned. Every full UTC hour and every 00:00 in the window is due
 * whatever the account held at the previous step: an action in the window before the hour (a borrow
 * at 13:59:30 taken at the 14:00 step) changes what is outstanding at it, and each charge is
 * applied to what is outstanding at its own time. The returned lists are not to be changed: without
 * actions, `charges` is the step's list shared by every account (scheduledCharges).
 */
export function takeDueCharges(state: ReplayState, book: ExactPriceBook, k: number): { charges: readonly DueCharge[]; refused: readonly ReplayEvent[] } {
  const tl = book.timeline;
  const t = tl.stepTimes[k]!;
  const scheduled = scheduledCharges(book, k);
  const actions = state.account.actions;
  if (state.nextAction >= actions.length || actions[state.nextAction]!.time > t) return { charges: scheduled, refused: NONE };
  const charges = [...scheduled];
  const refused: ReplayEvent[] = [];
  for (; state.nextAction < actions.length && actions[state.nextAction]!.time <= t; state.nextAction++) {
    const action = actions[state.nextAction]!;
    if (action.time < tl.from) refused.push({ type: 'actionRefused', time: action.time, action: describeAction(action), reason: 'before the replay window (from)' });
    else charges.push({ kind: 'action', time: action.time, action });
  }
  // A stable sort of the step's sorted list and the actions after it: the same order as sorting
  // them all at once (same time and kind stay in the order found; actions as scheduled).
  charges.sort(byTimeAndKind);
  return { charges, refused };
}

const NONE: readonly ReplayEvent[] = [];
const byTimeAndKind = (a: DueCharge, b: DueCharge) => a.time - b.time || SAME_TIME_ORDER[a.kind] - SAME_TIME_ORDER[b.kind];

// The interest ticks and funding rows due at step k depend on the timeline alone: made once per
// step and price book, and shared by the batch's accounts (a thousand portfolios' 21 funding
// steps a week were 21,000 lists made, filled and sorted). Dropped when a long history's steps
// fill the cache.
const scheduledByBook = new WeakMap<ExactPriceBook, Map<number, readonly DueCharge[]>>();
const SCHEDULED_KEPT = 4096;

/** The interest ticks and funding rows due since the step before k, up to and at k, in time order. */
function scheduledCharges(book: ExactPriceBook, k: number): readonly DueCharge[] {
  let byStep = scheduledByBook.get(book);
  if (byStep === undefined) scheduledByBook.set(book, (byStep = new Map()));
  let charges = byStep.get(k);
  if (charges !== undefined) return charges;
  const tl = book.timeline;
  const t = tl.stepTimes[k]!;
  const previous = k === 0 ? tl.from - 1 : tl.stepTimes[k - 1]!;
  const list: DueCharge[] = [];
  if (isHourTick(tl, k)) for (let h = Math.floor(previous / HOUR_MS) * HOUR_MS + HOUR_MS; h <= t; h += HOUR_MS) list.push({ kind: 'loanInterest', time: h });
  if (isDayTick(tl, k)) for (let d = Math.floor(previous / DAY_MS) * DAY_MS + DAY_MS; d <= t; d += DAY_MS) list.push({ kind: 'negativeBalanceInterest', time: d });
  for (let f = tl.fundingOffsets[k]!; f < tl.fundingOffsets[k + 1]!; f++) {
    const row = tl.fundingRows[f]!;
    list.push({ kind: 'funding', time: tl.series.times[row]!, symbol: tl.series.symbols[tl.series.symbolIds[row]!]!, rate: book.valueOfRow(row) });
  }
  // A stable sort: same time and kind stay in the order found (funding rows as in the file).
  list.sort(byTimeAndKind);
  charges = list;
  if (byStep.size >= SCHEDULED_KEPT) byStep.clear();
  byStep.set(k, charges);
  return charges;
}

/**
 * Applies one due charge to the account at the market and rules in force at its time, reporting
 * what it did, and adds the payments among what it reported to the timeline's running cash flow.
 */
export function applyDueCharge(state: ReplayState, charge: DueCharge, market: MarketSnapshot, rules: Rules): void {
  const reported = state.result.events.length;
  applyCharge(state, charge, market, rules);
  addCashFlow(state, reported, market);
}

/**
 * The timeline's cash flow (timeline.arrow `cashFlowUSD`, float64 for charts): funding received
 * less interest charged, each in USD at its asset's index price in force at its time, for the
 * payments reported since event `from`. A payment whose asset has no fresh index price then is
 * left out of it (the summary's exact totals, in the payment's own asset, still count it).
 */
function addCashFlow(state: ReplayState, from: number, market: MarketSnapshot): void {
  const events = state.result.events;
  if (from === events.length) return;
  // Added up in a local, in the same order, and stored once: the same float.
  let cashFlow = state.timeline.cashFlowUSD;
  for (let i = from; i < events.length; i++) {
    const e = events[i]!;
    if (e.type !== 'funding' && e.type !== 'interest') continue;
    const price = market.indexPrices.get(e.asset);
    if (price === undefined) continue;
    // A price is read for many payments: its float is kept (floatOf); a payment's is converted once.
    const usd = floatOfDecimal(e.amount) * floatOf(price);
    cashFlow += e.type === 'funding' ? usd : -usd;
  }
  state.timeline.cashFlowUSD = cashFlow;
}

function applyCharge(state: ReplayState, charge: DueCharge, market: MarketSnapshot, rules: Rules): void {
  const events = state.result.events;
  switch (charge.kind) {
    case 'loanInterest':
      events.push(...applyLoanInterest(state.account, rules, charge.time));
      return;
    case 'negativeBalanceInterest': {
      const { events: charged, unpriced } = applyNegativeBalanceInterest(state.account, market, rules, charge.time);
      events.push(...charged);
      for (const asset of unpriced) events.push({ type: 'priceGap', time: charge.time, series: seriesKey('index', asset), reason: 'negative-balance interest not charged: no fresh index price' });
      return;
    }
    case 'funding': {
      if (applyFunding(state.account, charge.symbol, charge.rate, market, rules, charge.time, events) === undefined) events.push({ type: 'priceGap', time: charge.time, series: seriesKey('mark', charge.symbol), reason: 'funding not applied: no fresh mark price at the funding time' });
      return;
    }
    case 'action': {
      const applied = applyAction(state.account, charge.action, market, rules, state.status ?? 'NORMAL');
      state.account = applied.state;
      events.push(applied.event, ...applied.charged);
      return;
    }
  }
}

/**
 * Step k is eventful: applies everything due since the previous step in time order, each at the
 * step's market if it falls on the step's time, else at the previous step's (the prices in force
 * then). Returns the step's market, for the evaluation that follows.
 */
export function applyDueCharges(state: ReplayState, book: ExactPriceBook, rulesTimeline: RulesTimeline, k: number): MarketSnapshot {
  const t = book.timeline.stepTimes[k]!;
  keepFastMinimumAccount(state);
  const marketNow = book.marketAt(k);
  const marketBefore = k === 0 ? marketNow : book.marketAt(k - 1);
  const { charges, refused } = takeDueCharges(state, book, k);
  state.result.events.push(...refused);
  for (const charge of charges) applyDueCharge(state, charge, charge.time === t ? marketNow : marketBefore, findRulesAt(rulesTimeline, charge.time));
  // Interest and funding move balance amounts only; an action may change anything.
  noteAccountChanged(state, book.timeline, k + 1, charges.every((c) => c.kind !== 'action'));
  return marketNow;
}
