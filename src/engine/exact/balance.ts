import { minusDec, plusDec, type Dec } from '../../domain/decimal.js';
import type { Balance } from '../../domain/types.js';

// Most balances fill one or two of their six fields: plusDec and minusDec give Dec's sums without
// the additions of a zero (the same decimals).

/** An asset's balances net of its loan, before PnL: free + locked + UM + CM wallets − borrowed − interest. */
export function calculateBalanceNet(b: Balance): Dec {
  return addFuturesWallets(calculateMarginNet(b), b);
}

/** The margin account's part of calculateBalanceNet: free + locked − borrowed − interest. */
export function calculateMarginNet(b: Balance): Dec {
  return minusDec(minusDec(plusDec(b.crossMarginFree, b.crossMarginLocked), b.crossMarginBorrowed), b.crossMarginInterest);
}

/** The rest of calculateBalanceNet, in its order: the margin part + UM wallet + CM wallet. */
export function addFuturesWallets(marginNet: Dec, b: Balance): Dec {
  return plusDec(plusDec(marginNet, b.umWalletBalance), b.cmWalletBalance);
}
