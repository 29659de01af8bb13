import { Dec, ZERO } from '../domain/decimal.js';
import { decOf, divide, multiply, negate, PRECISION, scaledOf } from '../domain/scaled.js';
import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { findCmContract, findUmContract } from '../rules/resolve.js';
import { findOrAddBalance } from './account.js';
import type { ReplayEvent } from './events.js';

// Balances that move with time (docs/margin-rules.md §5): funding, loan interest, negative-balance interest.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * CM funding, −contracts·contractSize/mark·rate, with Dec's digits: computed in scaled integers
 * (domain/scaled.ts), where it costs less than half of Dec's. A zero operand is left to Dec,
 * which keeps the sign of a zero product.
 */
export function calculateCmFunding(contracts: Dec, contractSize: Dec, mark: Dec, rate: Dec): Dec {
  if (contracts.isZero() || contractSize.isZero() || mark.isZero() || rate.isZero()) return contracts.times(contractSize).div(mark).times(rate).neg();
  return decOf(negate(multiply(divide(multiply(scaledOf(contracts), scaledOf(contractSize)), scaledOf(mark)), scaledOf(rate))));
}

/**
 * UM funding, −amt·mark·rate, with Dec's digits. When the three operands' significant digits add up
 * to at most Dec's precision, both of Dec's products are exact, so the payment is the exact product
 * whatever the order: amt × (−mark·rate), the latter made once per funding row (its mark and rate
 * decimals, shared by a batch's accounts through the price book) — one multiplication a payment
 * instead of two and a negation. Decimal.js keeps one form per value (no trailing zero word), so
 * the digits are the same. A zero operand is left to Dec, which keeps the sign of a zero product.
 */
export function calculateUmFunding(amt: Dec, mark: Dec, rate: Dec): Dec {
  if (amt.isZero() || mark.isZero() || rate.isZero() || amt.sd() + mark.sd() + rate.sd() > PRECISION) return amt.times(mark).times(rate).neg();
  let byRate = negatedMarkRates.get(mark);
  if (byRate === undefined) negatedMarkRates.set(mark, (byRate = new WeakMap()));
  let markRate = byRate.get(rate);
  if (markRate === undefined) byRate.set(rate, (markRate = mark.times(rate).neg()));
  return amt.times(markRate);
}

// −mark·rate by the mark's and the rate's decimals (a funding row's, kept by the price book).
const negatedMarkRates = new WeakMap<Dec, WeakMap<Dec, Dec>>();

/**
 * Funding at one funding time for every position in `symbol`: UM pays −amt·mark·rate in the margin
 * asset, CM −contracts·size/mark·rate in the coin, into the futures wallet. Returns undefined when
 * the mark price at that time is missing or stale (reported by the caller, never invented).
 * The payments are appended to `events` (the replay's own list: no list per row), which is returned.
 */
export function applyFunding(state: Portfolio, symbol: string, rate: Dec, market: MarketSnapshot, rules: Rules, time: number, events: ReplayEvent[] = []): ReplayEvent[] | undefined {
  // Every funding row of the step comes here, most for symbols the account does not hold: those
  // return before allocating (plain loops, no closures: this runs per row, per portfolio).
  const um = state.umPositions;
  const cm = state.cmPositions;
  let held = false;
  for (let i = 0; i < um.length && !held; i++) held = um[i]!.symbol === symbol;
  for (let i = 0; i < cm.length && !held; i++) held = cm[i]!.symbol === symbol;
  if (!held) return events;
  const mark = market.markPrices.get(symbol);
  if (mark === undefined) return undefined;
  // UM legs first, then CM, each in listing order.
  let umAsset: string | undefined;
  for (const p of um) {
    if (p.symbol !== symbol) continue;
    // findUmContract keeps each symbol's contract per rules object: no split per funding row.
    umAsset ??= findUmContract(rules, symbol).marginAsset;
    const amount = calculateUmFunding(p.positionAmt, mark, rate);
    const b = findOrAddBalance(state, umAsset);
    b.umWalletBalance = b.umWalletBalance.plus(amount);
    events.push({ type: 'funding', time, symbol, asset: umAsset, rate, markPrice: mark, amount });
  }
  for (const p of cm) {
    if (p.symbol !== symbol) continue;
    const c = findCmContract(rules, symbol);
    const amount = calculateCmFunding(p.positionAmt, c.contractSize, mark, rate);
    const b = findOrAddBalance(state, c.marginAsset);
    b.cmWalletBalance = b.cmWalletBalance.plus(amount);
    events.push({ type: 'funding', time, symbol, asset: c.marginAsset, rate, markPrice: mark, amount });
  }
  return events;
}

/** One hour's simple interest on every loan's principal, into crossMarginInterest. */
export function applyLoanInterest(state: Portfolio, rules: Rules, time: number): ReplayEvent[] {
  const events: ReplayEvent[] = [];
  for (const b of state.balances) {
    if (b.crossMarginBorrowed.isZero()) continue;
    const amount = b.crossMarginBorrowed.times(rules.loanInterestHourly.byAsset.get(b.asset) ?? rules.loanInterestHourly.default);
    if (amount.isZero()) continue;
    b.crossMarginInterest = b.crossMarginInterest.plus(amount);
    events.push({ type: 'interest', time, asset: b.asset, kind: 'loan', amount });
  }
  return events;
}

/**
 * Daily interest on a negative futures balance: |min(balance·P + threshold, 0)|·dailyRate (USD),
 * charged in the asset to its UM wallet. Returns the assets whose price was missing instead of
 * guessing them.
 */
export function applyNegativeBalanceInterest(state: Portfolio, market: MarketSnapshot, rules: Rules, time: number): { events: ReplayEvent[]; unpriced: string[] } {
  const { dailyRate, thresholdUSD, effectiveFrom } = rules.negativeBalanceInterest;
  const events: ReplayEvent[] = [];
  const unpriced: string[] = [];
  if (time < effectiveFrom || dailyRate.isZero()) return { events, unpriced };
  for (const b of state.balances) {
    const futures = b.umWalletBalance.plus(b.cmWalletBalance);
    if (!futures.isNegative() || futures.isZero()) continue;
    const price = market.indexPrices.get(b.asset);
    if (price === undefined) {
      unpriced.push(b.asset);
      continue;
    }
    const chargeUSD = Dec.min(futures.times(price).plus(thresholdUSD), ZERO).abs().times(dailyRate);
    if (chargeUSD.isZero()) continue;
    const amount = chargeUSD.div(price);
    b.umWalletBalance = b.umWalletBalance.minus(amount);
    events.push({ type: 'interest', time, asset: b.asset, kind: 'negativeBalance', amount });
  }
  return { events, unpriced };
}
