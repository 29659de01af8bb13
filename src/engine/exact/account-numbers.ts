import { Dec, ZERO } from '../../domain/decimal.js';
import type { AccountStatus, MarketSnapshot, Portfolio, Rules } from '../../domain/types.js';
import { findCmContract, findCollateralTiers, findLoanMaintMarginRatio, findUmContract } from '../../rules/resolve.js';
import { calculateBalanceNet } from './balance.js';
import { calculateOrderOpenLoss } from './open-loss.js';
import { calculateCmNotionalCoin, calculateCmPnl, calculateUmPnl } from './pnl.js';
import { findIndexPrice, findMarkPrice, type AssetTotals } from './snapshot.js';
import { findAccountStatus } from './status.js';
import { calculateAssetEquity, calculateCmMaintMargin, calculateUmMaintMargin, findMarginalCollateralRate } from './tables.js';

// The account's four headline numbers, as calculateAccountSnapshot (snapshot.ts) computes them —
// the same operations on the same operands in the same order, so the same digits — without the
// breakdown it also builds: no per-asset collateral rate (a division per asset), no position
// notional against its limit, no actual equity, no warnings (the PnL cross-check, a default
// leverage). For callers that evaluate one account at many markets and read only these numbers
// (the distance search's crossings, src/risk/distances.ts): prepareAccountNumbers keeps what does not
// depend on the market (each balance's net, the contracts, collateral tiers and loan margins, each
// looked up where the snapshot first would, so a missing rule or price fails the same way).
// test/risk/account-numbers.test.ts holds it to calculateAccountSnapshot.

export interface AccountNumbers {
  adjustedEquity: Dec;
  accountMaintMargin: Dec;
  uniMMR: Dec | null;
  accountStatus: AccountStatus;
}

/** The snapshot's running totals without what only its breakdown reads. */
type Totals = Omit<AssetTotals, 'reportedUm' | 'reportedCm' | 'balanceIndex'>;

/** A value computed on first use and kept (the rules' lookups, which throw where the snapshot would). */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

/** The market-independent part of one account's evaluation, read by every market it is evaluated at. */
function prepareAccount(portfolio: Portfolio, rules: Rules) {
  const balances = portfolio.balances.map((b) => ({ asset: b.asset, net: lazy(() => calculateBalanceNet(b)), borrowed: b.crossMarginBorrowed, marginLeverage: b.marginLeverage }));
  const um = portfolio.umPositions.map((p) => ({ p, contract: lazy(() => findUmContract(rules, p.symbol)) }));
  const cm = portfolio.cmPositions.map((p) => ({ p, contract: lazy(() => findCmContract(rules, p.symbol)) }));
  const tiers = new Map<string, () => ReturnType<typeof findCollateralTiers>>();
  const loanRatio = new Map<number, () => Dec>();
  return {
    balances, um, cm,
    tiersOf(asset: string) {
      let t = tiers.get(asset);
      if (t === undefined) tiers.set(asset, (t = lazy(() => findCollateralTiers(rules, asset))));
      return t();
    },
    loanRatioOf(leverage: number) {
      let r = loanRatio.get(leverage);
      if (r === undefined) loanRatio.set(leverage, (r = lazy(() => findLoanMaintMarginRatio(rules, leverage))));
      return r();
    },
  };
}

type PreparedAccount = ReturnType<typeof prepareAccount>;

function totalsOf(totals: Map<string, Totals>, asset: string): Totals {
  let t = totals.get(asset);
  if (t === undefined) {
    t = { asset, balanceNet: ZERO, borrowed: ZERO, umUnrealizedPNL: ZERO, cmUnrealizedPNL: ZERO, futuresMaintMargin: ZERO };
    totals.set(asset, t);
  }
  return t;
}

/** Each position's PnL and maintenance margin folded into its margin asset's totals (snapshot.ts addPosition); the margin assets. */
function addPositions(totals: Map<string, Totals>, account: PreparedAccount, market: MarketSnapshot): Set<string> {
  const positionAssets = new Set<string>();
  for (const { p, contract } of account.um) {
    const mark = findMarkPrice(market, p.symbol);
    const c = contract();
    const pnl = calculateUmPnl(p.positionAmt, p.entryPrice, mark);
    const maintMargin = calculateUmMaintMargin(c.brackets, p.positionAmt.times(mark).abs()).maintMargin;
    const t = totalsOf(totals, c.marginAsset);
    t.umUnrealizedPNL = t.umUnrealizedPNL.plus(pnl);
    t.futuresMaintMargin = t.futuresMaintMargin.plus(maintMargin);
    positionAssets.add(c.marginAsset);
  }
  for (const { p, contract } of account.cm) {
    const mark = findMarkPrice(market, p.symbol);
    const c = contract();
    const pnl = calculateCmPnl(p.positionAmt, c.contractSize, p.entryPrice, mark);
    const maintMargin = calculateCmMaintMargin(c.brackets, calculateCmNotionalCoin(p.positionAmt, c.contractSize, mark)).maintMargin;
    const t = totalsOf(totals, c.marginAsset);
    t.cmUnrealizedPNL = t.cmUnrealizedPNL.plus(pnl);
    t.futuresMaintMargin = t.futuresMaintMargin.plus(maintMargin);
    positionAssets.add(c.marginAsset);
  }
  return positionAssets;
}

function evaluateAccount(portfolio: Portfolio, account: PreparedAccount, market: MarketSnapshot, rules: Rules): AccountNumbers {
  const totals = new Map<string, Totals>();
  for (const b of account.balances) {
    const t = totalsOf(totals, b.asset);
    t.balanceNet = b.net();
    t.borrowed = b.borrowed;
    t.marginLeverage = b.marginLeverage;
  }
  const positionAssets = addPositions(totals, account, market);
  let accountEquity = ZERO;
  let accountMaintMargin = ZERO;
  // Each evaluated asset's actual equity, for the open orders' marginal collateral rate.
  const actual = new Map<string, Dec>();
  for (const t of totals.values()) {
    if (t.balanceNet.isZero() && t.borrowed.isZero() && t.futuresMaintMargin.isZero() && t.umUnrealizedPNL.isZero() && t.cmUnrealizedPNL.isZero() && !positionAssets.has(t.asset)) continue;
    const price = findIndexPrice(market, t.asset);
    const net = t.balanceNet.plus(t.umUnrealizedPNL).plus(t.cmUnrealizedPNL);
    const actualUSD = net.times(price);
    accountEquity = accountEquity.plus(net.isPositive() && !net.isZero() ? calculateAssetEquity(account.tiersOf(t.asset), actualUSD) : actualUSD);
    let loanMaintMargin = ZERO;
    if (!t.borrowed.isZero()) loanMaintMargin = t.borrowed.times(account.loanRatioOf(t.marginLeverage ?? portfolio.marginLeverage ?? rules.defaultMarginLeverage));
    accountMaintMargin = accountMaintMargin.plus(t.futuresMaintMargin.plus(loanMaintMargin).times(price));
    actual.set(t.asset, actualUSD);
  }
  let totalMarginOpenLoss = ZERO;
  if (portfolio.mode === 'PM') {
    const legValue = (asset: string) => {
      const indexPrice = findIndexPrice(market, asset);
      return { indexPrice, collateralRate: findMarginalCollateralRate(account.tiersOf(asset), Dec.max(ZERO, actual.get(asset) ?? ZERO)) };
    };
    for (const o of portfolio.marginOpenOrders) totalMarginOpenLoss = totalMarginOpenLoss.plus(calculateOrderOpenLoss(o, legValue(o.baseAsset), legValue(o.quoteAsset)));
  }
  const adjustedEquity = accountEquity.minus(totalMarginOpenLoss);
  const uniMMR = accountMaintMargin.isZero() ? null : adjustedEquity.div(accountMaintMargin);
  return { adjustedEquity, accountMaintMargin, uniMMR, accountStatus: findAccountStatus(adjustedEquity, uniMMR, rules.thresholds) };
}

/** One account's evaluator at market after market: calculateAccountNumbers, its rule lookups kept. */
export function prepareAccountNumbers(portfolio: Portfolio, rules: Rules): (market: MarketSnapshot) => AccountNumbers {
  const account = prepareAccount(portfolio, rules);
  return (market) => evaluateAccount(portfolio, account, market, rules);
}

/** calculateAccountSnapshot's adjustedEquity, accountMaintMargin, uniMMR and accountStatus; the same errors. */
export function calculateAccountNumbers(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): AccountNumbers {
  return prepareAccountNumbers(portfolio, rules)(market);
}
