import { ZERO } from '../domain/decimal.js';
import type { Dec } from '../domain/decimal.js';
import type { Balance, Portfolio } from '../domain/types.js';

// The replay's account state is a Portfolio it owns and changes in place: the snapshot function
// reads the same shape the user wrote.

export function clonePortfolio(p: Portfolio): Portfolio {
  return {
    ...p,
    balances: p.balances.map((b) => ({ ...b })),
    umPositions: p.umPositions.map((x) => ({ ...x })),
    cmPositions: p.cmPositions.map((x) => ({ ...x })),
    marginOpenOrders: p.marginOpenOrders.map((o) => ({ ...o })),
    actions: p.actions,
  };
}

export function findOrAddBalance(p: Portfolio, asset: string): Balance {
  // A plain loop, no closure: every payment of a charge comes here.
  const balances = p.balances;
  for (let i = 0; i < balances.length; i++) if (balances[i]!.asset === asset) return balances[i]!;
  const b: Balance = { asset, crossMarginFree: ZERO, crossMarginLocked: ZERO, crossMarginBorrowed: ZERO, crossMarginInterest: ZERO, umWalletBalance: ZERO, cmWalletBalance: ZERO };
  balances.push(b);
  return b;
}

type AmountField = 'crossMarginFree' | 'crossMarginLocked' | 'crossMarginBorrowed' | 'crossMarginInterest' | 'umWalletBalance' | 'cmWalletBalance';

export function addToBalance(p: Portfolio, asset: string, field: AmountField, amount: Dec): void {
  const b = findOrAddBalance(p, asset);
  b[field] = b[field].plus(amount);
}


export function hasExposure(p: Portfolio): boolean {
  return p.umPositions.length > 0 || p.cmPositions.length > 0 || p.balances.some((b) => !b.crossMarginBorrowed.isZero());
}
