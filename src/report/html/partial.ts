import { InputError } from '../../domain/errors.js';
import { describeValue, readArray, readObject } from '../../domain/json-fields.js';
import type { EventRecord } from '../../records/events/index.js';
import { findLiquidationDistance, type LiquidationDistance } from '../../records/moved.js';
import type { PortfolioSummary } from '../../records/portfolio-summary.js';
import { ROW_STATUS, ROW_STRIDE, ROW_TIME, TIMELINE_STATUSES, type TimelineBlock } from '../../records/timeline.js';
import { addToDistribution, buildDistributionBins, SmallestKeeper } from './distribution.js';
import { buildGrid, findInterval, type Grid } from './timeline-pass.js';
import type { AtRiskRow, ReportData, ReportThresholds } from './types.js';

// What report.html needs from one batch, small whatever the batch: the histogram's counts, the
// statuses and liquidations on the time grid, the candidates for the worst and at-risk tables,
// the first failures. Partials add up: combining the partials of batches 0…n (in order) gives what
// one pass over all their portfolios gives, so the finishing step reads partials, not reports.

/** How much a report keeps: limits a partial must honour so that any `pmbt report --worst` ≤ worst works. */
export const REPORT_LIMITS = { worst: 50, atRisk: 500, failures: 20, maxPoints: 1000, worstDetail: 10 } as const;

/** The report's time grid of a job's window: every batch's partial uses it, so partials add up. */
export const buildReportGrid = (from: number, to: number, resolutionMs: number) => buildGrid(from, to, resolutionMs, REPORT_LIMITS.maxPoints);

/** A ranked entry: lower key first, then lower order (the portfolio's input index). */
export interface Ranked<T> {
  /** Minimum uniMMR; null stands for +∞ (no maintenance margin). */
  key: number | null;
  order: number;
  item: T;
}

export type AtRiskEntry = Omit<AtRiskRow, 'detail'>;

export interface ReportPartial {
  grid: Grid;
  distribution: number[];
  noMaintMargin: number;
  /** Worst portfolios by minimum uniMMR, with the batch whose files hold their detail. */
  worst: Ranked<{ batch: number }>[];
  atRisk: Ranked<AtRiskEntry>[];
  atRiskTotal: number;
  failures: ReportData['failures'];
  failuresTotal: number;
  /** Per grid interval: portfolios in margin call, reduce-only, liquidation at some point of it. */
  statusCounts: [number[], number[], number[]];
  liquidations: number[];
  bankruptcies: number[];
  /**
   * `[portfolioId, distance]` of each replayed portfolio whose line has a startDistance, in input
   * order (src/records/moved.ts): what a job comparing with its previous run (`compare`) pairs, so
   * the finishing step never reads its own summary lines. Absent when no line has one.
   */
  liquidationDistances?: [string, LiquidationDistance][];
}

const AT_RISK: ReadonlySet<string> = new Set(['MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED']);
const STATUS_INDEX: Record<string, number> = { MARGIN_CALL: 0, REDUCE_ONLY: 1, FORCE_LIQUIDATION: 2 };

export function emptyReportPartial(grid: Grid, thresholds: ReportThresholds): ReportPartial {
  const zeros = () => new Array<number>(grid.count).fill(0);
  return {
    grid, distribution: buildDistributionBins(thresholds).map(() => 0), noMaintMargin: 0, worst: [], atRisk: [], atRiskTotal: 0,
    failures: [], failuresTotal: 0, statusCounts: [zeros(), zeros(), zeros()], liquidations: zeros(), bankruptcies: zeros(),
  };
}

const rankKey = (key: number | null) => key ?? Number.POSITIVE_INFINITY;

function keepSmallest<T>(entries: readonly Ranked<T>[], limit: number): Ranked<T>[] {
  const keeper = new SmallestKeeper<Ranked<T>>(limit);
  for (const e of entries) keeper.offer(rankKey(e.key), e.order, e);
  return keeper.items.map((x) => x.item);
}

/** A batch's partial: its portfolios' summaries, timeline rows (each portfolio's block) and event records. */
export function buildReportPartial(batch: number, portfolios: readonly PortfolioSummary[], timeline: readonly TimelineBlock[], events: readonly EventRecord[], grid: Grid, thresholds: ReportThresholds): ReportPartial {
  const partial = emptyReportPartial(grid, thresholds);
  const bins = buildDistributionBins(thresholds);
  const worst: Ranked<{ batch: number }>[] = [];
  const atRisk: Ranked<AtRiskEntry>[] = [];
  const distances: [string, LiquidationDistance][] = [];
  for (const p of portfolios) {
    if (!p.ok) {
      partial.failuresTotal++;
      if (partial.failures.length < REPORT_LIMITS.failures) partial.failures.push({ index: p.index, portfolioId: p.portfolioId, error: p.error });
      continue;
    }
    if (p.startDistance !== undefined) distances.push([p.portfolioId, findLiquidationDistance(p.startDistance)]);
    const u = p.minUniMMR === null ? null : Number(p.minUniMMR);
    if (u === null) partial.noMaintMargin++;
    else {
      addToDistribution(bins, u);
      worst.push({ key: u, order: p.index, item: { batch } });
    }
    if (p.worstStatus !== null && AT_RISK.has(p.worstStatus)) {
      partial.atRiskTotal++;
      atRisk.push({ key: u, order: p.index, item: { portfolioId: p.portfolioId, minUniMMR: p.minUniMMR ?? 'null', minUniMMRTime: p.minUniMMRTime, worstStatus: p.worstStatus, liquidations: p.liquidations, bankrupt: p.bankrupt } });
    }
  }
  partial.distribution = bins.map((b) => b.count);
  if (distances.length > 0) partial.liquidationDistances = distances;
  partial.worst = keepSmallest(worst, REPORT_LIMITS.worst);
  partial.atRisk = keepSmallest(atRisk, REPORT_LIMITS.atRisk);
  countStatuses(partial, timeline);
  for (const e of events) {
    const g = findInterval(grid, e.time);
    if (g >= 0 && e.type === 'liquidation') partial.liquidations[g]!++;
    if (g >= 0 && e.type === 'bankruptcy') partial.bankruptcies[g]!++;
  }
  return partial;
}

/** Each portfolio counts once per interval and status. */
function countStatuses(partial: ReportPartial, timeline: readonly TimelineBlock[]): void {
  const counted = new Set<string>();
  for (const b of timeline) {
    const v = b.values;
    for (let o = 0, end = b.length * ROW_STRIDE; o < end; o += ROW_STRIDE) {
      const si = STATUS_INDEX[TIMELINE_STATUSES[v[o + ROW_STATUS]!]!];
      const g = findInterval(partial.grid, v[o + ROW_TIME]!);
      if (si === undefined || g < 0) continue;
      const key = `${b.portfolioId}\u0000${si}\u0000${g}`;
      if (counted.has(key)) continue;
      counted.add(key);
      partial.statusCounts[si]![g]!++;
    }
  }
}

const addInto = (a: number[], b: readonly number[]) => b.forEach((v, i) => { a[i]! += v; });

/** Adds partial `b` (of later batches) into `a`. */
export function addReportPartial(a: ReportPartial, b: ReportPartial, file: string): void {
  if (a.grid.start !== b.grid.start || a.grid.intervalMs !== b.grid.intervalMs || a.grid.count !== b.grid.count || a.distribution.length !== b.distribution.length) {
    throw new InputError(file, 'report.grid', `the time grid and bins of the other partials (${JSON.stringify(a.grid)})`, JSON.stringify(b.grid));
  }
  addInto(a.distribution, b.distribution);
  a.noMaintMargin += b.noMaintMargin;
  a.worst = keepSmallest([...a.worst, ...b.worst], REPORT_LIMITS.worst);
  a.atRisk = keepSmallest([...a.atRisk, ...b.atRisk], REPORT_LIMITS.atRisk);
  a.atRiskTotal += b.atRiskTotal;
  a.failures = [...a.failures, ...b.failures].slice(0, REPORT_LIMITS.failures);
  a.failuresTotal += b.failuresTotal;
  a.statusCounts.forEach((counts, i) => addInto(counts, b.statusCounts[i]!));
  addInto(a.liquidations, b.liquidations);
  addInto(a.bankruptcies, b.bankruptcies);
  if (b.liquidationDistances !== undefined) {
    // Appended in place (one pass over all batches stays linear).
    if (a.liquidationDistances === undefined) a.liquidationDistances = [...b.liquidationDistances];
    else for (const d of b.liquidationDistances) a.liquidationDistances.push(d);
  }
}

/** Sparse `[[interval, count], …]`: most intervals of a batch are 0. */
const sparse = (counts: readonly number[]) => counts.flatMap((n, i) => (n === 0 ? [] : [[i, n]]));

export function renderReportPartial(p: ReportPartial): unknown {
  return { ...p, statusCounts: p.statusCounts.map(sparse), liquidations: sparse(p.liquidations), bankruptcies: sparse(p.bankruptcies) };
}

function readCount(file: string, path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new InputError(file, path, 'a count', describeValue(v));
  return v;
}

function dense(file: string, path: string, v: unknown, count: number): number[] {
  const out = new Array<number>(count).fill(0);
  readArray(file, path, v).forEach((pair, i) => {
    const [g, n] = readArray(file, `${path}[${i}]`, pair);
    const at = readCount(file, `${path}[${i}][0]`, g);
    if (at >= count) throw new InputError(file, `${path}[${i}][0]`, `an interval below ${count}`, String(at));
    out[at] = readCount(file, `${path}[${i}][1]`, n);
  });
  return out;
}

function readRanked<T>(file: string, path: string, v: unknown, readItem: (o: Record<string, unknown>, where: string) => T): Ranked<T>[] {
  return readArray(file, path, v).map((e, i) => {
    const o = readObject(file, `${path}[${i}]`, e);
    if (o.key !== null && typeof o.key !== 'number') throw new InputError(file, `${path}[${i}].key`, 'a number or null', describeValue(o.key));
    return { key: o.key, order: readCount(file, `${path}[${i}].order`, o.order), item: readItem(readObject(file, `${path}[${i}].item`, o.item), `${path}[${i}].item`) };
  });
}

/** Reads a partial back (a file of our own; checked enough that a foreign one fails naming the field). */
export function readReportPartial(v: unknown, file: string): ReportPartial {
  const o = readObject(file, 'report', v);
  const g = readObject(file, 'report.grid', o.grid);
  const grid = { start: Number(g.start), intervalMs: readCount(file, 'report.grid.intervalMs', g.intervalMs), count: readCount(file, 'report.grid.count', g.count) };
  const counts = readArray(file, 'report.statusCounts', o.statusCounts);
  if (counts.length !== 3) throw new InputError(file, 'report.statusCounts', 'three statuses', String(counts.length));
  return {
    grid,
    distribution: readArray(file, 'report.distribution', o.distribution).map((n, i) => readCount(file, `report.distribution[${i}]`, n)),
    noMaintMargin: readCount(file, 'report.noMaintMargin', o.noMaintMargin),
    worst: readRanked(file, 'report.worst', o.worst, (x, where) => ({ batch: readCount(file, `${where}.batch`, x.batch) })),
    atRisk: readRanked(file, 'report.atRisk', o.atRisk, (x) => x as unknown as AtRiskEntry),
    atRiskTotal: readCount(file, 'report.atRiskTotal', o.atRiskTotal),
    failures: readArray(file, 'report.failures', o.failures) as ReportData['failures'],
    failuresTotal: readCount(file, 'report.failuresTotal', o.failuresTotal),
    statusCounts: [0, 1, 2].map((i) => dense(file, `report.statusCounts[${i}]`, counts[i], grid.count)) as [number[], number[], number[]],
    liquidations: dense(file, 'report.liquidations', o.liquidations, grid.count),
    bankruptcies: dense(file, 'report.bankruptcies', o.bankruptcies, grid.count),
    ...(o.liquidationDistances === undefined ? {} : { liquidationDistances: readLiquidationDistances(file, o.liquidationDistances) }),
  };
}

const DISTANCE = /^\d+\.\d{8}$/;

function readLiquidationDistances(file: string, v: unknown): [string, LiquidationDistance][] {
  return readArray(file, 'report.liquidationDistances', v).map((pair, i) => {
    const where = `report.liquidationDistances[${i}]`;
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !(pair[1] === null || (typeof pair[1] === 'string' && DISTANCE.test(pair[1])))) {
      throw new InputError(file, where, '[portfolioId, a percentage with 8 decimals or null]', describeValue(pair));
    }
    return [pair[0], pair[1] as LiquidationDistance];
  });
}
