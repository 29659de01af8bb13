import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { createFastBatch, findPortfolioCapacity, loadPortfolio, type FastBatch, type PortfolioCapacity } from '../engine/fast/batch.js';
import { findFastKernelRefusal } from '../engine/fast/refusal.js';
import { createPriceMatrixTimeline } from '../engine/fast/shocked.js';
import { calculateAccountSnapshots, DECISION_BAND, findErrorFactor, isNearThreshold, NO_QUIET_STATUS } from '../engine/fast/snapshot.js';
import { NEEDS_EXACT } from '../engine/fast/status.js';
import { flattenRuleTables, type FlatTables } from '../engine/fast/tables.js';
import type { MarketTimeline } from '../domain/market-timeline.js';
import type { ContractUnderlying, ShockFamily } from './shock.js';
import { UNITS_PER_ONE } from './shock.js';

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
   * the shocked prices' rounding): enough for the kernel to decide as the exact engine would, used
   * inside a bracket whose two ends the exact engine confirms.
   */
  sidesAt(units: number, proven: boolean): TargetSides;
  /** Selects the family whose shocks sidesAt applies. */
  selectFamily(family: ShockFamily): void;
  /** Kernel evaluations so far. */
  evaluations: number;
}

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

/**
 * Loads `portfolio` into the kernel with the market's prices as the base of every shock. The price
 * matrix has one series per asset the kernel reads (its index) and per contract (its mark).
 */
export function createRiskKernel(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, contracts: ReadonlyMap<string, ContractUnderlying>): RiskKernel {
  const { batch, capacity } = findSharedBatch(rules, findPortfolioCapacity(portfolio));
  const ids = new Map<string, number>();
  const bases: number[] = [];
  const baseAsset: string[] = [];
  const quoteAsset: (string | undefined)[] = [];
  const seriesId = (kind: 'index' | 'mark', name: string): number => {
    const key = `${kind}:${name}`;
    let id = ids.get(key);
    if (id === undefined) {
      ids.set(key, (id = ids.size));
      const price = kind === 'index' ? market.indexPrices.get(name) : market.markPrices.get(name);
      bases.push(price === undefined ? Number.NaN : price.toNumber());
      const c = kind === 'mark' ? contracts.get(name) : undefined;
      baseAsset.push(kind === 'index' ? name : (c?.base ?? ''));
      quoteAsset.push(c === undefined || c.quote === 'USD' ? undefined : c.quote);
    }
    return id;
  };
  loadPortfolio(batch, 0, portfolio, rules, seriesId, capacity);
  const tl: MarketTimeline = createPriceMatrixTimeline(ids, 1);
  const prices = tl.freshValues;
  const n = bases.length;
  const baseC = new Float64Array(n);
  const quoteC = new Float64Array(n);
  const thresholds = [batch.marginCall[0]!, batch.reduceOnly[0]!, batch.liquidation[0]!];
  const errorFactor = findErrorFactor(batch, 0);
  // The kernel keeps its own band (max(DECISION_BAND, k·ε)) for the open orders' tier edges: the
  // shocked prices' rounding must fit inside it, not widen it.
  const band = Math.max(DECISION_BAND, errorFactor);
  const kernel: RiskKernel = {
    evaluations: 0,
    selectFamily(family) {
      for (let k = 0; k < n; k++) {
        baseC[k] = family.coefficient(baseAsset[k]!).toNumber();
        const q = quoteAsset[k];
        quoteC[k] = q === undefined ? 0 : family.coefficient(q).toNumber();
      }
    },
    sidesAt(units, proven) {
      kernel.evaluations++;
      let priceError = 0;
      for (let k = 0; k < n; k++) {
        const bu = baseC[k]! * units;
        const qu = quoteC[k]! * units;
        const bn = UNITS_PER_ONE + bu;
        const qn = UNITS_PER_ONE + qu;
        prices[k] = (bases[k]! * (bn / UNITS_PER_ONE)) / (qn / UNITS_PER_ONE);
        const e = factorError(baseC[k]!, bu, bn) + (quoteC[k] === 0 ? 0 : factorError(quoteC[k]!, qu, qn)) + 2 * Number.EPSILON;
        if (e > priceError) priceError = e;
      }
      // Every term of the sums carries a price at most once (× price, or 1/mark): its relative
      // error grows by at most priceError (twice, for its second-order part).
      if (errorFactor + 2 * priceError > band) return UNDECIDED;
      calculateAccountSnapshots(batch, 0, tl, 0, 1, NO_QUIET_STATUS);
      if (batch.outStatus[0] === NEEDS_EXACT) return UNDECIDED;
      const adjusted = batch.outEquity[0]! - batch.outOpenLoss[0]!;
      const margin = batch.outMaintMargin[0]!;
      const uniMMR = batch.outUniMMR[0]!;
      if (isNearThreshold(adjusted, uniMMR, batch.outGross[0]!, margin, thresholds[0]!, thresholds[1]!, thresholds[2]!, batch.outMarginScale[0]!, proven ? errorFactor + 2 * priceError : band)) return UNDECIDED;
      // Clear of every line: as isBeyond decides on the exact numbers (no margin: beyond when negative).
      let sides = 0;
      for (let t = 0; t < 3; t++) if (uniMMR !== uniMMR ? adjusted < 0 : uniMMR <= thresholds[t]!) sides |= 1 << t;
      if (adjusted <= 0) sides |= 1 << 3;
      return sides;
    },
  };
  return kernel;
}
