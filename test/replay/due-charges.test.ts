import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { applyDueCharge, applyDueCharges, takeDueCharges } from '../../src/replay/due-charges.js';
import { at, bookOf, ofType, pricesAt, rulesTimelineOf, stateOf } from '../helpers/replay.js';

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
  it('refuses an action before the window and takes nothing else at step 0 but the first hour', () => {
    const state = stateOf(account, book, rules);
    const { charges, refused } = takeDueCharges(state, book, 0);
    expect(refused).toEqual([{ type: 'actionRefused', time: at(-5), action: 'repay 1 USDT', reason: 'before the replay window (from)' }]);
    // step 0 at 00:00 starts an hour (loan interest) and a day (no negative balance: no charge)
    expect(charges).toEqual([{ kind: 'loanInterest', time: at(0) }]);
    expect(state.nextAction).toBe(1);
  });
  it('orders what falls at one time: interest, then funding, then actions', () => {
    const state = stateOf(account, book, rules);
    takeDueCharges(state, book, 0);
    const { charges } = takeDueCharges(state, book, 1);
    expect(charges.map((c) => [c.kind, c.time])).toEqual([['loanInterest', at(60)], ['funding', at(60)], ['action', at(60)]]);
    expect(state.nextAction).toBe(2);
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
