import type { Dec } from '../../domain/decimal.js';
import type { Balance } from '../../domain/types.js';

/** An asset's balances net of its loan, before PnL: free + locked + UM + CM wallets − borrowed − interest. */
export function calculateBalanceNet(b: Balance): Dec {
  return b.crossMarginFree.plus(b.crossMarginLocked).minus(b.crossMarginBorrowed).minus(b.crossMarginInterest).plus(b.umWalletBalance).plus(b.cmWalletBalance);
}
