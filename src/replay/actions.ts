import { Dec, ONE, ZERO } from '../domain/decimal.js';
import { MissingPriceError } from '../domain/errors.js';
import type { AccountStatus, Action, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { findCmContract, findUmContract } from '../rules/resolve.js';
import { calculateBalanceNet } from '../engine/exact/balance.js';
import { clonePortfolio, findOrAddBalance } from './account.js';
import type { ReplayEvent } from './events.js';
import { applyFill } from './fills.js';

type InterestEvent = Extract<ReplayEvent, { type: 'interest' }>;

const SEVERITY: Record<AccountStatus, number> = { NORMAL: 0, MARGIN_CALL: 1, REDUCE_ONLY: 2, FORCE_LIQUIDATION: 3, BANKRUPTED: 4 };
export const isWorseThan = (a: AccountStatus, b: AccountStatus) => SEVERITY[a] > SEVERITY[b];
export const statusSeverity = (s: AccountStatus) => SEVERITY[s];

class Refusal extends Error {}
const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

export function describeAction(a: Action): string {
  switch (a.type) {
    case 'trade':
      return `${a.market} ${a.side} ${a.qty.toString()} ${a.symbol}${a.positionSide === 'BOTH' ? '' : ` ${a.positionSide}`}${a.price === undefined ? '' : ` @ ${a.price.toString()}`}`;
    case 'transfer':
      return `transfer ${a.amount.toString()} ${a.asset} ${a.from} → ${a.to}`;
    default:
      return `${a.type} ${a.amount.toString()} ${a.asset}`;
  }
}

function applyTrade(state: Portfolio, a: Extract<Action, { type: 'trade' }>, market: MarketSnapshot, rules: Rules, status: AccountStatus): { detail: string; increases: boolean } {
  const mark = market.markPrices.get(a.symbol);
  const price = a.price ?? mark ?? refuse(`no fresh mark price for ${a.symbol} to fill at`);
  const contract = a.market === 'UM' ? { ...findUmContract(rules, a.symbol), contractSize: ONE } : findCmContract(rules, a.symbol);
  const list = a.market === 'UM' ? state.umPositions : state.cmPositions;
  let index = list.findIndex((p) => p.symbol === a.symbol && p.positionSide === a.positionSide);
  const old = index < 0 ? { positionAmt: ZERO, entryPrice: price } : list[index]!;
  const q = a.side === 'BUY' ? a.qty : a.qty.neg();
  const fill = applyFill(a.market, old.positionAmt, old.entryPrice, q, price, contract.contractSize);
  if (a.positionSide === 'LONG' && fill.positionAmt.isNegative()) refuse(`a LONG leg cannot go below 0 (holds ${old.positionAmt.toString()})`);
  if (a.positionSide === 'SHORT' && fill.positionAmt.isPositive() && !fill.positionAmt.isZero()) refuse(`a SHORT leg cannot go above 0 (holds ${old.positionAmt.toString()})`);
  const increases = fill.positionAmt.abs().gt(old.positionAmt.abs()) || (!old.positionAmt.isZero() && !fill.positionAmt.isZero() && fill.positionAmt.isNegative() !== old.positionAmt.isNegative());
  if (increases && isWorseThan(status, 'MARGIN_CALL')) refuse(`the account is ${status}: only reducing trades are allowed`);
  if (increases) {
    // Position limit: a configured one, else the largest bracket cap (Binance's limit).
    const limitPrice = mark ?? price;
    const notional = a.market === 'UM' ? fill.positionAmt.times(limitPrice).abs() : fill.positionAmt.times(contract.contractSize).div(limitPrice).abs();
    const caps = a.market === 'UM' ? findUmContract(rules, a.symbol).brackets.map((b) => b.notionalCap) : findCmContract(rules, a.symbol).brackets.map((b) => b.qtyCap);
    const limit = rules.positionLimits.get(a.symbol) ?? caps[caps.length - 1]!;
    if (notional.gt(limit)) refuse(`position limit: ${a.symbol} would reach ${notional.toString()} ${a.market === 'UM' ? 'notional' : 'coin'}, limit ${limit.toString()}`);
  }
  if (fill.positionAmt.isZero()) {
    if (index >= 0) list.splice(index, 1);
  } else if (index < 0) {
    list.push({ symbol: a.symbol, positionAmt: fill.positionAmt, entryPrice: fill.entryPrice, positionSide: a.positionSide });
    index = list.length - 1;
  } else {
    list[index] = { ...list[index]!, positionAmt: fill.positionAmt, entryPrice: fill.entryPrice };
  }
  const b = findOrAddBalance(state, contract.marginAsset);
  if (a.market === 'UM') b.umWalletBalance = b.umWalletBalance.plus(fill.realizedPnl);
  else b.cmWalletBalance = b.cmWalletBalance.plus(fill.realizedPnl);
  return { detail: `filled at ${price.toString()}; position ${fill.positionAmt.toString()} @ ${fill.entryPrice.toString()}; realized ${fill.realizedPnl.toString()} ${contract.marginAsset}`, increases };
}

const WALLET_FIELD = { crossMargin: 'crossMarginFree', um: 'umWalletBalance', cm: 'cmWalletBalance' } as const;

function applyTransfer(state: Portfolio, a: Extract<Action, { type: 'transfer' }>, rules: Rules): string {
  const b = findOrAddBalance(state, a.asset);
  if (a.from !== 'external') {
    const field = WALLET_FIELD[a.from];
    if (b[field].lt(a.amount)) refuse(`${a.from} wallet holds ${b[field].toString()} ${a.asset}, less than ${a.amount.toString()}`);
    b[field] = b[field].minus(a.amount);
  } else {
    const limit = rules.transferInLimits.get(a.asset);
    const after = calculateBalanceNet(b).plus(a.amount);
    if (limit !== undefined && after.gt(limit)) refuse(`transfer-in limit: ${a.asset} holdings would reach ${after.toString()}, limit ${limit.toString()}`);
  }
  if (a.to !== 'external') b[WALLET_FIELD[a.to]] = b[WALLET_FIELD[a.to]].plus(a.amount);
  return 'done';
}

/** What a borrow or repay did: the action's detail, and the interest it charged (the first hour, at borrow). */
interface LoanChange {
  detail: string;
  charged: InterestEvent[];
}

function applyBorrowOrRepay(state: Portfolio, a: Extract<Action, { type: 'borrow' | 'repay' }>, market: MarketSnapshot, rules: Rules, status: AccountStatus): LoanChange {
  const b = findOrAddBalance(state, a.asset);
  if (a.type === 'repay') {
    const owed = b.crossMarginBorrowed.plus(b.crossMarginInterest);
    const amount = Dec.min(a.amount, owed);
    if (amount.isZero()) refuse(`nothing borrowed in ${a.asset}`);
    if (b.crossMarginFree.lt(amount)) refuse(`cross-margin free ${b.crossMarginFree.toString()} ${a.asset} is less than ${amount.toString()}`);
    // Interest is repaid before principal, as Binance does.
    const toInterest = Dec.min(amount, b.crossMarginInterest);
    b.crossMarginInterest = b.crossMarginInterest.minus(toInterest);
    b.crossMarginBorrowed = b.crossMarginBorrowed.minus(amount.minus(toInterest));
    b.crossMarginFree = b.crossMarginFree.minus(amount);
    return { detail: `repaid ${amount.toString()} (${toInterest.toString()} interest)`, charged: [] };
  }
  if (isWorseThan(status, 'MARGIN_CALL')) refuse(`the account is ${status}: no new loans`);
  b.crossMarginBorrowed = b.crossMarginBorrowed.plus(a.amount);
  b.crossMarginFree = b.crossMarginFree.plus(a.amount);
  // docs/margin-rules.md §5: the first hour's interest is charged at borrow.
  const interest = a.amount.times(rules.loanInterestHourly.byAsset.get(a.asset) ?? rules.loanInterestHourly.default);
  b.crossMarginInterest = b.crossMarginInterest.plus(interest);
  // Borrow limit by leverage L: total loans may reach (L − 1) × account equity.
  const s = calculateAccountSnapshot(state, market, rules);
  const leverage = state.marginLeverage ?? rules.defaultMarginLeverage;
  const loansUSD = state.balances.reduce((sum, x) => sum.plus(x.crossMarginBorrowed.times(market.indexPrices.get(x.asset) ?? ZERO)), ZERO);
  const cap = s.accountEquity.times(leverage - 1);
  if (loansUSD.gt(cap)) refuse(`borrow limit at ${leverage}x: loans would be ${loansUSD.toString()} USD, limit ${cap.toString()} USD ((L − 1) × account equity)`);
  // The detail keeps naming the first hour's interest; the charge itself is an interest event, like every other hour's.
  const charged: InterestEvent[] = interest.isZero() ? [] : [{ type: 'interest', time: a.time, asset: a.asset, kind: 'loan', amount: interest }];
  return { detail: `borrowed; first hour's interest ${interest.toString()} ${a.asset}`, charged };
}

/** What applying an action yields: the account after it, its `action` or `actionRefused` event, and the interest it charged (reported after the event). */
export interface AppliedAction {
  state: Portfolio;
  event: ReplayEvent;
  /** The first hour's interest charged at a borrow (one `interest` event); empty otherwise or when refused. */
  charged: InterestEvent[];
}

/**
 * Applies one scheduled action if the program allows it, else leaves the account unchanged and
 * reports why. A withdrawal must leave the account NORMAL; a borrow or a position-increasing trade
 * is refused at REDUCE_ONLY or worse and must not itself push the account there.
 */
export function applyAction(state: Portfolio, action: Action, market: MarketSnapshot, rules: Rules, status: AccountStatus): AppliedAction {
  const draft = clonePortfolio(state);
  const name = describeAction(action);
  try {
    let detail: string;
    let charged: InterestEvent[] = [];
    let riskIncreasing = action.type === 'borrow' || (action.type === 'transfer' && action.to === 'external');
    if (action.type === 'trade') {
      const trade = applyTrade(draft, action, market, rules, status);
      detail = trade.detail;
      riskIncreasing = trade.increases;
    } else if (action.type === 'transfer') {
      detail = applyTransfer(draft, action, rules);
    } else {
      ({ detail, charged } = applyBorrowOrRepay(draft, action, market, rules, status));
    }
    if (riskIncreasing) {
      const after = calculateAccountSnapshot(draft, market, rules).accountStatus;
      const worst: AccountStatus = action.type === 'transfer' ? 'NORMAL' : 'MARGIN_CALL';
      const before = calculateAccountSnapshot(state, market, rules).accountStatus;
      if (isWorseThan(after, worst) && isWorseThan(after, before)) refuse(`it would leave the account ${after}`);
    }
    return { state: draft, event: { type: 'action', time: action.time, action: name, detail }, charged };
  } catch (e) {
    if (e instanceof Refusal) return { state, event: { type: 'actionRefused', time: action.time, action: name, reason: e.message }, charged: [] };
    if (e instanceof MissingPriceError) {
      return { state, event: { type: 'actionRefused', time: action.time, action: name, reason: `no fresh price: ${e.path}` }, charged: [] };
    }
    throw e;
  }
}
