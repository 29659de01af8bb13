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
  if (hasLargestAmount(portfolio)) return `an amount of ${LARGEST_AMOUNT} or more: float64 would not keep its cents`;
  if (hasLargestPrice(portfolio)) return `a price of ${LARGEST_AMOUNT} or more (an entry, order or trade price): float64 would not keep its cents`;
  return undefined;
}

// Plain loops, no list of the amounts: this runs once per portfolio, mostly before the JIT has
// compiled it, where each callback and spread list cost several microseconds.

/** Balances' six amounts, positions' sizes, orders' quantities, actions' quantities and amounts. */
function hasLargestAmount(p: Portfolio): boolean {
  for (const b of p.balances) {
    if (isAtLeastLargest(b.crossMarginFree) || isAtLeastLargest(b.crossMarginLocked) || isAtLeastLargest(b.crossMarginBorrowed) || isAtLeastLargest(b.crossMarginInterest)) return true;
    if (isAtLeastLargest(b.umWalletBalance) || isAtLeastLargest(b.cmWalletBalance)) return true;
  }
  for (const x of p.umPositions) if (isAtLeastLargest(x.positionAmt)) return true;
  for (const x of p.cmPositions) if (isAtLeastLargest(x.positionAmt)) return true;
  for (const o of p.marginOpenOrders) if (isAtLeastLargest(o.openQty)) return true;
  for (const a of p.actions) if (isAtLeastLargest(a.type === 'trade' ? a.qty : a.amount)) return true;
  return false;
}

/** Positions' entry prices, orders' limit prices, trades' prices. */
function hasLargestPrice(p: Portfolio): boolean {
  for (const x of p.umPositions) if (isAtLeastLargest(x.entryPrice)) return true;
  for (const x of p.cmPositions) if (isAtLeastLargest(x.entryPrice)) return true;
  for (const o of p.marginOpenOrders) if (isAtLeastLargest(o.price)) return true;
  for (const a of p.actions) if (a.type === 'trade' && a.price !== undefined && isAtLeastLargest(a.price)) return true;
  return false;
}
