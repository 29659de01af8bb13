import { floatOf } from '../domain/decimal.js';
import type { AccountStatus, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { createFastBatch, findPortfolioCapacity, loadPortfolio, SPAN_STEPS, type FastBatch, type PortfolioCapacity } from '../engine/fast/batch.js';
import { findFastKernelRefusal } from '../engine/fast/refusal.js';
import { createPriceMatrixTimeline } from '../engine/fast/shocked.js';
import { calculateAccountSnapshots, DECISION_BAND, findErrorFactor, isNearThreshold, NO_QUIET_STATUS } from '../engine/fast/snapshot.js';
import { FORCE_LIQUIDATION, MARGIN_CALL, NEEDS_EXACT, NORMAL, REDUCE_ONLY } from '../engine/fast/status.js';
import { flattenRuleTables, type FlatTables } from '../engine/fast/tables.js';
import type { MarketTimeline } from '../domain/market-timeline.js';
import type { ContractUnderlying, ShockFamily } from './shock.js';
import { coefficientNumber, UNITS_PER_ONE } from './shock.js';

// The fast kernel as the distance search's scan (docs/risk.md "How it is found"): one portfolio
// loaded into a FastBatch, a shocked market written as the one step of a price matrix, and the
// replay's own test for a decision float64 cannot take (isNearThreshold with the replay's decision
// band): a shock whose float result is within the band of a threshold or of zero, or that the
// kernel cannot evaluate, is handed back to the exact engine. Otherwise the kernel's side of each
// threshold is the exact engine's — proven by the float error bound (docs/architecture.md "Parity
// contract"), with the shocked prices' own roundings added to it (factorError below).

/** Bit i set: the account is at or past RISK_TARGETS[i] (marginCall, reduceOnly, liquidation, zeroEquity). */
export type TargetSides = number;
/** The kernel cannot decide this shock: ask the exact engine. */
export const UNDECIDED = -1;

/** A loaded portfolio, ready to be evaluated at shocks of one family after another. */
export interface RiskKernel {
  /**
   * The targets' sides at `units` of the family last selected, or UNDECIDED when the result is
   * within the replay's decision band of a threshold or of zero (isNearThreshold with
   * max(DECISION_BAND, k·ε)) — or, `proven`, within the proven float error bound alone (k·ε plus
   * the shocked prices' rounding): outside it the kernel's side is the exact engine's.
   * The numbers behind a decided answer are in `last`.
   */
  sidesAt(units: number, proven: boolean): TargetSides;
  /**
   * The first index i in [from, points.length) at which the account is not quiet — its status not
   * `status`, or within the replay's band of a threshold or of zero, or not evaluable — scanning
   * `points` (shock units, in order) with the replay's span kernel; points.length when all are.
   * A quiet point's sides are those of the point the status came from (see the scan in scan.ts).
   */
  findFirstStop(points: readonly number[], from: number, status: number): number;
  /** Selects the family whose shocks sidesAt applies. */
  selectFamily(family: ShockFamily): void;
  /** The float numbers of the last decided sidesAt and their proven error bounds (absolute). */
  readonly last: KernelNumbers;
  /** Kernel evaluations so far (a point of a span counts one). */
  evaluations: number;
}

/** What the kernel computed at a shock, with the proven bounds of |float − exact|. */
export interface KernelNumbers {
  adjusted: number;
  margin: number;
  /** adjusted / margin, NaN without margin. */
  uniMMR: number;
  adjustedError: number;
  marginError: number;
  /** NaN when the margin's bound does not keep it above zero (uniMMR not bounded). */
  uniMMRError: number;
}

/** The grid points findFirstStop's first kernel call evaluates (then twice as many, and so on). */
const FIRST_SPAN_POINTS = 8;

interface SharedBatch { tables: FlatTables; batch: FastBatch; capacity: PortfolioCapacity }

// One batch per rules object, reused from portfolio to portfolio (a FastBatch's span arrays are
// ~80 KB: allocating one per portfolio would cost more than its scan). The search is synchronous,
// so one portfolio holds it at a time.
const shared = new WeakMap<Rules, SharedBatch>();

function findSharedBatch(rules: Rules, need: PortfolioCapacity): SharedBatch {
  let s = shared.get(rules);
  const fits = (c: PortfolioCapacity) => c.positions >= need.positions && c.assets >= need.assets && c.orders >= need.orders;
  if (s === undefined || !fits(s.capacity)) {
    const tables = s?.tables ?? flattenRuleTables(rules);
    const capacity = {
      positions: Math.max(need.positions, s?.capacity.positions ?? 8), assets: Math.max(need.assets, s?.capacity.assets ?? 16), orders: Math.max(need.orders, s?.capacity.orders ?? 4),
    };
    s = { tables, batch: createFastBatch(tables, [capacity]), capacity };
    shared.set(rules, s);
  }
  return s;
}

// The grid scan's price matrix, one per process, grown as needed: calculateAccountSnapshots reads
// only its values and its number of steps, so a matrix with more series or steps than a portfolio
// needs serves it (series s at s·steps + step). A column (grid index) is written when a span first
// reaches it in a family's search, and kept while the scan asks again from where each span
// stopped; the grids of both directions share columns, so each column records the search
// (`epoch`), the shock it holds and its prices' rounding. Only the series the family moves are
// written per column; a series it does not move holds its base price in every column, filled once
// (`baseRowOf`: the kernel whose base prices the row holds).
let spanMatrix: MarketTimeline | undefined;
let spanColumns: { epoch: Float64Array; units: Float64Array; priceError: Float64Array; baseRowOf: Float64Array } | undefined;
/** Bumped for each kernel and family: a column written under another epoch is written again. */
let spanEpoch = 0;
/**
 * The epoch that last wrote into the span matrix (or the point matrix): a kernel that finds another
 * epoch there checks its unmoved rows again before it writes only the moved ones.
 */
let spanWriter = -1;
let pointWriter = -1;
/**
 * Where the last span stopped, while the shared batch's out arrays still hold that point's numbers
 * (the kernel's epoch, the point's units and its prices' rounding): the scan asks for the sides
 * there next, and sidesAt reads them instead of evaluating the point again. The span's magnitude
 * sums bound every point of the span, that one's too. Any other evaluation clears it (epoch −1).
 */
let stopEpoch = -1;
let stopUnits = Number.NaN;
let stopPriceError = 0;

function findSpanTimeline(ids: { size: number }, steps: number): MarketTimeline {
  if (spanMatrix === undefined || spanMatrix.seriesCount < ids.size || spanMatrix.stepTimes.length < steps) {
    const seriesCount = Math.max(ids.size, spanMatrix?.seriesCount ?? 16);
    const columns = Math.max(steps, spanMatrix?.stepTimes.length ?? 64);
    spanMatrix = createPriceMatrixTimeline(new Map(Array.from({ length: seriesCount }, (_, i) => [`s${i}`, i])), columns);
    spanColumns = { epoch: new Float64Array(columns).fill(-1), units: new Float64Array(columns), priceError: new Float64Array(columns), baseRowOf: new Float64Array(seriesCount).fill(-1) };
    spanWriter = -1;
  }
  return spanMatrix;
}

// The one-shock price matrix, shared the same way: sidesAt writes the moved series before each
// evaluation, and every series the portfolio reads at its first evaluation of a family or when
// another search wrote there since (pointWriter), so what another portfolio left is never read.
let pointMatrix: MarketTimeline | undefined;

function findPointTimeline(ids: { size: number }): MarketTimeline {
  if (pointMatrix === undefined || pointMatrix.seriesCount < ids.size) {
    const seriesCount = Math.max(ids.size, pointMatrix?.seriesCount ?? 16);
    pointMatrix = createPriceMatrixTimeline(new Map(Array.from({ length: seriesCount }, (_, i) => [`s${i}`, i])), 1);
  }
  return pointMatrix;
}

/** Why the kernel will not scan this portfolio (the exact engine then does), as the replay refuses it. */
export const findRiskKernelRefusal = (portfolio: Portfolio, rules: Rules): string | undefined => findFastKernelRefusal(portfolio, { base: rules, changes: [] });

/**
 * A relative bound on the rounding of one shocked price computed in float64 as
 * P · ((1e10 + c_b·u) / 1e10) / ((1e10 + c_q·u) / 1e10): each factor's numerator is exact when c is
 * 0 or 1 (integers below 2^53), otherwise c and c·u are rounded (≤ 2ε·|c·u| absolute); the sum, the
 * two divisions and the product add ε each. Near a zero price the numerator is small and its
 * absolute error large relative to it: the bound says so, and such a shock goes to the exact engine.
 */
function factorError(c: number, cu: number, numerator: number): number {
  const exactNumerator = c === 0 || c === 1;
  return (exactNumerator ? 0 : (2 * Number.EPSILON * Math.abs(cu)) / Math.abs(numerator)) + 2 * Number.EPSILON;
}

const STATUS_NAMES: readonly AccountStatus[] = ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION'];

/** The account status decided sides say (as the exact engine's status ladder names it). */
export const accountStatusOfSides = (sides: TargetSides): AccountStatus => STATUS_NAMES[statusOfSides(sides)]!;

/** The status code a point's sides say (the ladder of src/engine/fast/status.ts); UNDECIDED for none. */
export function statusOfSides(sides: TargetSides): number {
  if (sides === UNDECIDED) return UNDECIDED;
  return (sides & 0b100) !== 0 ? FORCE_LIQUIDATION : (sides & 0b010) !== 0 ? REDUCE_ONLY : (sides & 0b001) !== 0 ? MARGIN_CALL : NORMAL;
}

/**
 * Loads `portfolio` into the kernel with the market's prices as the base of every shock. The price
 * matrix has one series per asset the kernel reads (its index) and per contract (its mark).
 */
// eslint-disable-next-line max-lines-per-function -- one closure over the loaded portfolio's arrays: sidesAt and findFirstStop share them
export function createRiskKernel(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, contracts: ReadonlyMap<string, ContractUnderlying>): RiskKernel {
  const { batch, capacity } = findSharedBatch(rules, findPortfolioCapacity(portfolio));
  // Series ids in order of first use, one map per kind (no key string built per lookup).
  const ids = { index: new Map<string, number>(), mark: new Map<string, number>(), size: 0 };
  const bases: number[] = [];
  const baseAsset: string[] = [];
  const quoteAsset: (string | undefined)[] = [];
  const seriesId = (kind: 'index' | 'mark', name: string): number => {
    const byName = ids[kind];
    let id = byName.get(name);
    if (id === undefined) {
      byName.set(name, (id = ids.size++));
      const price = kind === 'index' ? market.indexPrices.get(name) : market.markPrices.get(name);
      // floatOf: a market's prices are the same decimals for every portfolio searched at it.
      bases.push(price === undefined ? Number.NaN : floatOf(price));
      const c = kind === 'mark' ? contracts.get(name) : undefined;
      baseAsset.push(kind === 'index' ? name : (c?.base ?? ''));
      quoteAsset.push(c === undefined || c.quote === 'USD' ? undefined : c.quote);
    }
    return id;
  };
  loadPortfolio(batch, 0, portfolio, rules, seriesId, capacity);
  const tl: MarketTimeline = findPointTimeline(ids);
  const n = bases.length;
  const baseC = new Float64Array(n);
  const quoteC = new Float64Array(n);
  const thresholds = [batch.marginCall[0]!, batch.reduceOnly[0]!, batch.liquidation[0]!];
  const errorFactor = findErrorFactor(batch, 0);
  // The kernel keeps its own band (max(DECISION_BAND, k·ε)) for the open orders' tier edges: the
  // shocked prices' rounding must fit inside it, not widen it.
  const band = Math.max(DECISION_BAND, errorFactor);
  const empty = batch.emptyAccount[0] === 1;
  // Per family, the series its shock moves (a coefficient on the base or the quote asset). The
  // others keep their base price at every shock: written once into the matrices, not per point.
  const isMoved = new Uint8Array(n);
  const moved = new Int32Array(n);
  let movedCount = 0;
  /**
   * The rounding bound the unmoved prices add: 4ε each, as for any price (the factor is exactly
   * 1, the bound counts it as a factor's), or infinite for a base at or below zero (see below).
   */
  let unmovedError = 0;
  const findMoved = () => {
    movedCount = 0;
    unmovedError = 0;
    for (let k = 0; k < n; k++) {
      isMoved[k] = baseC[k] !== 0 || quoteC[k] !== 0 ? 1 : 0;
      if (isMoved[k] === 1) moved[movedCount++] = k;
      else unmovedError = Math.max(unmovedError, bases[k]! <= 0 ? Number.POSITIVE_INFINITY : 4 * Number.EPSILON);
    }
  };
  findMoved();
  /**
   * Writes the moved series' prices at `units` to `prices` (series s at s·stride + offset) and
   * returns the largest relative rounding of every series' price. Every term of the sums carries a
   * price at most once (× price, or 1/mark): its relative error grows by at most that (twice, for
   * its second-order part).
   */
  const writeMovedPrices = (units: number, prices: Float64Array, stride: number, offset: number): number => {
    let priceError = unmovedError;
    for (let m = 0; m < movedCount; m++) {
      const k = moved[m]!;
      const c = baseC[k]!;
      const q = quoteC[k]!;
      const bu = c * units;
      const bn = UNITS_PER_ONE + bu;
      let price = bases[k]! * (bn / UNITS_PER_ONE);
      let e = (c === 0 || c === 1 ? 2 * Number.EPSILON : factorError(c, bu, bn)) + 2 * Number.EPSILON;
      // No quote factor (USD, or a quote the family does not move): the division by exactly 1 is skipped.
      if (q !== 0) {
        const qu = q * units;
        const qn = UNITS_PER_ONE + qu;
        price /= qn / UNITS_PER_ONE;
        e += factorError(q, qu, qn);
      }
      prices[k * stride + offset] = price;
      if (e > priceError) priceError = e;
      // The kernel's magnitude bounds take prices as positive: a price at or below zero (a base a
      // matrix row shocked past −100 % with a beta above 1) goes to the exact engine. NaN (no
      // price) is the kernel's own "needs exact" where the account reads it.
      if (price <= 0) priceError = Number.POSITIVE_INFINITY;
    }
    return priceError;
  };
  const kernelId = ++spanEpoch;
  let epoch = ++spanEpoch;
  const last: KernelNumbers = { adjusted: Number.NaN, margin: Number.NaN, uniMMR: Number.NaN, adjustedError: Number.NaN, marginError: Number.NaN, uniMMRError: Number.NaN };
  const kernel: RiskKernel = {
    evaluations: 0,
    last,
    selectFamily(family) {
      epoch = ++spanEpoch;
      for (let k = 0; k < n; k++) {
        baseC[k] = coefficientNumber(family.coefficient(baseAsset[k]!));
        const q = quoteAsset[k];
        quoteC[k] = q === undefined ? 0 : coefficientNumber(family.coefficient(q));
      }
      findMoved();
    },
    sidesAt(units, proven) {
      kernel.evaluations++;
      let bound: number;
      if (stopEpoch === epoch && stopUnits === units) {
        // The point where the last span stopped: its numbers are in the batch's out arrays.
        bound = errorFactor + 2 * stopPriceError;
      } else {
        stopEpoch = -1;
        if (pointWriter !== epoch) {
          for (let k = 0; k < n; k++) if (isMoved[k] === 0) tl.freshValues[k] = bases[k]!;
          pointWriter = epoch;
        }
        bound = errorFactor + 2 * writeMovedPrices(units, tl.freshValues, 1, 0);
        if (bound > band) return UNDECIDED;
        calculateAccountSnapshots(batch, 0, tl, 0, 1, NO_QUIET_STATUS);
      }
      if (batch.outStatus[0] === NEEDS_EXACT) return UNDECIDED;
      const adjusted = batch.outEquity[0]! - batch.outOpenLoss[0]!;
      const margin = batch.outMaintMargin[0]!;
      const uniMMR = batch.outUniMMR[0]!;
      const gross = batch.outGross[0]!;
      const marginScale = batch.outMarginScale[0]!;
      if (isNearThreshold(adjusted, uniMMR, gross, margin, thresholds[0]!, thresholds[1]!, thresholds[2]!, marginScale, proven ? bound : band)) return UNDECIDED;
      last.adjusted = adjusted;
      last.margin = margin;
      last.uniMMR = uniMMR;
      last.adjustedError = bound * gross;
      last.marginError = bound * marginScale;
      // As isNearThreshold bounds uniMMR: (slack + |u|·marginSlack) / (margin − marginSlack) + bound·|u|.
      const room = margin - last.marginError;
      last.uniMMRError = room > 0 ? (last.adjustedError + Math.abs(uniMMR) * last.marginError) / room + bound * Math.abs(uniMMR) : Number.NaN;
      // Clear of every line: as isBeyond decides on the exact numbers (no margin: beyond when negative).
      let sides = 0;
      for (let t = 0; t < 3; t++) if (uniMMR !== uniMMR ? adjusted < 0 : uniMMR <= thresholds[t]!) sides |= 1 << t;
      if (adjusted <= 0) sides |= 1 << 3;
      return sides;
    },
    findFirstStop(points, from, status) {
      stopEpoch = -1;
      if (empty || from >= points.length) return from;
      const spanTl = findSpanTimeline(ids, points.length);
      const prices = spanTl.freshValues;
      const steps = spanTl.stepTimes.length;
      const columns = spanColumns!;
      if (spanWriter !== epoch) {
        // Another search wrote here since (or the matrix is new): none of the columns is ours.
        if (columns.epoch.includes(epoch)) epoch = ++spanEpoch;
        for (let k = 0; k < n; k++) {
          if (isMoved[k] === 1) columns.baseRowOf[k] = -1;
          else if (columns.baseRowOf[k] !== kernelId) {
            prices.fill(bases[k]!, k * steps, (k + 1) * steps);
            columns.baseRowOf[k] = kernelId;
          }
        }
        spanWriter = epoch;
      }
      // The kernel evaluates every point of the range it is given before it reads where the status
      // first changes: a first short range, doubled while quiet, spares the points past a stop
      // (most directions cross a threshold within a few grid points of where the scan resumes).
      let i = from;
      let chunk = FIRST_SPAN_POINTS;
      while (i < points.length) {
        // Each column's prices, unless it holds them. A point whose prices' rounding does not fit
        // in the band ends the range there (sidesAt then hands it to the exact engine).
        const want = Math.min(points.length, i + chunk);
        let end = i;
        for (; end < want; end++) {
          if (columns.epoch[end] !== epoch || columns.units[end] !== points[end]) {
            columns.epoch[end] = epoch;
            columns.units[end] = points[end]!;
            columns.priceError[end] = writeMovedPrices(points[end]!, prices, steps, end);
          }
          if (errorFactor + 2 * columns.priceError[end]! > band) break;
        }
        if (end === i) return i;
        const stop = calculateAccountSnapshots(batch, 0, spanTl, i, end, status);
        kernel.evaluations += stop - i;
        if (stop < end) {
          stopEpoch = epoch;
          stopUnits = points[stop]!;
          stopPriceError = columns.priceError[stop]!;
        }
        if (stop < end && stop - i < SPAN_STEPS) return stop;
        if (stop === end && end < want) return end;
        i = stop;
        chunk *= 2;
      }
      return points.length;
    },
  };
  return kernel;
}
