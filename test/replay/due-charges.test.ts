import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { applyDueCharge, applyDueCharges, takeDueCharges } from '../../src/replay/due-charges.js';
import { replayPortfolio, replayPortfolioExact } from '../../src/replay/replay-portfolio.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { at, bookOf, ofType, OPTIONS, pricesAt, rulesTimelineOf, stateOf } from '../helpers/replay.js';
import { MINUTE } from '../helpers/series.js';

const rules = rulesTimelineOf();
// Steps at minutes 0 and 60; a funding row exactly at minute 60 (step 1).
const book = bookOf([...pricesAt([0, 60]), [at(60), 'BTCUSDT', 'funding', 0.0001]]);
const account = {
  balances: [{ asset: 'USDT', umWalletBalance: '10000', crossMarginFree: '1000', crossMarginBorrowed: '1000' }],
  umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }],
  actions: [
    { time: at(-5), type: 'repay', asset: 'USDT', amount: '1' },
    { time: at(60), type: 'repay', asset: 'USDT', amount: '100' },
  ],
};

describe('takeDueCharges', () => {
  it('refuses an action before the window and takes nothing else at step 0 but the hour and the day', () => {
    const state = stateOf(account, book, rules);
    const { charges, refused } = takeDueCharges(state, book, 0);
    expect(refused).toEqual([{ type: 'actionRefused', time: at(-5), action: 'repay 1 USDT', reason: 'before the replay window (from)' }]);
    // step 0 at 00:00 starts an hour (loan interest) and a day (due whatever the account holds:
    // with no negative balance then, it charges nothing)
    expect(charges).toEqual([{ kind: 'loanInterest', time: at(0) }, { kind: 'negativeBalanceInterest', time: at(0) }]);
    expect(state.nextAction).toBe(1);
  });
  it('orders what falls at one time: interest, then funding, then actions', () => {
    const state = stateOf(account, book, rules);
    takeDueCharges(state, book, 0);
    const { charges } = takeDueCharges(state, book, 1);
    expect(charges.map((c) => [c.kind, c.time])).toEqual([['loanInterest', at(60)], ['funding', at(60)], ['action', at(60)]]);
    expect(state.nextAction).toBe(2);
  });
  it('gives accounts without actions at a step the same list, which an account\'s actions do not change', () => {
    const [plain, other] = [stateOf({ ...account, actions: [] }, book, rules), stateOf({ ...account, actions: [] }, book, rules)];
    const shared = takeDueCharges(plain, book, 1).charges;
    expect(takeDueCharges(other, book, 1).charges).toBe(shared);
    const withAction = stateOf(account, book, rules);
    takeDueCharges(withAction, book, 0);
    expect(takeDueCharges(withAction, book, 1).charges.map((c) => c.kind)).toEqual(['loanInterest', 'funding', 'action']);
    expect(shared.map((c) => c.kind)).toEqual(['loanInterest', 'funding']);
    expect(takeDueCharges(stateOf({ ...account, actions: [] }, book, rules), book, 1).charges).toBe(shared);
  });
});

describe('applyDueCharge', () => {
  it('charges an hour of loan interest', () => {
    const state = stateOf(account, book, rules);
    applyDueCharge(state, { kind: 'loanInterest', time: at(60) }, book.marketAt(1), rules.base);
    // 1,000 borrowed · 0.0001 = 0.1 USDT
    expect(ofType(state.result.events, 'interest').map((e) => e.amount.toString())).toEqual(['0.1']);
    expect(state.account.balances[0]!.crossMarginInterest.toString()).toBe('0.1');
  });
  it('adds each payment to the timeline\'s cash flow in USD: funding received, less interest charged', () => {
    const state = stateOf(account, book, rules);
    const market = book.marketAt(1);
    applyDueCharge(state, { kind: 'loanInterest', time: at(60) }, market, rules.base);
    const usdt = market.indexPrices.get('USDT')!.toNumber();
    expect(state.timeline.cashFlowUSD).toBeCloseTo(-0.1 * usdt, 12);
    applyDueCharge(state, { kind: 'funding', time: at(60), symbol: 'BTCUSDT', rate: new Dec('0.0001') }, market, rules.base);
    // long 1 BTC pays 1 · mark · 0.0001 USDT
    const paid = ofType(state.result.events, 'funding')[0]!.amount.toNumber();
    expect(paid).toBeLessThan(0);
    expect(state.timeline.cashFlowUSD).toBeCloseTo((paid - 0.1) * usdt, 12);
    // an action that charges nothing leaves it
    applyDueCharge(state, { kind: 'action', time: at(60), action: state.account.actions[1]! }, market, rules.base);
    expect(state.timeline.cashFlowUSD).toBeCloseTo((paid - 0.1) * usdt, 12);
  });
  it('reports a price gap instead of funding without a fresh mark price', () => {
    const state = stateOf(account, book, rules);
    const noMark = { ...book.marketAt(1), markPrices: { get: () => undefined } };
    applyDueCharge(state, { kind: 'funding', time: at(60), symbol: 'BTCUSDT', rate: new Dec('0.0001') }, noMark, rules.base);
    expect(state.result.events).toEqual([{ type: 'priceGap', time: at(60), series: 'mark:BTCUSDT', reason: 'funding not applied: no fresh mark price at the funding time' }]);
  });
  it('replaces the account with the one an action leaves', () => {
    const state = stateOf(account, book, rules);
    const before = state.account;
    applyDueCharge(state, { kind: 'action', time: at(60), action: state.account.actions[1]! }, book.marketAt(1), rules.base);
    expect(state.account).not.toBe(before);
    // repaying 100 of the 1,000 borrowed
    expect(state.account.balances[0]!.crossMarginBorrowed.toString()).toBe('900');
  });
});

describe('applyDueCharge of a borrow', () => {
  it('reports the action, then the first hour\'s interest it charged', () => {
    const doc = { ...account, actions: [{ time: at(30), type: 'borrow', asset: 'USDT', amount: '500' }] };
    const state = stateOf(doc, book, rules);
    applyDueCharge(state, { kind: 'action', time: at(30), action: state.account.actions[0]! }, book.marketAt(0), rules.base);
    // 500 · 0.0001 = 0.05 USDT, at the borrow's time
    expect(state.result.events.map((e) => [e.type, e.time])).toEqual([['action', at(30)], ['interest', at(30)]]);
    expect(ofType(state.result.events, 'interest')).toEqual([{ type: 'interest', time: at(30), asset: 'USDT', kind: 'loan', amount: new Dec('0.05') }]);
    expect(state.account.balances[0]!.crossMarginInterest.toString()).toBe('0.05');
  });
});

describe('a borrow is charged at borrow and at every full hour it is outstanding at, whatever the steps around it', () => {
  // 1,000 USDT borrowed at 0.001 %/h: 1,000 × 0.00001 = 0.01 USDT an hour. Prices run from 13:00 to
  // 15:30 UTC, so a borrow before 14:00 is charged 3 times (at borrow, 14:00, 15:00) and one at or
  // after 14:00 twice (at borrow, 15:00): a borrow at exactly 14:00 is charged at borrow, not again at
  // the hour (same-time order: interest, then funding, then actions).
  const interestRules = rulesTimelineOf({ loanInterestHourly: { default: '0.00001' } });
  const minuteSteps = Array.from({ length: 151 }, (_, i) => 13 * 60 + i);
  const quarterSteps = Array.from({ length: 11 }, (_, i) => 13 * 60 + 15 * i);
  const quarterStepsOffHour = Array.from({ length: 10 }, (_, i) => 13 * 60 + 10 + 15 * i);
  const clock = (t: number) => new Date(t).toISOString().slice(11, 23);
  const hm = (h: number, m: number, ms = 0) => at(h * 60 + m) + ms;

  function replayBorrow(steps: number[], time: number) {
    const book = bookOf(pricesAt(steps));
    const portfolio = portfolioOf({ marginLeverage: 5, balances: [{ asset: 'USDT', crossMarginFree: '1000' }], actions: [{ time, type: 'borrow', asset: 'USDT', amount: '1000' }] }, interestRules.base);
    const exact = replayPortfolioExact(portfolio, book, interestRules, OPTIONS);
    const fast = replayPortfolio(portfolio, book, interestRules, OPTIONS, fastSlotsOf([portfolio], interestRules.base, book.timeline)[0]);
    // the fast path (the kernel between eventful steps) reports the same charges at the same times
    expect(fast.events).toEqual(exact.events);
    expect(ofType(exact.events, 'action').map((e) => e.detail)).toEqual(["borrowed; first hour's interest 0.01 USDT"]);
    return exact;
  }

  it.each([
    ['minute steps, 13:30:30', minuteSteps, hm(13, 30, 30_000), ['13:30:30.000', '14:00:00.000', '15:00:00.000']],
    ['minute steps, 13:58:30', minuteSteps, hm(13, 58, 30_000), ['13:58:30.000', '14:00:00.000', '15:00:00.000']],
    ['minute steps, 13:59:00 (on the last step before the hour)', minuteSteps, hm(13, 59), ['13:59:00.000', '14:00:00.000', '15:00:00.000']],
    ['minute steps, 13:59:30 (between the last step and the hour)', minuteSteps, hm(13, 59, 30_000), ['13:59:30.000', '14:00:00.000', '15:00:00.000']],
    ['minute steps, 13:59:59.999', minuteSteps, hm(13, 59, MINUTE - 1), ['13:59:59.999', '14:00:00.000', '15:00:00.000']],
    ['minute steps, 14:00:00.000 (on the hour)', minuteSteps, hm(14, 0), ['14:00:00.000', '15:00:00.000']],
    ['minute steps, 14:00:00.001', minuteSteps, hm(14, 0, 1), ['14:00:00.001', '15:00:00.000']],
    ['a step every 15 min, 13:50', quarterSteps, hm(13, 50), ['13:50:00.000', '14:00:00.000', '15:00:00.000']],
    ['a step every 15 min, 13:59:30', quarterSteps, hm(13, 59, 30_000), ['13:59:30.000', '14:00:00.000', '15:00:00.000']],
    ['steps at :10, :25, :40, :55 (none on the hour), 13:59:30', quarterStepsOffHour, hm(13, 59, 30_000), ['13:59:30.000', '14:00:00.000', '15:00:00.000']],
  ])('%s', (_name, steps, time, charged) => {
    const r = replayBorrow(steps, time);
    const interest = ofType(r.events, 'interest');
    expect(interest.length).toBe(charged.length);
    expect(interest.map((e) => [clock(e.time), e.kind, e.amount.toString()])).toEqual(charged.map((c) => [c, 'loan', '0.01']));
    // what the events say is what was charged: USDT net 1,000 + 1,000 borrowed − 1,000 owed − 0.01 an hour
    expect(r.final!.assets.find((a) => a.asset === 'USDT')!.net.toString()).toBe(new Dec(1000).minus(new Dec('0.01').times(charged.length)).toString());
  });
});

describe('applyDueCharges', () => {
  it('applies a step\'s charges in order, then marks the account changed for the kernel', () => {
    const state = stateOf(account, book, rules);
    state.kernel.stale = false;
    const market = applyDueCharges(state, book, rules, 1);
    expect(market.time).toBe(at(60));
    // the refusal of the action before the window comes first (it was never due in the window);
    // then interest 1,000·0.0001 = 0.1, funding −1·40,000·0.0001 = −4 USDT, the repay of 100
    expect(state.result.events.map((e) => e.type)).toEqual(['actionRefused', 'interest', 'funding', 'action']);
    expect(ofType(state.result.events, 'funding')[0]!.amount.toString()).toBe('-4');
    expect(state.account.balances[0]!.umWalletBalance.toString()).toBe('9996');
    expect(state.kernel.stale).toBe(true);
    // nothing left to do after the last step
    expect(state.nextEventful).toBe(2);
  });
});
