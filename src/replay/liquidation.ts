import { ZERO } from '../domain/decimal.js';
import type { AccountSnapshot, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import type { ReplayEvent } from './events.js';
import { LIQUIDATION_POLICIES, type LiquidationOptions } from './liquidation-policies.js';

export type { LiquidationOptions } from './liquidation-policies.js';

export interface LiquidationOutcome {
  events: ReplayEvent[];
  snapshot: AccountSnapshot;
  bankrupt: boolean;
}

/**
 * docs/margin-rules.md §3–§4: cancel open orders and re-check; otherwise take the account over per policy, charge
 * capped fees, and record any deficit as bankruptcy. Reads the triggering snapshot, never
 * recomputes margin itself.
 */
export function runLiquidation(state: Portfolio, trigger: AccountSnapshot, market: MarketSnapshot, rules: Rules, options: LiquidationOptions, time: number, intrabar = false): LiquidationOutcome {
  const events: ReplayEvent[] = [];
  // At a bar's adverse extreme (docs/margin-rules.md §7) every event says so; `market` is then the extreme's.
  const mark = intrabar ? { intrabar: true as const } : {};
  const evaluate = () => calculateAccountSnapshot(state, market, rules);
  if (state.marginOpenOrders.length > 0) {
    const count = state.marginOpenOrders.length;
    state.marginOpenOrders = [];
    const after = evaluate();
    events.push({ type: 'ordersCancelled', time, count, uniMMR: after.uniMMR, ...mark });
    if (after.accountStatus !== 'FORCE_LIQUIDATION') {
      events.push({ type: 'liquidationCancelled', time, uniMMR: after.uniMMR, ...mark });
      return { events, snapshot: after, bankrupt: false };
    }
  }

  const legs = LIQUIDATION_POLICIES[options.policy].liquidate(state, market, rules, options);
  let after = evaluate();
  const feesUSD = legs.reduce((sum, l) => sum.plus(l.feeUSD), ZERO);
  events.push({ type: 'liquidation', time, policy: options.policy, uniMMRBefore: trigger.uniMMR, uniMMRAfter: after.uniMMR, legs, feesUSD, ...mark });
  if (after.actualEquity.isNegative() && !after.actualEquity.isZero()) {
    events.push({ type: 'bankruptcy', time, deficitUSD: after.actualEquity.neg(), ...mark });
    state.balances = [];
    state.umPositions = [];
    state.cmPositions = [];
    after = evaluate();
    return { events, snapshot: after, bankrupt: true };
  }
  return { events, snapshot: after, bankrupt: false };
}
