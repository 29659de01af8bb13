import type { Dec } from '../domain/decimal.js';
import type { Action, Portfolio } from '../domain/types.js';
import { findFirstAtOrAfter, seriesKey, type MarketTimeline } from './market-timeline.js';

// Only what can change an account makes a step eventful for it: interest ticks matter with loans or
// negative futures balances, funding rows with a position in their symbol, and the next action.

/** What time-driven charges can touch: loans (hourly interest), negative futures balances, positions. */
export interface Exposure {
  hasLoans: boolean;
  hasNegativeFutures: boolean;
  /** Symbols of the positions held (funding is charged on these only). */
  symbols: Set<string>;
}

export function describeExposure(p: Portfolio): Exposure {
  return {
    hasLoans: p.balances.some((b) => !b.crossMarginBorrowed.isZero()),
    hasNegativeFutures: hasNegativeFutures(p),
    symbols: new Set([...p.umPositions, ...p.cmPositions].map((x) => x.symbol)),
  };
}

/**
 * The exposure after charges alone (funding and interest move wallet and interest amounts, never a
 * loan's principal or a position): the loans and symbols of `before`, the negative futures balances
 * found again.
 */
export function describeExposureAfterCharges(p: Portfolio, before: Exposure): Exposure {
  return { hasLoans: before.hasLoans, hasNegativeFutures: hasNegativeFutures(p), symbols: before.symbols };
}

function hasNegativeFutures(p: Portfolio): boolean {
  for (const b of p.balances) if (isNegativeSum(b.umWalletBalance, b.cmWalletBalance)) return true;
  return false;
}

/**
 * `a.plus(b).isNegative()` (a zero's sign included, as decimal.js gives it: −0 + −0 is −0, and x + −x
 * is +0), decided from the signs where they decide it: only a sum of opposite signs is computed.
 */
export function isNegativeSum(a: Dec, b: Dec): boolean {
  const aZero = a.isZero();
  const bZero = b.isZero();
  if (aZero || bZero) return aZero && bZero ? a.s < 0 && b.s < 0 : (aZero ? b : a).s < 0;
  if (a.s === b.s) return a.s < 0;
  return a.plus(b).isNegative();
}

const isTick = (ticks: Int32Array, k: number) => ticks[findFirstAtOrAfter(ticks, k)] === k;

// The ticks below say which clock times fall in a step's window, whatever the account holds then:
// a borrow (or a trade leaving a negative futures balance) taken at that step but timed before the
// hour (or 00:00) is outstanding at it, and is charged there. The charge finds what is outstanding
// at its own time; with nothing outstanding it charges nothing.

/** Step k is the first step at or after a full UTC hour (loan interest is due at each hour since the previous step). */
export const isHourTick = (tl: MarketTimeline, k: number) => isTick(tl.hourTickSteps, k);

/** Step k is the first step at or after 00:00 UTC (negative-balance interest is due at each day since the previous step). */
export const isDayTick = (tl: MarketTimeline, k: number) => isTick(tl.dayTickSteps, k);

function fundsHeldSymbol(tl: MarketTimeline, exposure: Exposure, k: number): boolean {
  for (let f = tl.fundingOffsets[k]!; f < tl.fundingOffsets[k + 1]!; f++) if (exposure.symbols.has(tl.series.symbols[tl.series.symbolIds[tl.fundingRows[f]!]!]!)) return true;
  return false;
}

/**
 * The first eventful step at or after k (the number of steps when none) for an account with this
 * exposure whose next action is `actions[nextAction]`; valid until the account changes.
 */
export function findNextEventfulStep(tl: MarketTimeline, exposure: Exposure, actions: readonly Action[], nextAction: number, k: number): number {
  const n = tl.stepTimes.length;
  let next = n;
  if (exposure.hasLoans) next = Math.min(next, tl.hourTickSteps[findFirstAtOrAfter(tl.hourTickSteps, k)] ?? n);
  if (exposure.hasNegativeFutures) next = Math.min(next, tl.dayTickSteps[findFirstAtOrAfter(tl.dayTickSteps, k)] ?? n);
  if (nextAction < actions.length) next = Math.min(next, Math.max(k, findFirstAtOrAfter(tl.stepTimes, actions[nextAction]!.time)));
  for (let i = findFirstAtOrAfter(tl.fundingSteps, k); i < tl.fundingSteps.length && tl.fundingSteps[i]! < next; i++) {
    if (fundsHeldSymbol(tl, exposure, tl.fundingSteps[i]!)) return tl.fundingSteps[i]!;
  }
  return next;
}

const isPerpetual = (symbol: string) => !/_\d{6}$/.test(symbol);

/** Perpetuals (held or traded) the timeline has no funding series for: their funding is then 0, and the replay says so. */
export function findUnfundedPerpetuals(p: Portfolio, tl: MarketTimeline): string[] {
  const symbols = new Set([...p.umPositions, ...p.cmPositions].map((x) => x.symbol).filter(isPerpetual));
  for (const a of p.actions) if (a.type === 'trade' && isPerpetual(a.symbol)) symbols.add(a.symbol);
  return [...symbols].filter((s) => !tl.seriesIds.has(seriesKey('funding', s))).sort();
}
