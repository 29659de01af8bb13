import type { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import { describeValue } from '../domain/json-fields.js';
import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import type { LiquidatedLeg } from './events.js';
import { closePosition, isRecovered, sellCollateralForDebts } from './liquidation-legs.js';

/** What a policy may read of the job's liquidation options (docs/formats.md "Job spec"). */
export interface LiquidationSettings {
  /** Fraction the liquidation fills worse than mark (positions) or index (collateral). */
  slippage: Dec;
  /** The uniMMR a stepwise liquidation stops at. */
  target: Dec;
}

/**
 * One liquidation policy: how it takes an account over once cancelling its orders did not save it
 * (docs/margin-rules.md §4).
 */
export interface LiquidationPolicy {
  /** Closes positions and sells collateral in `account` (changed in place); returns the legs in order. */
  liquidate(account: Portfolio, market: MarketSnapshot, rules: Rules, settings: LiquidationSettings): LiquidatedLeg[];
}

/**
 * Every policy, by the name a job gives it. Adding a policy is one entry here: the job's check, the
 * liquidation and the event's `policy` field all go by these names.
 */
export const LIQUIDATION_POLICIES = {
  /** Everything closed, UM then CM in listing order, then collateral sold for every debt. */
  full: {
    liquidate(account, market, rules, settings) {
      const legs: LiquidatedLeg[] = [];
      while (account.umPositions.length > 0) legs.push(closePosition(account, market, rules, 'UM', 0, settings.slippage));
      while (account.cmPositions.length > 0) legs.push(closePosition(account, market, rules, 'CM', 0, settings.slippage));
      legs.push(...sellCollateralForDebts(account, market, rules, settings.slippage));
      return legs;
    },
  },
  /** The largest maintenance-margin contributors closed one at a time until uniMMR ≥ target; collateral sold only if that was not enough. */
  stepwise: {
    liquidate(account, market, rules, settings) {
      const legs: LiquidatedLeg[] = [];
      const evaluate = () => calculateAccountSnapshot(account, market, rules);
      for (let s = evaluate(); !isRecovered(s, settings.target) && s.positions.length > 0; s = evaluate()) {
        // Largest maintenance margin first; ties by symbol so the order never depends on input order.
        const worst = [...s.positions].sort((a, b) => b.maintMarginUSD.cmp(a.maintMarginUSD) || (a.symbol < b.symbol ? -1 : 1))[0]!;
        const list = worst.market === 'UM' ? account.umPositions : account.cmPositions;
        legs.push(closePosition(account, market, rules, worst.market, list.findIndex((p) => p.symbol === worst.symbol && p.positionSide === worst.positionSide), settings.slippage));
      }
      if (!isRecovered(evaluate(), settings.target)) legs.push(...sellCollateralForDebts(account, market, rules, settings.slippage));
      return legs;
    },
  },
} satisfies Record<string, LiquidationPolicy>;

export type LiquidationPolicyName = keyof typeof LIQUIDATION_POLICIES;

export interface LiquidationOptions extends LiquidationSettings {
  policy: LiquidationPolicyName;
}

const POLICY_NAMES = Object.keys(LIQUIDATION_POLICIES) as LiquidationPolicyName[];

export const isLiquidationPolicyName = (name: unknown): name is LiquidationPolicyName => typeof name === 'string' && Object.hasOwn(LIQUIDATION_POLICIES, name);

/** A policy name from a job document, or an InputError listing the names there are. */
export function readLiquidationPolicyName(src: string, path: string, value: unknown): LiquidationPolicyName {
  if (isLiquidationPolicyName(value)) return value;
  throw new InputError(src, path, `${POLICY_NAMES.slice(0, -1).join(', ')} or ${POLICY_NAMES[POLICY_NAMES.length - 1]!}`, describeValue(value));
}
