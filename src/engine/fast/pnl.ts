// Float64 mirrors of src/engine/exact/pnl.ts.

/** UM PnL in the margin asset: positionAmt·(mark − entry). */
export function calculateUmPnl(positionAmt: number, entryPrice: number, markPrice: number): number {
  return positionAmt * (markPrice - entryPrice);
}

/** CM PnL in the coin: contracts·contractSize·(1/entry − 1/mark). */
export function calculateCmPnl(contracts: number, contractSize: number, entryPrice: number, markPrice: number): number {
  return contracts * contractSize * (1 / entryPrice - 1 / markPrice);
}

/** CM notional in coin: |contracts·contractSize / mark|. */
export function calculateCmNotionalCoin(contracts: number, contractSize: number, markPrice: number): number {
  return Math.abs((contracts * contractSize) / markPrice);
}
