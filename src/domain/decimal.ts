import { Decimal } from 'decimal.js';

/**
 * The one Decimal constructor the exact path uses. 40 significant digits keep every product of a
 * 1e12 notional by an 8-decimal price exact, so the only rounding left is the documented
 * 8-decimal cut when numbers are printed.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = Decimal;

export const ZERO = new Dec(0);
export const ONE = new Dec(1);

// A reload of the fast kernel follows every exact change of state, and charges convert the same
// prices again and again: float copies are kept by the identity of the (immutable) decimals they
// came from.
const floats = new WeakMap<Dec, number>();

/** `d.toNumber()`, converted once per decimal object (for decimals that are read many times: prices, rules, loaded amounts). */
export function floatOf(d: Dec): number {
  let x = floats.get(d);
  if (x === undefined) floats.set(d, (x = d.toNumber()));
  return x;
}
