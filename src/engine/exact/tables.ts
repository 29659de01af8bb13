import { minusDec, plusDec, type Dec } from '../../domain/decimal.js';
import type { CmBracket, CollateralTier, UmBracket } from '../../domain/types.js';

// Evaluation of the piecewise-linear tables of docs/margin-rules.md §2 ("tax brackets"); a first
// row's cum is 0, added by plusDec and minusDec (Dec's decimal, without the operation).

/** Index of the row whose [floor, cap) holds `value`; past the last cap, the last row. */
export function findRowIndex<T>(rows: readonly T[], value: Dec, floorOf: (row: T) => Dec): number {
  let i = rows.length - 1;
  while (i > 0 && floorOf(rows[i]!).gt(value)) i--;
  return i;
}

/** UM maintenance margin in the margin asset: notional·MMR_k − cum_k. */
export function calculateUmMaintMargin(brackets: readonly UmBracket[], notional: Dec): { index: number; maintMargin: Dec } {
  const index = findRowIndex(brackets, notional, (b) => b.notionalFloor);
  const b = brackets[index]!;
  return { index, maintMargin: minusDec(notional.times(b.maintMarginRatio), b.cum) };
}

/** CM maintenance margin in the coin: notionalCoin·MMR_k − cum_k, bracket by coin quantity. */
export function calculateCmMaintMargin(brackets: readonly CmBracket[], notionalCoin: Dec): { index: number; maintMargin: Dec } {
  const index = findRowIndex(brackets, notionalCoin, (b) => b.qtyFloor);
  const b = brackets[index]!;
  return { index, maintMargin: minusDec(notionalCoin.times(b.maintMarginRatio), b.cum) };
}

/** Collateral value of a positive USD value, slice by slice: V·rate_k + cum_k. */
export function calculateCollateralValue(tiers: readonly CollateralTier[], valueUSD: Dec): Dec {
  const t = tiers[findRowIndex(tiers, valueUSD, (r) => r.tierFloor)]!;
  return plusDec(valueUSD.times(t.collateralRate), t.cum);
}

/** The rate the next dollar of this asset would be collateralised at. */
export function findMarginalCollateralRate(tiers: readonly CollateralTier[], valueUSD: Dec): Dec {
  return tiers[findRowIndex(tiers, valueUSD, (r) => r.tierFloor)]!.collateralRate;
}

/** equity_a = min(net·P·cr, net·P): haircut only when positive, full value when negative. */
export function calculateAssetEquity(tiers: readonly CollateralTier[], netUSD: Dec): Dec {
  return netUSD.isPositive() && !netUSD.isZero() ? calculateCollateralValue(tiers, netUSD) : netUSD;
}
