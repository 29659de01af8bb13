import type { AccountSnapshot, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { findCmContract, findUmContract } from '../rules/resolve.js';
import { hasExtremeAt, seriesKey, type MarketTimeline, type UnderlyingGroups, findUnderlyingGroups } from './market-timeline.js';
import { EXTREME_CLOSE, EXTREME_HIGH, EXTREME_LOW, type ExactPriceBook } from './step-market.js';

// Intrabar extremes (docs/margin-rules.md §7): where the history carries a bar's high and low, the
// account is also evaluated at the bar's adverse extreme — per underlying asset, its marks and its
// index all at the low or all at the high, whichever is worse for the account.

/** The account at a bar's adverse extreme: the market chosen and the snapshot there. */
export interface ExtremeEvaluation {
  market: MarketSnapshot;
  snapshot: AccountSnapshot;
}

/** `a` is worse for the account than `b`: a lower uniMMR; where either has none, a lower adjusted equity. */
export function isWorseSnapshot(a: AccountSnapshot, b: AccountSnapshot): boolean {
  if (a.uniMMR !== null && b.uniMMR !== null) return a.uniMMR.lt(b.uniMMR);
  return a.adjustedEquity.lt(b.adjustedEquity);
}

/** Series ids whose row in force at step k is k's own and carries a high and low. */
export function findSeriesWithExtremeAt(tl: MarketTimeline, k: number): number[] {
  const ids: number[] = [];
  const lows = tl.series.lows;
  if (lows === undefined) return ids;
  for (let id = 0; id < tl.seriesCount; id++) {
    const row = tl.rowInForce[k * tl.seriesCount + id]!;
    if (row >= 0 && tl.series.times[row] === tl.stepTimes[k] && lows[row] === lows[row]) ids.push(id);
  }
  return ids;
}

/**
 * The underlying groups (ascending) that the account's value or margin reads and that have a bar
 * extreme at step k: its assets' index series, its positions' mark series and their margin
 * assets' index series, its open orders' legs.
 */
export function findAccountExtremeGroups(account: Portfolio, tl: MarketTimeline, groups: UnderlyingGroups, rules: Rules, k: number): number[] {
  const read = new Set<number>();
  const add = (key: string) => {
    const id = tl.seriesIds.get(key);
    if (id !== undefined && groups.ofSeries[id]! >= 0) read.add(groups.ofSeries[id]!);
  };
  for (const b of account.balances) add(seriesKey('index', b.asset));
  for (const p of account.umPositions) {
    add(seriesKey('mark', p.symbol));
    add(seriesKey('index', findUmContract(rules, p.symbol).marginAsset));
  }
  for (const p of account.cmPositions) {
    add(seriesKey('mark', p.symbol));
    add(seriesKey('index', findCmContract(rules, p.symbol).marginAsset));
  }
  for (const o of account.marginOpenOrders) {
    add(seriesKey('index', o.baseAsset));
    add(seriesKey('index', o.quoteAsset));
  }
  const touched = new Set<number>();
  for (const id of findSeriesWithExtremeAt(tl, k)) if (read.has(groups.ofSeries[id]!)) touched.add(groups.ofSeries[id]!);
  return [...touched].sort((a, b) => a - b);
}

/**
 * The account at step k's adverse extreme, or undefined when no price it reads has a bar extreme
 * there. Per underlying group, the account is evaluated with that group at its low and at its high
 * (the others at the close) and the worse (isWorseSnapshot; the low on a tie) is chosen; then all
 * groups at their chosen extremes together. The close evaluation must have succeeded (the same
 * series are read, so no price is missing here).
 */
export function evaluateExtreme(account: Portfolio, book: ExactPriceBook, k: number, rules: Rules): ExtremeEvaluation | undefined {
  const tl = book.timeline;
  if (!hasExtremeAt(tl, k)) return undefined;
  const groups = findUnderlyingGroups(tl, rules.quoteAssets);
  const touched = findAccountExtremeGroups(account, tl, groups, rules, k);
  if (touched.length === 0) return undefined;
  const trial = new Int8Array(groups.count).fill(EXTREME_CLOSE);
  const chosen = new Int8Array(groups.count).fill(EXTREME_CLOSE);
  let single: ExtremeEvaluation | undefined;
  for (const g of touched) {
    trial[g] = EXTREME_LOW;
    const lowMarket = book.extremeMarketAt(k, groups.ofSeries, trial);
    const low = calculateAccountSnapshot(account, lowMarket, rules);
    trial[g] = EXTREME_HIGH;
    const highMarket = book.extremeMarketAt(k, groups.ofSeries, trial);
    const high = calculateAccountSnapshot(account, highMarket, rules);
    trial[g] = EXTREME_CLOSE;
    const isHigh = isWorseSnapshot(high, low);
    chosen[g] = isHigh ? EXTREME_HIGH : EXTREME_LOW;
    single = isHigh ? { market: highMarket, snapshot: high } : { market: lowMarket, snapshot: low };
  }
  if (touched.length === 1) return single;
  const market = book.extremeMarketAt(k, groups.ofSeries, chosen);
  return { market, snapshot: calculateAccountSnapshot(account, market, rules) };
}
