import { describe, expect, expectTypeOf, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { LiquidatedLeg, ReplayEvent, ReplayEventType } from '../../src/replay/events.js';
import type { LiquidationPolicyName } from '../../src/replay/liquidation-policies.js';

// events.ts holds types only: these checks run in the type-check (tsc -p tsconfig.json).
describe('ReplayEvent', () => {
  it('has one type per kind of event a replay reports', () => {
    expectTypeOf<ReplayEventType>().toEqualTypeOf<'riskLevelChange' | 'ordersCancelled' | 'liquidationCancelled' | 'liquidation' | 'bankruptcy' | 'funding' | 'interest' | 'action' | 'actionRefused' | 'priceGap' | 'priceGapEnd'>();
  });
  it('names every policy of the liquidation table in a liquidation event', () => {
    expectTypeOf<LiquidationPolicyName>().toExtend<Extract<ReplayEvent, { type: 'liquidation' }>['policy']>();
  });
  it('carries a leg\'s amounts as exact decimals', () => {
    const leg: LiquidatedLeg = { kind: 'collateral', name: 'BTC', quantity: new Dec('0.1'), price: new Dec(40_000), realizedPnl: new Dec(0), feeUSD: new Dec(80) };
    const event: ReplayEvent = { type: 'liquidation', time: 0, policy: 'full', uniMMRBefore: null, uniMMRAfter: null, legs: [leg], feesUSD: leg.feeUSD };
    expect(event.legs[0]!.quantity.times(event.legs[0]!.price).toString()).toBe('4000');
  });
});
