import { Dec } from '../domain/decimal.js';
import type { MarketSnapshot, PriceLookup } from '../domain/types.js';
import { findPriceRow, seriesKey, type MarketTimeline } from './market-timeline.js';

/**
 * Exact prices for the replay: each row's float64 value becomes the Decimal of its shortest
 * round-trip text (what the file's writer meant), once, shared by every portfolio of a batch.
 * Only the rows an exact step reads get one (a few per cent of a long history's rows with the fast
 * engine), so they are kept by row in maps rather than in arrays as long as the history: two
 * years of minute prices are 19 million rows, and an array of that length alone is 150 MB.
 */
export class ExactPriceBook {
  private readonly decimals = new Map<number, Dec>();
  private readonly lowDecimals = new Map<number, Dec>();
  private readonly highDecimals = new Map<number, Dec>();
  // Series ids by name, per kind: a lookup by a name the portfolios hold (its hash kept by the
  // string) instead of a key text made and hashed at every lookup.
  private readonly ids = { index: new Map<string, number>(), mark: new Map<string, number>() };
  // Markets by step (the same object for every portfolio of a batch at that step: the charges'
  // steps, the first step); cleared when full, so a long history's steps do not pile up.
  private readonly markets = new Map<number, MarketSnapshot>();
  constructor(readonly timeline: MarketTimeline) {}

  valueOfRow(row: number): Dec {
    return decimalOf(this.decimals, row, this.timeline.series.values);
  }

  /** The market at step k: only prices within the staleness limit are visible. */
  marketAt(step: number): MarketSnapshot {
    let market = this.markets.get(step);
    if (market !== undefined) return market;
    const lookup = (kind: 'index' | 'mark'): PriceLookup => ({
      get: (name) => {
        const id = this.seriesIdOf(kind, name);
        if (id < 0) return undefined;
        const row = findPriceRow(this.timeline, id, step);
        return row < 0 ? undefined : this.valueOfRow(row);
      },
    });
    market = { time: this.timeline.stepTimes[step], indexPrices: lookup('index'), markPrices: lookup('mark') };
    if (this.markets.size >= MARKETS_KEPT) this.markets.clear();
    this.markets.set(step, market);
    return market;
  }

  /** The id of series (kind, name), −1 when the history has none. */
  private seriesIdOf(kind: 'index' | 'mark', name: string): number {
    const ids = this.ids[kind];
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = this.timeline.seriesIds.get(seriesKey(kind, name)) ?? -1));
    return id;
  }

  /**
   * The market at step k with each underlying's prices at an extreme of their bar
   * (docs/margin-rules.md §7): a series of group g = `groups[id]` takes its bar's low where
   * `choice[g]` is EXTREME_LOW, its high where EXTREME_HIGH, its close where EXTREME_CLOSE or where
   * its row in force is not step k's own or has no high/low.
   */
  extremeMarketAt(step: number, groups: Int32Array, choices: Int8Array): MarketSnapshot {
    const tl = this.timeline;
    const choice = choices.slice();
    const lookup = (kind: 'index' | 'mark'): PriceLookup => ({
      get: (name) => {
        const id = this.seriesIdOf(kind, name);
        if (id < 0) return undefined;
        const row = findPriceRow(tl, id, step);
        if (row < 0) return undefined;
        const c = choice[groups[id]!]!;
        return c === EXTREME_CLOSE || tl.series.times[row] !== tl.stepTimes[step] ? this.valueOfRow(row) : this.extremeOfRow(row, c);
      },
    });
    return { time: tl.stepTimes[step], indexPrices: lookup('index'), markPrices: lookup('mark') };
  }

  /** A row's low (EXTREME_LOW) or high, or its value when it has none. */
  private extremeOfRow(row: number, c: number): Dec {
    const series = this.timeline.series;
    const values = c === EXTREME_LOW ? series.lows : series.highs;
    if (values === undefined || values[row] !== values[row]) return this.valueOfRow(row);
    return decimalOf(c === EXTREME_LOW ? this.lowDecimals : this.highDecimals, row, values);
  }
}

/** The Decimal of `values[row]`, made once and kept in `cache`. */
function decimalOf(cache: Map<number, Dec>, row: number, values: Float64Array): Dec {
  let d = cache.get(row);
  if (d === undefined) cache.set(row, (d = new Dec(values[row]!)));
  return d;
}

/** How many steps' markets marketAt keeps (a week's funding and its steps before are 42). */
const MARKETS_KEPT = 1024;

/** A choice of extremeMarketAt per underlying group. */
export const EXTREME_CLOSE = 0;
export const EXTREME_LOW = 1;
export const EXTREME_HIGH = 2;
