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
  constructor(readonly timeline: MarketTimeline) {}

  valueOfRow(row: number): Dec {
    return decimalOf(this.decimals, row, this.timeline.series.values);
  }

  /** The market at step k: only prices within the staleness limit are visible. */
  marketAt(step: number): MarketSnapshot {
    const lookup = (kind: 'index' | 'mark'): PriceLookup => ({
      get: (name) => {
        const id = this.timeline.seriesIds.get(seriesKey(kind, name));
        if (id === undefined) return undefined;
        const row = findPriceRow(this.timeline, id, step);
        return row < 0 ? undefined : this.valueOfRow(row);
      },
    });
    return { time: this.timeline.stepTimes[step], indexPrices: lookup('index'), markPrices: lookup('mark') };
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
        const id = tl.seriesIds.get(seriesKey(kind, name));
        if (id === undefined) return undefined;
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

/** A choice of extremeMarketAt per underlying group. */
export const EXTREME_CLOSE = 0;
export const EXTREME_LOW = 1;
export const EXTREME_HIGH = 2;
