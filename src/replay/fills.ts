import { ONE, ZERO, type Dec } from '../domain/decimal.js';

/** A position after a fill, and the PnL the fill realized (UM: margin asset; CM: coin). */
export interface FillResult {
  positionAmt: Dec;
  entryPrice: Dec;
  realizedPnl: Dec;
}

/**
 * Applies a fill of signed quantity `q` at `price` to a position (amt, entry). Adding averages the
 * entry (UM: by quantity; CM, inverse: harmonically, so PnL in coin stays exact); reducing realizes
 * PnL on the closed part; crossing zero closes the old side and opens the rest at `price`.
 */
export function applyFill(market: 'UM' | 'CM', amt: Dec, entry: Dec, q: Dec, price: Dec, contractSize: Dec): FillResult {
  if (amt.isZero() || amt.isNegative() === q.isNegative()) {
    const total = amt.plus(q);
    const newEntry = amt.isZero()
      ? price
      : market === 'UM'
        ? amt.abs().times(entry).plus(q.abs().times(price)).div(total.abs())
        : total.abs().div(amt.abs().div(entry).plus(q.abs().div(price)));
    return { positionAmt: total, entryPrice: newEntry, realizedPnl: ZERO };
  }
  const closed = q.abs().lt(amt.abs()) ? q.abs() : amt.abs();
  const direction = amt.isNegative() ? -1 : 1;
  const pnl = market === 'UM'
    ? closed.times(price.minus(entry)).times(direction)
    : closed.times(contractSize).times(ONE.div(entry).minus(ONE.div(price))).times(direction);
  const rest = amt.plus(q);
  const flipped = !rest.isZero() && rest.isNegative() !== amt.isNegative();
  return { positionAmt: rest, entryPrice: flipped ? price : entry, realizedPnl: pnl };
}
