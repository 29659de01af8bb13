import { Dec } from '../domain/decimal.js';
import type { MarketSnapshot, PriceLookup } from '../domain/types.js';
import { findPriceRow, seriesKey, type MarketTimeline } from './market-timeline.js';

/**
 * Exact prices for the replay: each row's float64 value becomes the Decimal of its shortest
 * round-trip text (what the file's writer meant), once, shared by every portfolio of a batch.
 */
export class ExactPriceBook {
  private readonly decimals: (Dec | undefined)[];
  constructor(readonly timeline: MarketTimeline) {
    this.decimals = new Array<Dec | undefined>(timeline.series.values.length);
  }

  valueOfRow(row: number): Dec {
    return (this.decimals[row] ??= new Dec(this.timeline.series.values[row]!));
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
}
