import type { Dec } from '../../domain/decimal.js';
import type { Balance } from '../../domain/types.js';

/** An asset's balances net of its loan, before PnL: free + locked + UM + CM wallets − borrowed − interest. */
export function calculateBalanceNet(b: Balance): Dec {
  return addFuturesWallets(calculateMarginNet(b), b);
}

/** The margin account's part of calculateBalanceNet: free + locked − borrowed − interest. */
export function calculateMarginNet(b: Balance): Dec {
  return b.crossMarginFree.plus(b.crossMarginLocked).minus(b.crossMarginBorrowed).minus(b.crossMarginInterest);
}

/** The rest of calculateBalanceNet, in its order: the margin part + UM wallet + CM wallet. */
export function addFuturesWallets(marginNet: Dec, b: Balance): Dec {
  return marginNet.plus(b.umWalletBalance).plus(b.cmWalletBalance);
}
