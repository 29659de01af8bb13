import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { applyLiquidationOutcome } from '../../src/replay/liquidation-outcome.js';
import { at, bookOf, pricesAt, rulesTimelineOf, stateOf } from '../helpers/replay.js';

const rules = rulesTimelineOf();
const book = bookOf(pricesAt([0, 1]));
const emptied = () => {
  const state = stateOf({ balances: [{ asset: 'USDT', umWalletBalance: '5' }] }, book, rules);
  return { state, snapshot: calculateAccountSnapshot(state.account, book.marketAt(1), rules.base) };
};
const liquidation = { type: 'liquidation' as const, time: at(1), policy: 'full' as const, uniMMRBefore: new Dec('1.01'), uniMMRAfter: null, legs: [], feesUSD: new Dec('12.5') };

describe('applyLiquidationOutcome', () => {
  it('adds the fees and the bankruptcy loss to the totals and ends the replay BANKRUPTED', () => {
    const { state, snapshot } = emptied();
    const bankruptcy = { type: 'bankruptcy' as const, time: at(1), deficitUSD: new Dec('7') };
    const after = applyLiquidationOutcome(state, { events: [liquidation, bankruptcy], snapshot, bankrupt: true }, book.timeline, 1);
    expect(after).toBe(snapshot);
    expect([state.result.liquidations, state.result.liquidationFeesUSD.toString(), state.result.bankruptcyLossUSD.toString(), state.result.bankrupt]).toEqual([1, '12.5', '7', true]);
    expect(state.result.events.map((e) => e.type)).toEqual(['liquidation', 'bankruptcy', 'riskLevelChange']);
    expect(state.status).toBe('BANKRUPTED');
    expect(state.timeline.rows.map((r) => r.status)).toEqual(['BANKRUPTED']);
  });
  it('notes the status the liquidation left, and has the kernel reload the account', () => {
    const { state, snapshot } = emptied();
    state.status = 'FORCE_LIQUIDATION';
    state.kernel.stale = false;
    applyLiquidationOutcome(state, { events: [liquidation], snapshot, bankrupt: false }, book.timeline, 1);
    expect([state.status, state.result.bankrupt, state.kernel.stale]).toEqual(['NORMAL', false, true]);
    expect(state.result.liquidationFeesUSD.toString()).toBe('12.5');
  });
});
