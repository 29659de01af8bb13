import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { clonePortfolio } from '../../src/replay/account.js';
import { finishReplay } from '../../src/replay/finish-replay.js';
import { at, bookOf, pricesAt, rulesTimelineOf, stateOf } from '../helpers/replay.js';

const rules = rulesTimelineOf();
// BTC at 40,000 then 39,000 then 40,000.
const book = bookOf(pricesAt([0, 1, 2], (m) => (m === 1 ? 39_000 : 40_000)));
const doc = { balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] };

describe('finishReplay', () => {
  it('takes the kernel\'s minimum when lower, with the breakdown of the account it was kept for', () => {
    const state = stateOf(doc, book, rules);
    state.result.minUniMMR = new Dec('2.5');
    Object.assign(state.fastMinimum, { uniMMR: 0, time: at(1), step: 1, account: clonePortfolio(state.account) });
    // the account changed after the minimum: its kept copy is the one evaluated
    state.account.umPositions = [];
    const result = finishReplay(state, book, rules);
    expect(result.minUniMMR!.toString()).toBe('0');
    expect(result.minUniMMRTime).toBe(at(1));
    // at 39,000: (1,000 − 1,000) / (1 %·39,000) = 0
    expect(result.worstSnapshot!.uniMMR!.toString()).toBe('0');
  });
  it('keeps the exact minimum when the kernel\'s is not lower, and evaluates the final account at the last kernel step', () => {
    const state = stateOf(doc, book, rules);
    state.result.minUniMMR = new Dec('2.5');
    Object.assign(state.fastMinimum, { uniMMR: 2.5, time: at(2), step: 2 });
    state.kernel.lastStep = 2;
    const result = finishReplay(state, book, rules);
    expect(result.minUniMMR!.toString()).toBe('2.5');
    expect(result.worstSnapshot).toBeUndefined();
    expect(result.finalTime).toBe(at(2));
    expect(result.final!.uniMMR!.toString()).toBe('2.5');
  });
});
