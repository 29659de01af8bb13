import type { Portfolio, RulesTimeline } from '../../domain/types.js';

/** Amounts from here on lose cents in float64 products (2^53 ≈ 9e15, and notionals multiply by prices). */
const LARGEST_AMOUNT = 1e12;

/**
 * Why the fast kernel will not replay this portfolio, or undefined when it will. The replay then
 * uses the exact engine (engine `auto`) or fails the portfolio with this reason (engine `fast`).
 */
export function findFastKernelRefusal(portfolio: Portfolio, rules: RulesTimeline): string | undefined {
  if (rules.changes.length > 0) return 'dated rule changes: the kernel flattens one version of the rule tables';
  const amounts = [
    ...portfolio.balances.flatMap((b) => [b.crossMarginFree, b.crossMarginLocked, b.crossMarginBorrowed, b.crossMarginInterest, b.umWalletBalance, b.cmWalletBalance]),
    ...[...portfolio.umPositions, ...portfolio.cmPositions].map((p) => p.positionAmt),
    ...portfolio.actions.map((a) => (a.type === 'trade' ? a.qty : a.amount)),
  ];
  if (amounts.some((x) => x.abs().gte(LARGEST_AMOUNT))) return `an amount of ${LARGEST_AMOUNT} or more: float64 would not keep its cents`;
  return undefined;
}
