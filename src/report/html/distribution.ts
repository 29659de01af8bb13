import type { DistributionBin, ReportThresholds, Zone } from './types.js';

/** The zone of a minimum uniMMR under the thresholds. */
export function findZone(u: number, t: ReportThresholds): Zone {
  if (u <= 0) return 'bankrupt';
  if (u <= t.liquidation) return 'liquidation';
  if (u <= t.reduceOnly) return 'reduceOnly';
  if (u <= t.marginCall) return 'marginCall';
  return 'normal';
}

/** Histogram bins of the minimum uniMMR: ≤ 0, the three status bands, then widening bins above. */
export function buildDistributionBins(t: ReportThresholds): DistributionBin[] {
  const fmt = (v: number) => String(v);
  const edges = [0, t.liquidation, t.reduceOnly, t.marginCall, ...[2, 3, 5, 10, 20, 50, 100].filter((e) => e > t.marginCall)];
  const bins: DistributionBin[] = [{ lower: null, upper: 0, label: '≤ 0', zone: 'bankrupt', count: 0 }];
  for (let i = 1; i < edges.length; i++) {
    const lower = edges[i - 1]!;
    const upper = edges[i]!;
    bins.push({ lower, upper, label: `${fmt(lower)}–${fmt(upper)}`, zone: findZone(upper, t), count: 0 });
  }
  bins.push({ lower: edges[edges.length - 1]!, upper: null, label: `> ${fmt(edges[edges.length - 1]!)}`, zone: 'normal', count: 0 });
  return bins;
}

export function addToDistribution(bins: DistributionBin[], u: number): void {
  for (const b of bins) {
    if ((b.lower === null || u > b.lower) && (b.upper === null || u <= b.upper)) {
      b.count++;
      return;
    }
  }
}

/** Keeps the `limit` smallest items by key (ties: the earlier one stays first). */
export class SmallestKeeper<T> {
  readonly items: { key: number; order: number; item: T }[] = [];
  constructor(private readonly limit: number) {}
  offer(key: number, order: number, item: T): void {
    if (this.limit <= 0) return;
    const worse = (a: { key: number; order: number }, b: { key: number; order: number }) => a.key > b.key || (a.key === b.key && a.order > b.order);
    const entry = { key, order, item };
    if (this.items.length >= this.limit && !worse(this.items[this.items.length - 1]!, entry)) return;
    let i = this.items.length;
    while (i > 0 && worse(this.items[i - 1]!, entry)) i--;
    this.items.splice(i, 0, entry);
    if (this.items.length > this.limit) this.items.pop();
  }
}

/** Grows as values come: the minima of every portfolio (8 bytes each) until the bins are known. */
export class NumberList {
  values = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = v;
  }
}
