import { ONE, type Dec } from '../../domain/decimal.js';

/** UM PnL in the margin asset: positionAmt·(mark − entry). */
export function calculateUmPnl(positionAmt: Dec, entryPrice: Dec, markPrice: Dec): Dec {
  return positionAmt.times(markPrice.minus(entryPrice));
}

/** CM PnL in the coin: contracts·contractSize·(1/entry − 1/mark). */
export function calculateCmPnl(contracts: Dec, contractSize: Dec, entryPrice: Dec, markPrice: Dec): Dec {
  return contracts.times(contractSize).times(ONE.div(entryPrice).minus(ONE.div(markPrice)));
}

/** CM notional in coin: |contracts·contractSize / mark|. */
export function calculateCmNotionalCoin(contracts: Dec, contractSize: Dec, markPrice: Dec): Dec {
  return contracts.times(contractSize).div(markPrice).abs();
}
