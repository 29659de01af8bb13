import type { Dec } from '../../domain/decimal.js';
import type { Portfolio, RulesTimeline } from '../../domain/types.js';

/**
 * Amounts and prices from here on lose cents in float64 products (2^53 ≈ 9e15, and notionals
 * multiply quantities by prices). The decision band grows with them (snapshot.ts findErrorFactor),
 * so the kernel would still decide right, but its timeline numbers would mostly need the exact
 * engine: such a portfolio is replayed by it from the start (docs/architecture.md "Parity contract").
 */
const LARGEST_AMOUNT = 1e12;
const LARGEST_EXPONENT = 12;

/**
 * |x| ≥ LARGEST_AMOUNT, read from the decimal's exponent (its leading digit's power of ten; 0 for
 * zero) instead of `x.abs().gte(1e12)`, which parsed 1e12 into a new decimal at every call: this
 * runs for every amount and price of every portfolio of a job. ±Infinity is larger, NaN is not.
 */
const isAtLeastLargest = (x: Dec): boolean => (x.isFinite() ? x.e >= LARGEST_EXPONENT : !x.isNaN());

/**
 * Why the fast kernel will not replay this portfolio, or undefined when it will. The replay then
 * uses the exact engine (engine `auto`) or fails the portfolio with this reason (engine `fast`).
 */
export function findFastKernelRefusal(portfolio: Portfolio, rules: RulesTimeline): string | undefined {
  if (rules.changes.length > 0) return 'dated rule changes: the kernel flattens one version of the rule tables';
  // Loops, not lists of every amount: this runs once per portfolio in a job and once per search.
  let amount = false;
  let price = false;
  for (const b of portfolio.balances) {
    amount ||= isAtLeastLargest(b.crossMarginFree) || isAtLeastLargest(b.crossMarginLocked) || isAtLeastLargest(b.crossMarginBorrowed)
      || isAtLeastLargest(b.crossMarginInterest) || isAtLeastLargest(b.umWalletBalance) || isAtLeastLargest(b.cmWalletBalance);
  }
  for (const positions of [portfolio.umPositions, portfolio.cmPositions]) {
    for (const p of positions) {
      amount ||= isAtLeastLargest(p.positionAmt);
      price ||= isAtLeastLargest(p.entryPrice);
    }
  }
  for (const o of portfolio.marginOpenOrders) {
    amount ||= isAtLeastLargest(o.openQty);
    price ||= isAtLeastLargest(o.price);
  }
  for (const a of portfolio.actions) {
    amount ||= isAtLeastLargest(a.type === 'trade' ? a.qty : a.amount);
    price ||= a.type === 'trade' && a.price !== undefined && isAtLeastLargest(a.price);
  }
  if (amount) return `an amount of ${LARGEST_AMOUNT} or more: float64 would not keep its cents`;
  if (price) return `a price of ${LARGEST_AMOUNT} or more (an entry, order or trade price): float64 would not keep its cents`;
  return undefined;
}
