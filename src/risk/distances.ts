import { Dec, ZERO } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { AccountStatus, MarketSnapshot, Portfolio, Rules, StatusThresholds } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import type { BetaEstimation } from './betas.js';
import { findFirstCrossing, makeGrid } from './crossing.js';
import { gridPointsBound, RANGE_PCT_BOUND } from './option-bounds.js';
import { createRiskKernel, findRiskKernelRefusal, UNDECIDED, type RiskKernel } from './kernel.js';
import {
  applyShock, calculateAssetFactor, calculateMarkFactor, findContractUnderlyings, findShockLimit, isStablecoin,
  makeAllFamily, makeDepegFamily, makeLeaderFamily, makeSingleFamily, shockOfUnits, UNITS_PER_ONE,
  type ContractUnderlying, type ShockFamily, type ShockFamilyKind,
} from './shock.js';

// Distance to each threshold (docs/risk.md): per shock family and direction, the smallest shock
// that takes uniMMR to the margin-call, reduce-only and liquidation thresholds and adjusted equity
// to zero. The scan and the bisection read each shock's side of a threshold from the fast kernel
// where it can decide it (src/risk/kernel.ts), from the exact engine's calculateAccountSnapshot
// where it cannot; every reported crossing is confirmed, and its numbers computed, by the exact
// engine (engine 'fast', the default), or every evaluation is the exact engine's (engine 'exact').

export const RISK_TARGETS = ['marginCall', 'reduceOnly', 'liquidation', 'zeroEquity'] as const;
export type RiskTarget = (typeof RISK_TARGETS)[number];

export interface RiskOptions {
  families: readonly ShockFamilyKind[];
  /** The leader family's asset (default BTC). */
  leader: string;
  /** β per asset for the leader family (given, or estimated): an asset not listed moves with β = 1. */
  betas: ReadonlyMap<string, Dec>;
  /** Where the estimated betas came from (src/risk/betas.ts), when some were estimated. */
  betaEstimation?: BetaEstimation;
  /** The search covers shocks of ±rangePct % (capped where a price would reach zero). */
  rangePct: number;
  /** Grid points over [−rangePct, +rangePct] (81: a 1.25 % step at ±50 %). */
  gridPoints: number;
  /**
   * 'fast': the kernel scans and bisects, the exact engine decides what the kernel cannot and
   * confirms each crossing; 'exact': every evaluation on the exact engine. The same report.
   */
  engine: RiskEngine;
}

export type RiskEngine = 'fast' | 'exact';
export const RISK_ENGINES: readonly RiskEngine[] = ['fast', 'exact'];

export const DEFAULT_RISK_OPTIONS: RiskOptions = { families: ['all', 'leader', 'single', 'depeg'], leader: 'BTC', betas: new Map(), rangePct: 50, gridPoints: 81, engine: 'fast' };

/** What the exact engine says at one shock. */
export interface RiskEvaluation {
  units: number;
  uniMMR: Dec | null;
  adjustedEquity: Dec;
  accountMaintMargin: Dec;
  accountStatus: AccountStatus;
}

export interface RiskCrossing {
  target: RiskTarget;
  threshold: Dec;
  /** The first shock (in SHOCK_UNITs) past the threshold; one unit less is still on the starting side. */
  units: number;
  /** Whether the account starts above the threshold (the usual case) and crosses to at-or-below it. */
  fromAbove: boolean;
  at: RiskEvaluation;
  indexPrices: Map<string, Dec>;
  markPrices: Map<string, Dec>;
}

export interface RiskDirection {
  direction: 'down' | 'up';
  /** How far the search went, in units (the range, or less where a price would reach zero). */
  limitUnits: number;
  targets: Record<RiskTarget, RiskCrossing | undefined>;
}

export interface RiskFamilyResult {
  family: ShockFamily;
  down: RiskDirection;
  up: RiskDirection;
}

export interface RiskReport {
  portfolioId: string;
  mode: Portfolio['mode'];
  time?: number;
  now: RiskEvaluation;
  thresholds: StatusThresholds;
  options: RiskOptions;
  families: RiskFamilyResult[];
  /** The engine that scanned: options.engine, or 'exact' when the kernel refused the portfolio. */
  engine: RiskEngine;
  /** Why the kernel refused the portfolio (amounts of 1e12 or more), when it did. */
  kernelRefusal?: string;
  /** Exact-engine evaluations the search took (a point shared by the four targets counts once). */
  evaluations: number;
  /** Fast-kernel evaluations (0 on the exact engine). */
  kernelEvaluations: number;
  /**
   * Crossings whose bracket the exact engine did not confirm, searched again on the exact engine:
   * 0 unless the kernel's error bound is wrong (the parity test holds it at 0).
   */
  unconfirmed: number;
}

/**
 * Whether an evaluation is at or past a target: uniMMR ≤ threshold (the status ladder's `lte`),
 * or, with no maintenance margin, negative adjusted equity (which liquidates); for zeroEquity,
 * adjusted equity ≤ 0.
 */
export function isBeyond(target: RiskTarget, e: RiskEvaluation, thresholds: StatusThresholds): boolean {
  if (target === 'zeroEquity') return !e.adjustedEquity.isPositive() || e.adjustedEquity.isZero();
  if (e.uniMMR === null) return e.adjustedEquity.isNegative() && !e.adjustedEquity.isZero();
  return e.uniMMR.lte(thresholds[target]);
}

export const findThreshold = (target: RiskTarget, thresholds: StatusThresholds): Dec => (target === 'zeroEquity' ? ZERO : thresholds[target]);

/**
 * The assets the account's value or margin reads, in first-seen order: the snapshot's assets (an
 * empty balance row is not one), the contracts' bases and quotes, the open orders' legs.
 */
export function findInvolvedAssets(snapshotAssets: readonly string[], portfolio: Portfolio, contracts: ReadonlyMap<string, ContractUnderlying>): string[] {
  const seen = new Set<string>(snapshotAssets);
  for (const c of contracts.values()) {
    seen.add(c.base);
    if (c.quote !== 'USD') seen.add(c.quote);
  }
  for (const o of portfolio.marginOpenOrders) seen.add(o.baseAsset).add(o.quoteAsset);
  return [...seen];
}

/** The families asked for: single is one per non-stablecoin asset involved, depeg one per stablecoin. */
export function makeFamilies(options: RiskOptions, assets: readonly string[]): ShockFamily[] {
  const out: ShockFamily[] = [];
  for (const kind of options.families) {
    if (kind === 'all') out.push(makeAllFamily());
    else if (kind === 'leader') out.push(makeLeaderFamily(options.leader, options.betas));
    else if (kind === 'single') out.push(...assets.filter((a) => !isStablecoin(a)).map(makeSingleFamily));
    else out.push(...assets.filter(isStablecoin).map(makeDepegFamily));
  }
  return out;
}

function validateOptions(o: RiskOptions): void {
  if (!RISK_ENGINES.includes(o.engine)) throw new InputError('options', 'engine', `one of ${RISK_ENGINES.join(', ')}`, String(o.engine));
  if (!RANGE_PCT_BOUND.accepts(o.rangePct)) throw new InputError('options', 'range', RANGE_PCT_BOUND.expected, String(o.rangePct));
  const grid = gridPointsBound();
  if (!grid.accepts(o.gridPoints)) throw new InputError('options', 'grid', grid.expected, String(o.gridPoints));
}

/** One family's evaluator at a shock in units, cached: the four targets share the scan's points. */
function makeEvaluator(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, family: ShockFamily, contracts: ReadonlyMap<string, ContractUnderlying>, now: RiskEvaluation, counter: SearchCounter) {
  const cache = new Map<number, RiskEvaluation>([[0, now]]);
  return (units: number): RiskEvaluation => {
    let e = cache.get(units);
    if (e === undefined) {
      const s = calculateAccountSnapshot(portfolio, applyShock(market, family, contracts, shockOfUnits(units)), rules);
      e = { units, uniMMR: s.uniMMR, adjustedEquity: s.adjustedEquity, accountMaintMargin: s.accountMaintMargin, accountStatus: s.accountStatus };
      cache.set(units, e);
      counter.n++;
    }
    return e;
  };
}

/** The prices at a shock: the involved assets' indexes and the held contracts' marks. */
export function findShockedPrices(market: MarketSnapshot, family: ShockFamily, assets: readonly string[], contracts: ReadonlyMap<string, ContractUnderlying>, units: number) {
  const shock = shockOfUnits(units);
  const indexPrices = new Map<string, Dec>();
  for (const a of assets) {
    const p = market.indexPrices.get(a);
    if (p !== undefined) indexPrices.set(a, p.times(calculateAssetFactor(family, a, shock)));
  }
  const markPrices = new Map<string, Dec>();
  for (const [symbol, c] of contracts) {
    const p = market.markPrices.get(symbol);
    if (p !== undefined) markPrices.set(symbol, p.times(calculateMarkFactor(family, c, shock)));
  }
  return { indexPrices, markPrices };
}

/** What every family's search reads. */
interface FamilyContext {
  market: MarketSnapshot;
  rules: Rules;
  assets: readonly string[];
  contracts: ReadonlyMap<string, ContractUnderlying>;
  options: RiskOptions;
  counter: SearchCounter;
}

interface SearchCounter { n: number; unconfirmed: number }

/**
 * The kernel's sides of the four targets at a shock of the family it has selected, cached (the
 * targets share the scan's points); UNDECIDED where the exact engine must say.
 */
function makeKernelSides(kernel: RiskKernel) {
  const caches = [new Map<number, number>(), new Map<number, number>()];
  return (units: number, proven: boolean): number => {
    const cache = caches[proven ? 1 : 0]!;
    let sides = cache.get(units);
    if (sides === undefined) cache.set(units, (sides = kernel.sidesAt(units, proven)));
    return sides;
  };
}

function searchDirection(ctx: FamilyContext, family: ShockFamily, evaluate: (u: number) => RiskEvaluation, kernelSides: ((u: number, proven: boolean) => number) | undefined, sign: -1 | 1): RiskDirection {
  const rangeUnits = Math.round((ctx.options.rangePct / 100) * UNITS_PER_ONE);
  const limitUnits = findShockLimit(family, ctx.assets, sign, rangeUnits);
  const grid = makeGrid(sign, rangeUnits, (ctx.options.gridPoints - 1) / 2, limitUnits);
  const th = ctx.rules.thresholds;
  const targets = {} as Record<RiskTarget, RiskCrossing | undefined>;
  RISK_TARGETS.forEach((target, bit) => {
    const exactSide = (u: number) => isBeyond(target, evaluate(u), th);
    // The grid's points, which decide whether a crossing is seen at all, with the replay's wide
    // band; the bisection's, inside a bracket confirmed below, with the proven bound.
    const kernelSide = (proven: boolean) => (u: number) => {
      const sides = u === 0 || kernelSides === undefined ? UNDECIDED : kernelSides(u, proven);
      return sides === UNDECIDED ? exactSide(u) : (sides & (1 << bit)) !== 0;
    };
    let found = findFirstCrossing(grid, kernelSide(false), kernelSide(true));
    // The kernel's bracket, confirmed: the exact engine must put its last unit on the starting
    // side and its first past it. Otherwise (a kernel bound that does not hold) search again exactly.
    if (kernelSides !== undefined && found !== undefined) {
      const start = exactSide(0);
      if (exactSide(found.inside) !== start || exactSide(found.crossing) === start) {
        ctx.counter.unconfirmed++;
        found = findFirstCrossing(grid, exactSide);
      }
    }
    if (found === undefined) {
      targets[target] = undefined;
      return;
    }
    const prices = findShockedPrices(ctx.market, family, ctx.assets, ctx.contracts, found.crossing);
    targets[target] = {
      target, threshold: findThreshold(target, th), units: found.crossing, fromAbove: !isBeyond(target, evaluate(0), th), at: evaluate(found.crossing), ...prices,
    };
  });
  return { direction: sign < 0 ? 'down' : 'up', limitUnits: sign * limitUnits, targets };
}

/**
 * Distance to each threshold for one portfolio at one market (docs/risk.md). Pure; a missing price
 * or rule is the engine's InputError, bad options an InputError against `options`.
 */
export function calculateRiskDistances(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, options: RiskOptions = DEFAULT_RISK_OPTIONS): RiskReport {
  validateOptions(options);
  const contracts = findContractUnderlyings(portfolio, rules);
  const base = calculateAccountSnapshot(portfolio, market, rules);
  const assets = findInvolvedAssets(base.assets.map((a) => a.asset), portfolio, contracts);
  const counter: SearchCounter = { n: 0, unconfirmed: 0 };
  const ctx: FamilyContext = { market, rules, assets, contracts, options, counter };
  const now: RiskEvaluation = { units: 0, uniMMR: base.uniMMR, adjustedEquity: base.adjustedEquity, accountMaintMargin: base.accountMaintMargin, accountStatus: base.accountStatus };
  const kernelRefusal = options.engine === 'fast' ? findRiskKernelRefusal(portfolio, rules) : undefined;
  const kernel = options.engine === 'fast' && kernelRefusal === undefined ? createRiskKernel(portfolio, market, rules, contracts) : undefined;
  const families = makeFamilies(options, assets).map((family) => {
    const evaluate = makeEvaluator(portfolio, market, rules, family, contracts, now, counter);
    kernel?.selectFamily(family);
    const sides = kernel === undefined ? undefined : makeKernelSides(kernel);
    return { family, down: searchDirection(ctx, family, evaluate, sides, -1), up: searchDirection(ctx, family, evaluate, sides, 1) };
  });
  return {
    portfolioId: portfolio.id, mode: portfolio.mode, time: market.time, now, thresholds: rules.thresholds, options, families,
    engine: kernel === undefined ? 'exact' : 'fast', ...(kernelRefusal === undefined ? {} : { kernelRefusal }),
    evaluations: counter.n, kernelEvaluations: kernel?.evaluations ?? 0, unconfirmed: counter.unconfirmed,
  };
}
