import type { Balance, Portfolio, Rules } from '../domain/types.js';
import { calculateBalanceNet } from '../engine/exact/balance.js';
import { findCmContract, findUmContract } from '../rules/resolve.js';

// The assets the exact engine's snapshot lists (calculateAccountSnapshot's `assets`), in its order,
// without evaluating it: the balances' assets in first-seen order, then the positions' margin
// assets (USDⓈ-M, then COIN-M), leaving out an asset with nothing in it — no net balance, no loan,
// no position margined in it. The distance search reads them to know which assets the account
// holds; test/risk/fast-scan.test.ts holds it to the snapshot's list on random books.

/** Whether the balance's net is not zero: a sum only when two or more of its parts are not (a loan is checked apart). */
function holdsNet(b: Balance): boolean {
  const parts = [b.crossMarginFree, b.crossMarginLocked, b.crossMarginInterest, b.umWalletBalance, b.cmWalletBalance].filter((x) => !x.isZero()).length;
  return parts === 1 || (parts > 1 && !calculateBalanceNet(b).isZero());
}

export function findSnapshotAssets(portfolio: Portfolio, rules: Rules): string[] {
  const held = new Map<string, boolean>();
  for (const b of portfolio.balances) held.set(b.asset, !b.crossMarginBorrowed.isZero() || holdsNet(b));
  for (const p of portfolio.umPositions) held.set(findUmContract(rules, p.symbol).marginAsset, true);
  for (const p of portfolio.cmPositions) held.set(findCmContract(rules, p.symbol).marginAsset, true);
  const assets: string[] = [];
  for (const [asset, holds] of held) if (holds) assets.push(asset);
  return assets;
}
