import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/domain/errors.js';
import { evaluateExactStep } from '../../src/replay/exact-step.js';
import { recordFastSpan, runFastSpan } from '../../src/replay/fast-span.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { at, bookOf, OPTIONS, pricesAt, rulesTimelineOf, stateOf } from '../helpers/replay.js';

const rules = rulesTimelineOf();
// 40 steps a minute apart, BTC falling 10 a minute from 40,000.
const book = bookOf(pricesAt(Array.from({ length: 40 }, (_, m) => m), (m) => 40_000 - 10 * m));
const tl = book.timeline;
const doc = { balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] };

function afterFirstExactStep() {
  const state = stateOf(doc, book, rules);
  const [slot] = fastSlotsOf([state.account], rules.base, tl);
  evaluateExactStep(state, { timeline: tl, k: 0, market: book.marketAt(0), rules: rules.base, options: OPTIONS });
  return { state, slot: slot! };
}

describe('runFastSpan', () => {
  it('takes no step before the exact engine has set a status', () => {
    const state = stateOf(doc, book, rules);
    const [slot] = fastSlotsOf([state.account], rules.base, tl);
    expect(runFastSpan(state, slot!, tl, rules, rules.base, 0)).toBe(0);
    expect(state.kernel.stale).toBe(false);
  });
  it('runs quiet steps in spans that double from 16, recording each', () => {
    const { state, slot } = afterFirstExactStep();
    // spans of 16 and then 32 steps (cut at the 40th): steps 1–16, then 17–39
    expect(runFastSpan(state, slot, tl, rules, rules.base, 1)).toBe(17);
    expect(state.kernel.spanLimit).toBe(32);
    expect(runFastSpan(state, slot, tl, rules, rules.base, 17)).toBe(40);
    expect([state.result.steps, state.result.kernelSteps, state.kernel.lastStep]).toEqual([40, 39, 39]);
    // the lowest uniMMR is at the last step: (1,000 − 390) / (1 %·39,610) = 1.54001...
    expect(state.fastMinimum.step).toBe(39);
    expect(state.fastMinimum.uniMMR).toBeCloseTo(610 / 396.1, 12);
    expect(state.timeline.rows[0]!.steps).toBe(40);
  });
});

describe('recordFastSpan', () => {
  it('closes an open price gap at the span\'s first step', () => {
    const { state, slot } = afterFirstExactStep();
    state.inGap = true;
    runFastSpan(state, slot, tl, rules, rules.base, 1);
    expect(state.result.events.at(-1)).toEqual({ type: 'priceGapEnd', time: at(1) });
  });
  it('keeps the first of the span\'s lowest uniMMRs, and only one below the minimum so far', () => {
    const { state, slot } = afterFirstExactStep();
    const lowest = state.fastMinimum;
    // steps 1–5: uniMMR 3, 1, NaN (no margin), 1, 2; the first 1 (step 2) is the minimum
    slot.batch.spanUniMMR.set([3, 1, Number.NaN, 1, 2]);
    recordFastSpan(state, slot.batch, tl, 1, 6);
    expect([lowest.uniMMR, lowest.step, lowest.time]).toEqual([1, 2, tl.stepTimes[2]]);
    // steps 6–7 at 1.5 and 1: none below 1, so the minimum stays at step 2
    slot.batch.spanUniMMR.set([1.5, 1]);
    recordFastSpan(state, slot.batch, tl, 6, 8);
    expect([lowest.uniMMR, lowest.step]).toEqual([1, 2]);
  });
  it('refuses a span without a status: that cannot happen', () => {
    const state = stateOf(doc, book, rules);
    const [slot] = fastSlotsOf([state.account], rules.base, tl);
    expect(() => recordFastSpan(state, slot!.batch, tl, 1, 2)).toThrow(InvariantError);
  });
});
