import { ONE, type Dec } from '../../domain/decimal.js';
import { add, decOf, divide, multiply, negate, scaledOf, type Scaled } from '../../domain/scaled.js';

// The CM formulas divide, which costs Dec several times its other operations: they are computed in
// scaled integers (domain/scaled.ts), which round each operation exactly as Dec does, so the
// result has Dec's digits. Zero operands (and a zero difference) are left to Dec, whose zeros carry
// a sign; calculateCmPnlDec and calculateCmNotionalCoinDec are the formulas as Dec writes them.

const SCALED_ONE: Scaled = { c: 1n, e: 0 };

/** UM PnL in the margin asset: positionAmt·(mark − entry). */
export function calculateUmPnl(positionAmt: Dec, entryPrice: Dec, markPrice: Dec): Dec {
  return positionAmt.times(markPrice.minus(entryPrice));
}

/** CM PnL in the coin: contracts·contractSize·(1/entry − 1/mark). */
export function calculateCmPnl(contracts: Dec, contractSize: Dec, entryPrice: Dec, markPrice: Dec): Dec {
  if (contracts.isZero() || contractSize.isZero() || entryPrice.isZero() || markPrice.isZero()) return calculateCmPnlDec(contracts, contractSize, entryPrice, markPrice);
  const difference = add(divide(SCALED_ONE, scaledOf(entryPrice)), negate(divide(SCALED_ONE, scaledOf(markPrice))));
  if (difference.c === 0n) return calculateCmPnlDec(contracts, contractSize, entryPrice, markPrice);
  return decOf(multiply(multiply(scaledOf(contracts), scaledOf(contractSize)), difference));
}

/** CM notional in coin: |contracts·contractSize / mark|. */
export function calculateCmNotionalCoin(contracts: Dec, contractSize: Dec, markPrice: Dec): Dec {
  if (contracts.isZero() || contractSize.isZero() || markPrice.isZero()) return calculateCmNotionalCoinDec(contracts, contractSize, markPrice);
  const notional = divide(multiply(scaledOf(contracts), scaledOf(contractSize)), scaledOf(markPrice));
  return decOf(notional.c < 0n ? negate(notional) : notional);
}

/** calculateCmPnl in Dec: the reference its scaled computation equals. */
export function calculateCmPnlDec(contracts: Dec, contractSize: Dec, entryPrice: Dec, markPrice: Dec): Dec {
  return contracts.times(contractSize).times(ONE.div(entryPrice).minus(ONE.div(markPrice)));
}

/** calculateCmNotionalCoin in Dec: the reference its scaled computation equals. */
export function calculateCmNotionalCoinDec(contracts: Dec, contractSize: Dec, markPrice: Dec): Dec {
  return contracts.times(contractSize).div(markPrice).abs();
}
