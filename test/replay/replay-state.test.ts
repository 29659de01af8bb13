import { describe, expect, it } from 'vitest';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { keepFastMinimumAccount, MIN_SPAN, noteAccountChanged, noteStatus } from '../../src/replay/replay-state.js';
import { at, bookOf, pricesAt, rulesTimelineOf, stateOf } from '../helpers/replay.js';

const rules = rulesTimelineOf();
// Steps at minutes 0, 30 and 61 (61 starts the next hour).
const book = bookOf(pricesAt([0, 30, 61]));
const long = { balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] };

describe('createReplayState', () => {
  it('starts from a copy of the portfolio, with nothing reported and the kernel to be loaded', () => {
    const state = stateOf(long, book, rules);
    state.account.balances[0]!.umWalletBalance = state.account.balances[0]!.umWalletBalance.plus(1);
    expect(stateOf(long, book, rules).account.balances[0]!.umWalletBalance.toString()).toBe('1000');
    expect(state.status).toBeNull();
    expect(state.kernel).toEqual({ stale: true, balancesOnly: false, loadedRules: undefined, lastStep: -1, lastSpanFrom: -1, spanLimit: MIN_SPAN });
    // no loans, no funding rows, no actions: nothing is ever eventful
    expect(state.nextEventful).toBe(3);
    expect(state.result.warnings).toEqual(['no funding series for BTCUSDT: its funding is taken as 0']);
    expect(state.result.timelineBlock).toBe(state.timeline.block);
    expect(state.result.timeline).toEqual([]);
  });
});

describe('noteStatus', () => {
  it('reports each change once, from the previous status, and keeps the first time in each', () => {
    const state = stateOf(long, book, rules);
    const snapshot = calculateAccountSnapshot(state.account, book.marketAt(0), rules.base);
    noteStatus(state, 'NORMAL', snapshot.uniMMR, at(0));
    noteStatus(state, 'NORMAL', snapshot.uniMMR, at(30));
    noteStatus(state, 'MARGIN_CALL', snapshot.uniMMR, at(61));
    expect(state.result.events.map((e) => e.type === 'riskLevelChange' && [e.from, e.to, e.time])).toEqual([[null, 'NORMAL', at(0)], ['NORMAL', 'MARGIN_CALL', at(61)]]);
    expect(state.result.firstTimeIn).toEqual({ NORMAL: at(0), MARGIN_CALL: at(61) });
    expect(state.status).toBe('MARGIN_CALL');
  });
});

describe('keepFastMinimumAccount', () => {
  it('copies the account once, and only when the kernel has a minimum to evaluate later', () => {
    const state = stateOf(long, book, rules);
    keepFastMinimumAccount(state);
    expect(state.fastMinimum.account).toBeUndefined();
    state.fastMinimum.step = 1;
    keepFastMinimumAccount(state);
    const kept = state.fastMinimum.account!;
    expect(kept).not.toBe(state.account);
    expect(kept.umPositions).toEqual(state.account.umPositions);
    keepFastMinimumAccount(state);
    expect(state.fastMinimum.account).toBe(kept);
  });
});

describe('noteAccountChanged', () => {
  it('sees a new loan: the next hour tick becomes eventful, and the kernel reloads', () => {
    const state = stateOf(long, book, rules);
    state.kernel.stale = false;
    state.account.balances[0]!.crossMarginBorrowed = state.account.balances[0]!.crossMarginBorrowed.plus(10);
    noteAccountChanged(state, book.timeline, 1);
    expect(state.exposure.hasLoans).toBe(true);
    expect(state.nextEventful).toBe(2);
    expect(state.kernel.stale).toBe(true);
    expect(state.kernel.balancesOnly).toBe(false);
  });
  it('charges alone since the last load let the kernel rewrite the nets; any other change since, a full load', () => {
    const state = stateOf(long, book, rules);
    // the first load is always full
    noteAccountChanged(state, book.timeline, 1, true);
    expect([state.kernel.stale, state.kernel.balancesOnly]).toEqual([true, false]);
    state.kernel.stale = false;
    noteAccountChanged(state, book.timeline, 1, true);
    noteAccountChanged(state, book.timeline, 2, true);
    expect([state.kernel.stale, state.kernel.balancesOnly]).toEqual([true, true]);
    // an action, then charges, before the kernel runs again: still a full load
    noteAccountChanged(state, book.timeline, 2);
    noteAccountChanged(state, book.timeline, 2, true);
    expect([state.kernel.stale, state.kernel.balancesOnly]).toEqual([true, false]);
  });
});
