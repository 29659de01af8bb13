import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { applyAction, describeAction, isWorseThan } from '../../src/replay/actions.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { at, rulesTimelineOf } from '../helpers/replay.js';

const rules = rulesTimelineOf().base;
const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000' });
const accountWith = (actions: unknown[]) => portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '10000', crossMarginFree: '100' }], actions }, rules);

describe('applyAction', () => {
  it('applies a trade to a copy at the mark price and describes it', () => {
    const account = accountWith([{ time: at(1), type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'BUY', qty: '0.5' }]);
    const { state, event } = applyAction(account, account.actions[0]!, market, rules, 'NORMAL');
    expect(event).toEqual({ type: 'action', time: at(1), action: 'UM BUY 0.5 BTCUSDT', detail: 'filled at 40000; position 0.5 @ 40000; realized 0 USDT' });
    expect([account.umPositions.length, state.umPositions.length]).toEqual([0, 1]);
  });
  it('charges the first hour at borrow: an interest event at the borrow\'s time, the detail naming it too', () => {
    const account = accountWith([{ time: at(1) + 30_000, type: 'borrow', asset: 'USDT', amount: '1000' }]);
    const { state, event, charged } = applyAction(account, account.actions[0]!, market, rules, 'NORMAL');
    // 1,000 · 0.0001 = 0.1 USDT
    expect(event).toEqual({ type: 'action', time: at(1) + 30_000, action: 'borrow 1000 USDT', detail: "borrowed; first hour's interest 0.1 USDT" });
    expect(charged).toEqual([{ type: 'interest', time: at(1) + 30_000, asset: 'USDT', kind: 'loan', amount: new Dec('0.1') }]);
    expect(state.balances[0]!.crossMarginInterest.toString()).toBe('0.1');
    // a repay charges nothing
    const repay = accountWith([{ time: at(2), type: 'repay', asset: 'USDT', amount: '50' }]);
    repay.balances[0]!.crossMarginBorrowed = new Dec('100');
    expect(applyAction(repay, repay.actions[0]!, market, rules, 'NORMAL').charged).toEqual([]);
  });
  it('refuses a borrow while REDUCE_ONLY, leaving the account as it was and charging nothing', () => {
    const account = accountWith([{ time: at(1), type: 'borrow', asset: 'USDT', amount: '10' }]);
    const { state, event, charged } = applyAction(account, account.actions[0]!, market, rules, 'REDUCE_ONLY');
    expect(state).toBe(account);
    expect(event).toEqual({ type: 'actionRefused', time: at(1), action: 'borrow 10 USDT', reason: 'the account is REDUCE_ONLY: no new loans' });
    expect(charged).toEqual([]);
  });
  it('refuses, naming the price, an action whose check needs a price the market lacks', () => {
    // the borrow limit evaluates the account, which holds BTC: no BTC index price
    const account = portfolioOf({ balances: [{ asset: 'BTC', crossMarginFree: '1' }], actions: [{ time: at(1), type: 'borrow', asset: 'USDT', amount: '10' }] }, rules);
    const { event } = applyAction(account, account.actions[0]!, marketOf({ USDT: '1' }), rules, 'NORMAL');
    expect(event).toMatchObject({ type: 'actionRefused', reason: 'no fresh price: indexPrices.BTC' });
  });
});

describe('describeAction and statuses', () => {
  it('describes a transfer and orders statuses by severity', () => {
    const account = accountWith([{ time: at(1), type: 'transfer', asset: 'USDT', amount: '5', from: 'um', to: 'crossMargin' }]);
    expect(describeAction(account.actions[0]!)).toBe('transfer 5 USDT um → crossMargin');
    expect([isWorseThan('REDUCE_ONLY', 'MARGIN_CALL'), isWorseThan('NORMAL', 'MARGIN_CALL')]).toEqual([true, false]);
  });
});
