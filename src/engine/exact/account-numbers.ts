import { Dec, minusDec, plusDec, ZERO } from '../../domain/decimal.js';
import { divideDec } from '../../domain/scaled.js';
import { MissingPriceError } from '../../domain/errors.js';
import type { AccountStatus, CmPosition, MarketSnapshot, Portfolio, Rules, UmPosition } from '../../domain/types.js';
import { findCmContract, findCollateralTiers, findLoanMaintMarginRatio, findUmContract } from '../../rules/resolve.js';
import { calculateBalanceNet } from './balance.js';
import { calculateOrderOpenLoss } from './open-loss.js';
import { calculateCmNotionalCoin, calculateCmPnl, calculateUmPnl } from './pnl.js';
import { findAccountStatus } from './status.js';
import { calculateAssetEquity, calculateCmMaintMargin, calculateUmMaintMargin, findMarginalCollateralRate } from './tables.js';

// The account's evaluation at one market (docs/margin-rules.md §2–§4): its headline numbers, and —
// when the caller asks for it — what each position, asset and order contributed. One evaluation
// for both callers: calculateAccountSnapshot (snapshot.ts) asks for the contributions and builds
// its breakdown and warnings from them; callers that evaluate one account at many markets and read
// only the numbers (the distance search's crossings, src/risk/distances.ts; the report's start
// risk) prepare the account once (prepareAccountNumbers: each balance's net, the contracts,
// collateral tiers and loan margins, each looked up where the evaluation first needs it, so a
// missing rule or price fails the same way) and skip the contributions. Sums by plusDec and
// minusDec, uniMMR by divideDec: Dec's decimals, without adding zeros or Dec's own division.

export interface AccountNumbers {
  adjustedEquity: Dec;
  accountMaintMargin: Dec;
  uniMMR: Dec | null;
  accountStatus: AccountStatus;
}

/** Per-asset running totals while positions are folded in (native units). */
export interface AssetTotals {
  asset: string;
  balanceNet: Dec;
  borrowed: Dec;
  marginLeverage?: number;
  umUnrealizedPNL: Dec;
  cmUnrealizedPNL: Dec;
  futuresMaintMargin: Dec;
  reportedUm?: Dec;
  reportedCm?: Dec;
  balanceIndex?: number;
}

export function findIndexPrice(market: MarketSnapshot, asset: string): Dec {
  const p = market.indexPrices.get(asset);
  if (p === undefined) throw new MissingPriceError('index', asset, market.time);
  return p;
}

export function findMarkPrice(market: MarketSnapshot, symbol: string): Dec {
  const p = market.markPrices.get(symbol);
  if (p === undefined) throw new MissingPriceError('mark', symbol, market.time);
  return p;
}

/** A value computed on first use and kept (the rules' lookups, which throw where the evaluation would). */
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
export function prepareAccount(portfolio: Portfolio, rules: Rules) {
  const balances = portfolio.balances.map((b) => ({ b, net: lazy(() => calculateBalanceNet(b)) }));
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

export type PreparedAccount = ReturnType<typeof prepareAccount>;

type UmContract = ReturnType<typeof findUmContract>;
type CmContract = ReturnType<typeof findCmContract>;

/** What one position contributed: its PnL and maintenance margin went into its margin asset's totals. */
export type PositionContribution = { mark: Dec; pnl: Dec; notional: Dec; bracketIndex: number; maintMargin: Dec } & (
  | { kind: 'UM'; p: UmPosition; contract: UmContract }
  | { kind: 'CM'; p: CmPosition; contract: CmContract }
);

/** What one asset contributed, in USD at its index price. */
export interface AssetContribution {
  totals: AssetTotals;
  indexPrice: Dec;
  net: Dec;
  actualUSD: Dec;
  equityUSD: Dec;
  loanMaintMargin: Dec;
  /** The leverage that set the loan's margin ratio (only with a loan), and whether it was the rules' default. */
  leverage?: number;
  defaultLeverage: boolean;
  maintMarginUSD: Dec;
}

/** The contributions an evaluation fills in when given (UM positions then COIN-M, assets, orders: each in order). */
export interface AccountContributions {
  positions: PositionContribution[];
  assets: AssetContribution[];
  orderLosses: Dec[];
  /** The sums the numbers were made from: equity after haircuts, and the orders' open loss. */
  accountEquity: Dec;
  totalMarginOpenLoss: Dec;
}

/** An empty record for evaluateAccount to fill. */
export const makeContributions = (): AccountContributions => ({ positions: [], assets: [], orderLosses: [], accountEquity: ZERO, totalMarginOpenLoss: ZERO });

type Totals = Map<string, AssetTotals>;

function totalsOf(totals: Totals, asset: string): AssetTotals {
  let t = totals.get(asset);
  if (t === undefined) {
    t = { asset, balanceNet: ZERO, borrowed: ZERO, umUnrealizedPNL: ZERO, cmUnrealizedPNL: ZERO, futuresMaintMargin: ZERO };
    totals.set(asset, t);
  }
  return t;
}

/**
 * Each position's PnL and maintenance margin folded into its margin asset's totals; the margin
 * assets. UM and COIN-M differ only in PnL, notional and the bracket table's bounds; the rest is one path.
 */
function addPositions(totals: Totals, account: PreparedAccount, market: MarketSnapshot, out: AccountContributions | undefined): Set<string> {
  const positionAssets = new Set<string>();
  const fold = (x: PositionContribution): void => {
    const t = totalsOf(totals, x.contract.marginAsset);
    if (x.kind === 'UM') t.umUnrealizedPNL = plusDec(t.umUnrealizedPNL, x.pnl);
    else t.cmUnrealizedPNL = plusDec(t.cmUnrealizedPNL, x.pnl);
    t.futuresMaintMargin = plusDec(t.futuresMaintMargin, x.maintMargin);
    positionAssets.add(x.contract.marginAsset);
    out?.positions.push(x);
  };
  for (const { p, contract } of account.um) {
    const mark = findMarkPrice(market, p.symbol);
    const c = contract();
    const pnl = calculateUmPnl(p.positionAmt, p.entryPrice, mark);
    const notional = p.positionAmt.times(mark).abs();
    const bracket = calculateUmMaintMargin(c.brackets, notional);
    fold({ kind: 'UM', p, contract: c, mark, pnl, notional, bracketIndex: bracket.index, maintMargin: bracket.maintMargin });
  }
  for (const { p, contract } of account.cm) {
    const mark = findMarkPrice(market, p.symbol);
    const c = contract();
    const pnl = calculateCmPnl(p.positionAmt, c.contractSize, p.entryPrice, mark);
    const notional = calculateCmNotionalCoin(p.positionAmt, c.contractSize, mark);
    const bracket = calculateCmMaintMargin(c.brackets, notional);
    fold({ kind: 'CM', p, contract: c, mark, pnl, notional, bracketIndex: bracket.index, maintMargin: bracket.maintMargin });
  }
  return positionAssets;
}

/** An asset with nothing in it needs no price (a replay leaves such rows behind). */
function isEmptyAsset(t: AssetTotals, positionAssets: ReadonlySet<string>): boolean {
  return t.balanceNet.isZero() && t.borrowed.isZero() && t.futuresMaintMargin.isZero() && t.umUnrealizedPNL.isZero() && t.cmUnrealizedPNL.isZero() && !positionAssets.has(t.asset);
}

/** The account at `market`; with `out`, each position's, asset's and order's contribution too. */
export function evaluateAccount(portfolio: Portfolio, account: PreparedAccount, market: MarketSnapshot, rules: Rules, out?: AccountContributions): AccountNumbers {
  const totals: Totals = new Map();
  account.balances.forEach(({ b, net }, i) => {
    const t = totalsOf(totals, b.asset);
    t.balanceIndex = i;
    t.balanceNet = net();
    t.borrowed = b.crossMarginBorrowed;
    t.marginLeverage = b.marginLeverage;
    t.reportedUm = b.reportedUmUnrealizedPNL;
    t.reportedCm = b.reportedCmUnrealizedPNL;
  });
  const positionAssets = addPositions(totals, account, market, out);
  let accountEquity = ZERO;
  let accountMaintMargin = ZERO;
  // Each evaluated asset's actual equity, for the open orders' marginal collateral rate.
  const actual = new Map<string, Dec>();
  for (const t of totals.values()) {
    if (isEmptyAsset(t, positionAssets)) continue;
    const price = findIndexPrice(market, t.asset);
    const net = plusDec(plusDec(t.balanceNet, t.umUnrealizedPNL), t.cmUnrealizedPNL);
    const actualUSD = net.times(price);
    const equityUSD = net.isPositive() && !net.isZero() ? calculateAssetEquity(account.tiersOf(t.asset), actualUSD) : actualUSD;
    accountEquity = plusDec(accountEquity, equityUSD);
    let loanMaintMargin = ZERO;
    let leverage: number | undefined;
    if (!t.borrowed.isZero()) {
      leverage = t.marginLeverage ?? portfolio.marginLeverage ?? rules.defaultMarginLeverage;
      loanMaintMargin = t.borrowed.times(account.loanRatioOf(leverage));
    }
    const maintMarginUSD = plusDec(t.futuresMaintMargin, loanMaintMargin).times(price);
    accountMaintMargin = plusDec(accountMaintMargin, maintMarginUSD);
    actual.set(t.asset, actualUSD);
    out?.assets.push({
      totals: t, indexPrice: price, net, actualUSD, equityUSD, loanMaintMargin, maintMarginUSD,
      ...(leverage === undefined ? {} : { leverage }), defaultLeverage: leverage !== undefined && (t.marginLeverage ?? portfolio.marginLeverage) === undefined,
    });
  }
  let totalMarginOpenLoss = ZERO;
  if (portfolio.mode === 'PM') {
    const legValue = (asset: string) => {
      const indexPrice = findIndexPrice(market, asset);
      return { indexPrice, collateralRate: findMarginalCollateralRate(account.tiersOf(asset), Dec.max(ZERO, actual.get(asset) ?? ZERO)) };
    };
    for (const o of portfolio.marginOpenOrders) {
      const loss = calculateOrderOpenLoss(o, legValue(o.baseAsset), legValue(o.quoteAsset));
      totalMarginOpenLoss = plusDec(totalMarginOpenLoss, loss);
      out?.orderLosses.push(loss);
    }
  }
  if (out !== undefined) {
    out.accountEquity = accountEquity;
    out.totalMarginOpenLoss = totalMarginOpenLoss;
  }
  const adjustedEquity = minusDec(accountEquity, totalMarginOpenLoss);
  const uniMMR = accountMaintMargin.isZero() ? null : divideDec(adjustedEquity, accountMaintMargin);
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
