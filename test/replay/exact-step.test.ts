import { describe, expect, it } from 'vitest';
import { evaluateExactStep } from '../../src/replay/exact-step.js';
import { at, bookOf, OPTIONS, ofType, pricesAt, rulesTimelineOf, stateOf } from '../helpers/replay.js';

const rules = rulesTimelineOf();
const book = bookOf(pricesAt([0, 1]));
const longWith = (wallet: string) => ({ balances: [{ asset: 'USDT', umWalletBalance: wallet }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] });
const step = (k: number, market = book.marketAt(k)) => ({ timeline: book.timeline, k, market, rules: rules.base, options: OPTIONS });

describe('evaluateExactStep', () => {
  it('counts the step, reports the status and keeps the minimum', () => {
    const state = stateOf(longWith('1000'), book, rules);
    state.kernel.lastStep = 0;
    evaluateExactStep(state, step(1));
    // MM 1 %·40,000 = 400; uniMMR 1,000 / 400 = 2.5
    expect(state.result.minUniMMR!.toString()).toBe('2.5');
    expect(state.result.minUniMMRTime).toBe(at(1));
    expect(ofType(state.result.events, 'riskLevelChange').map((e) => e.to)).toEqual(['NORMAL']);
    expect([state.result.steps, state.result.finalTime, state.kernel.lastStep]).toEqual([1, at(1), -1]);
    expect(state.result.initial).toBe(state.result.final);
    expect(state.timeline.rows.map((r) => r.uniMMR)).toEqual([2.5]);
  });
  it('skips a step whose price is missing, as a price gap', () => {
    const state = stateOf(longWith('1000'), book, rules);
    evaluateExactStep(state, step(0, { ...book.marketAt(0), markPrices: { get: () => undefined } }));
    expect(ofType(state.result.events, 'priceGap').map((e) => e.series)).toEqual(['mark:BTCUSDT']);
    expect([state.result.steps, state.result.gapSteps, state.result.final]).toEqual([0, 1, undefined]);
  });
  it('liquidates at FORCE_LIQUIDATION and reports the account after it', () => {
    const state = stateOf(longWith('410'), book, rules);
    evaluateExactStep(state, step(0));
    // uniMMR 410 / 400 = 1.025 < 1.05: closed at 40,000 (no slippage), fee 1 %·40,000 = 400, 10 USDT left
    expect(ofType(state.result.events, 'riskLevelChange').map((e) => e.to)).toEqual(['FORCE_LIQUIDATION', 'NORMAL']);
    expect(state.result.liquidationFeesUSD.toString()).toBe('400');
    expect(state.result.final!.actualEquity.toString()).toBe('10');
    expect(state.account.umPositions).toEqual([]);
  });
});
