import { Dec, ZERO } from '../domain/decimal.js';
import type { CollateralTier } from '../domain/types.js';
import { calculateAssetEquity } from '../engine/exact/tables.js';

// The top-up's closed form at one step (docs/risk.md "Top-up to survive"): adding δ of an asset
// raises that asset's net by δ, and its equity by e(net + δ) − e(net), where e is the engine's own
// asset equity — full value while the net is negative (a negative balance counts fully), the tiered
// collateral value above 0. e is continuous, piecewise linear and non-decreasing in the net, so the
// smallest δ that adds a given USD value is found by inverting it tier by tier.

/** Amounts of the asset are whole multiples of 10⁻⁸ (Binance's precision). */
export const AMOUNT_STEP = new Dec('1e-8');

/** e(net): the asset's equity in USD at index price `price` (the engine's calculateAssetEquity). */
export const calculateEquityOfNet = (tiers: readonly CollateralTier[], price: Dec, net: Dec): Dec => calculateAssetEquity(tiers, net.times(price));

/**
 * The smallest net whose equity reaches `value` USD (the exact real number, not rounded), or null
 * when no net does (the top tier's rate is 0 and its value is below `value`).
 */
export function findNetForEquity(tiers: readonly CollateralTier[], price: Dec, value: Dec): Dec | null {
  if (!value.isPositive() || value.isZero()) return value.div(price);
  for (let k = 0; k < tiers.length; k++) {
    const t = tiers[k]!;
    const last = k === tiers.length - 1;
    // Tier k covers collateral values [V·rate + cum at its floor, at its cap); the last has no cap.
    if (t.collateralRate.isZero()) continue;
    const top = t.tierCap.times(t.collateralRate).plus(t.cum);
    if (last || value.lt(top)) return Dec.max(value.minus(t.cum).div(t.collateralRate), t.tierFloor).div(price);
  }
  return null;
}

/**
 * The smallest δ (a multiple of 10⁻⁸) whose gain e(net + δ) − e(net) exceeds `needUSD` (reaches it
 * when `strict` is false), or null when none does.
 */
export function findAmountForGain(tiers: readonly CollateralTier[], price: Dec, net: Dec, needUSD: Dec, strict: boolean): Dec | null {
  if (needUSD.isNegative() || (needUSD.isZero() && !strict)) return ZERO;
  const before = calculateEquityOfNet(tiers, price, net);
  const target = findNetForEquity(tiers, price, before.plus(needUSD));
  if (target === null) return null;
  let amount = Dec.max(ZERO, target.minus(net)).toDecimalPlaces(8, Dec.ROUND_CEIL);
  // The inverse is exact; the 10⁻⁸ rounding up makes the gain reach the need, and strictness one more step at most.
  for (let i = 0; i < 3; i++) {
    const gain = calculateEquityOfNet(tiers, price, net.plus(amount)).minus(before);
    if (strict ? gain.gt(needUSD) : gain.gte(needUSD)) return amount;
    amount = amount.plus(AMOUNT_STEP);
  }
  return null;
}

/**
 * The largest δ (a multiple of 10⁻⁸) whose loss e(net) − e(net − δ) stays below `surplusUSD`: how
 * much of the asset a step with that surplus could do without.
 */
export function findAmountWithinSurplus(tiers: readonly CollateralTier[], price: Dec, net: Dec, surplusUSD: Dec): Dec {
  if (!surplusUSD.isPositive() || surplusUSD.isZero()) return ZERO;
  const before = calculateEquityOfNet(tiers, price, net);
  const floor = findNetForEquity(tiers, price, before.minus(surplusUSD));
  if (floor === null) return ZERO;
  let amount = Dec.max(ZERO, net.minus(floor)).toDecimalPlaces(8, Dec.ROUND_FLOOR);
  for (let i = 0; i < 3 && amount.isPositive() && !amount.isZero(); i++) {
    if (before.minus(calculateEquityOfNet(tiers, price, net.minus(amount))).lt(surplusUSD)) return amount;
    amount = amount.minus(AMOUNT_STEP);
  }
  return ZERO;
}
