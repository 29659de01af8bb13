import { Dec, ZERO } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { AccountStatus, MarketSnapshot, Portfolio, Rules, StatusThresholds } from '../domain/types.js';
import { prepareAccountNumbers, type AccountNumbers } from '../engine/exact/account-numbers.js';
import type { BetaEstimation } from './betas.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { findSnapshotAssets } from './assets.js';
import { makeGrid, type CrossingBracket } from './crossing.js';
import { accountStatusOfSides, createRiskKernel, findRiskKernelRefusal, UNDECIDED, type RiskKernel, type TargetSides } from './kernel.js';
import { formatCutWithin, formatKernelUniMMR } from './printed.js';
import { findGridIntervals, narrowCrossing, type ShockProbe } from './scan.js';
import { gridPointsBound, RANGE_PCT_BOUND } from './option-bounds.js';
import {
  applyShock, findContractUnderlyings, findShockLimit, isStablecoin,
  makeAllFamily, makeDepegFamily, makeLeaderFamily, makeSingleFamily, shockOfUnits, UNITS_PER_ONE,
  type ContractUnderlying, type ShockFamily, type ShockFamilyKind,
} from './shock.js';

// Distance to each threshold (docs/risk.md): per shock family and direction, the smallest shock
// that takes uniMMR to the margin-call, reduce-only and liquidation thresholds and adjusted equity
// to zero. The scan and the narrowing (src/risk/scan.ts) read each shock's side of a threshold from
// the fast kernel where its proven bound decides it (src/risk/kernel.ts), from the exact engine's
// numbers (calculateAccountNumbers: calculateAccountSnapshot's without its breakdown) where it
// cannot (engine 'fast', the default), or every evaluation is the exact engine's (engine 'exact').
// The document's numbers at the start and at each crossing are the exact engine's digits: the
// kernel's where its bound fixes every printed digit (src/risk/printed.ts), the exact engine's
// otherwise. With `confirm`, the exact engine checks every side and number the kernel gave (the
// parity tests; `unconfirmed` counts disagreements).

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
   * 'fast': the kernel scans and narrows, the exact engine decides what the kernel's proven bound
   * cannot and gives the numbers whose digits it does not fix; 'exact': every evaluation on the
   * exact engine. The same report.
   */
  engine: RiskEngine;
  /**
   * Engine 'fast' only: the exact engine also evaluates each crossing's two ends, the start, and
   * every number the kernel printed, and its answer is used where they differ (counted in
   * `unconfirmed`, 0 unless the kernel's error bound is wrong). Off by default: the bound is proven
   * (docs/architecture.md "Parity contract"), and the tests hold it with this on.
   */
  confirm?: boolean;
}

export type RiskEngine = 'fast' | 'exact';
export const RISK_ENGINES: readonly RiskEngine[] = ['fast', 'exact'];

export const DEFAULT_RISK_OPTIONS: RiskOptions = { families: ['all', 'leader', 'single', 'depeg'], leader: 'BTC', betas: new Map(), rangePct: 50, gridPoints: 81, engine: 'fast' };

/**
 * What the exact engine says at one shock: its numbers, or their 8-decimal cut (all the document
 * prints) where the kernel's proven bound fixed those digits.
 */
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
   * With options.confirm: the kernel's sides and numbers the exact engine did not confirm (a
   * bracket is then searched again on the exact engine alone): 0 unless the kernel's error bound
   * is wrong (the parity test holds it at 0). Always 0 without confirm.
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

const GRID_POINTS_BOUND = gridPointsBound();

function validateOptions(o: RiskOptions): void {
  if (!RISK_ENGINES.includes(o.engine)) throw new InputError('options', 'engine', `one of ${RISK_ENGINES.join(', ')}`, String(o.engine));
  if (!RANGE_PCT_BOUND.accepts(o.rangePct)) throw new InputError('options', 'range', RANGE_PCT_BOUND.expected, String(o.rangePct));
  if (!GRID_POINTS_BOUND.accepts(o.gridPoints)) throw new InputError('options', 'grid', GRID_POINTS_BOUND.expected, String(o.gridPoints));
}

/** The involved assets' indexes and held contracts' marks of `shocked` (the market moved), where `market` has them. */
function readShockedPrices(market: MarketSnapshot, shocked: MarketSnapshot, assets: readonly string[], contracts: ReadonlyMap<string, ContractUnderlying>) {
  const indexPrices = new Map<string, Dec>();
  for (const a of assets) {
    const p = market.indexPrices.get(a) === undefined ? undefined : shocked.indexPrices.get(a);
    if (p !== undefined) indexPrices.set(a, p);
  }
  const markPrices = new Map<string, Dec>();
  for (const symbol of contracts.keys()) {
    const p = market.markPrices.get(symbol) === undefined ? undefined : shocked.markPrices.get(symbol);
    if (p !== undefined) markPrices.set(symbol, p);
  }
  return { indexPrices, markPrices };
}

interface SearchCounter { n: number; unconfirmed: number }

/** What a portfolio's search reads. */
interface Search {
  portfolio: Portfolio;
  market: MarketSnapshot;
  rules: Rules;
  assets: readonly string[];
  contracts: ReadonlyMap<string, ContractUnderlying>;
  options: RiskOptions;
  counter: SearchCounter;
  kernel: RiskKernel | undefined;
  /** Why the kernel refused the portfolio, when engine 'fast' could not use it. */
  kernelRefusal?: string;
  /** The exact engine at the given prices, evaluated once when first asked. */
  base: () => RiskEvaluation;
  /** The exact engine's numbers at a market (the portfolio's rule lookups kept across markets). */
  numbers: (market: MarketSnapshot) => AccountNumbers;
}

/** The four targets' sides of an exact evaluation (bit i: RISK_TARGETS[i]). */
function findExactSides(e: RiskEvaluation, thresholds: StatusThresholds): TargetSides {
  let sides = 0;
  RISK_TARGETS.forEach((t, bit) => {
    if (isBeyond(t, e, thresholds)) sides |= 1 << bit;
  });
  return sides;
}

/**
 * One family's exact evaluator at a shock in units, cached (the four targets share points); shock 0
 * is the base. Its shocked markets are kept too: a crossing's printed prices are read from the
 * market its numbers were evaluated at, each price computed once.
 */
interface Evaluator {
  (units: number): RiskEvaluation;
  market(units: number): MarketSnapshot;
  /** The family whose shocks it evaluates (the kernel must have it selected for the numbers). */
  family: ShockFamily;
}

function makeEvaluator(s: Search, family: ShockFamily): Evaluator {
  // Made on the first exact evaluation: a search the kernel decides throughout needs neither.
  let cache: Map<number, RiskEvaluation> | undefined;
  let markets: Map<number, MarketSnapshot> | undefined;
  const market = (units: number): MarketSnapshot => {
    markets ??= new Map();
    let m = markets.get(units);
    if (m === undefined) markets.set(units, (m = applyShock(s.market, family, s.contracts, shockOfUnits(units))));
    return m;
  };
  const evaluate = (units: number): RiskEvaluation => {
    if (units === 0) return s.base();
    cache ??= new Map();
    let e = cache.get(units);
    if (e === undefined) {
      e = { units, ...s.numbers(market(units)) };
      cache.set(units, e);
      s.counter.n++;
    }
    return e;
  };
  return Object.assign(evaluate, { market, family });
}

/** A point the kernel decided: its sides and floats, and whether the replay's band decided it (else the proven bound alone). */
interface KernelPoint { sides: TargetSides; adjusted: number; margin: number; band: boolean }

/** How many decided points a probe keeps: a narrowing starts from the two the scan just decided. */
const KERNEL_POINTS_KEPT = 16;

/**
 * The sides at a shock from the kernel where it decides them, else from the exact engine; `kernel`
 * undefined: exact only. The kernel's last decided points are kept: it gives the same sides and
 * floats for the same shock of its family every time, and a point decided within the band is decided
 * within the proven bound (the narrower) too, so a narrowing reads its ends without evaluating them again.
 */
function makeProbe(s: Search, evaluate: (u: number) => RiskEvaluation, kernel: RiskKernel | undefined): ShockProbe {
  const decided = new Map<number, KernelPoint>();
  const probe: ShockProbe = {
    adjusted: Number.NaN,
    margin: Number.NaN,
    ...(kernel === undefined ? {} : { kernel }),
    sidesAt(units, proven) {
      if (kernel !== undefined) {
        const known = decided.get(units);
        if (known !== undefined && (proven || known.band)) {
          probe.adjusted = known.adjusted;
          probe.margin = known.margin;
          return known.sides;
        }
        const sides = kernel.sidesAt(units, proven);
        if (sides !== UNDECIDED) {
          probe.adjusted = kernel.last.adjusted;
          probe.margin = kernel.last.margin;
          if (decided.size >= KERNEL_POINTS_KEPT) decided.clear();
          decided.set(units, { sides, adjusted: probe.adjusted, margin: probe.margin, band: !proven });
          return sides;
        }
      }
      const e = evaluate(units);
      probe.adjusted = e.adjustedEquity.toNumber();
      probe.margin = e.accountMaintMargin.toNumber();
      return findExactSides(e, s.rules.thresholds);
    },
  };
  return probe;
}

const thresholdFloats = new WeakMap<StatusThresholds, number[]>();

/** Each target's threshold as a float, for the secant's values (zero equity: 0); once per rules. */
function thresholdNumbers(th: StatusThresholds): number[] {
  let x = thresholdFloats.get(th);
  if (x === undefined) thresholdFloats.set(th, (x = RISK_TARGETS.map((t) => findThreshold(t, th).toNumber())));
  return x;
}

/** A direction's first crossing per target, as shock units (undefined: none within the limit). */
interface DirectionShocks {
  direction: 'down' | 'up';
  limitUnits: number;
  crossings: (number | undefined)[];
}

interface FamilyShocks {
  family: ShockFamily;
  /** The exact evaluations the search made, for the numbers at the crossings. */
  evaluate: Evaluator;
  down: DirectionShocks;
  up: DirectionShocks;
}

/** The probes of one family: the search's (kernel first) and the exact engine's (made when first asked: only `confirm` reads it). */
interface FamilyProbes { probe: ShockProbe; exact: () => ShockProbe }

// The grids in use (a handful: the options' range and size, a few limits), shared read-only by every
// search.
const grids: { sign: number; rangeUnits: number; steps: number; limitUnits: number; grid: readonly number[] }[] = [];

function findGrid(sign: -1 | 1, rangeUnits: number, steps: number, limitUnits: number): readonly number[] {
  const g = grids.find((x) => x.sign === sign && x.rangeUnits === rangeUnits && x.steps === steps && x.limitUnits === limitUnits);
  if (g !== undefined) return g.grid;
  if (grids.length >= 64) grids.length = 0;
  const grid = makeGrid(sign, rangeUnits, steps, limitUnits);
  grids.push({ sign, rangeUnits, steps, limitUnits, grid });
  return grid;
}

function searchDirection(s: Search, family: ShockFamily, probes: FamilyProbes, start: TargetSides, sign: -1 | 1): DirectionShocks {
  const rangeUnits = Math.round((s.options.rangePct / 100) * UNITS_PER_ONE);
  const limitUnits = findShockLimit(family, s.assets, sign, rangeUnits);
  const grid = findGrid(sign, rangeUnits, (s.options.gridPoints - 1) / 2, limitUnits);
  const thresholds = thresholdNumbers(s.rules.thresholds);
  const intervals = findGridIntervals(grid, probes.probe, start, RISK_TARGETS.length);
  let exactIntervals: ReturnType<typeof findGridIntervals> | undefined;
  const crossings = intervals.map((iv, bit) => {
    if (iv === undefined) return undefined;
    let found: CrossingBracket | undefined = narrowCrossing(iv.inside, iv.crossing, bit, thresholds[bit]!, probes.probe);
    if (s.options.confirm === true && probes.probe.kernel !== undefined) {
      // The kernel's bracket, confirmed: the exact engine must put its last unit on the starting
      // side and its first past it. Otherwise (a kernel bound that does not hold) search again exactly.
      const mask = 1 << bit;
      const side = (u: number) => (probes.exact().sidesAt(u, true) & mask) !== 0;
      const startSide = (start & mask) !== 0;
      if (side(found.inside) !== startSide || side(found.crossing) === startSide) {
        s.counter.unconfirmed++;
        exactIntervals ??= findGridIntervals(grid, probes.exact(), start, RISK_TARGETS.length);
        const exactIv = exactIntervals[bit];
        found = exactIv === undefined ? undefined : narrowCrossing(exactIv.inside, exactIv.crossing, bit, thresholds[bit]!, probes.exact());
      }
    }
    return found?.crossing;
  });
  return { direction: sign < 0 ? 'down' : 'up', limitUnits: sign * limitUnits, crossings };
}

/** The four targets' sides at the given prices: the kernel's where its proven bound decides them. */
function findStartSides(s: Search): TargetSides {
  const exact = () => findExactSides(s.base(), s.rules.thresholds);
  const sides = s.kernel === undefined ? UNDECIDED : s.kernel.sidesAt(0, true);
  if (sides === UNDECIDED) return exact();
  if (s.options.confirm === true && exact() !== sides) {
    s.counter.unconfirmed++;
    return exact();
  }
  return sides;
}

function prepareSearch(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, options: RiskOptions): Search {
  validateOptions(options);
  const contracts = findContractUnderlyings(portfolio, rules);
  const assets = findInvolvedAssets(findSnapshotAssets(portfolio, rules), portfolio, contracts);
  const counter: SearchCounter = { n: 0, unconfirmed: 0 };
  const kernelRefusal = options.engine === 'fast' ? findRiskKernelRefusal(portfolio, rules) : undefined;
  const kernel = options.engine === 'fast' && kernelRefusal === undefined ? createRiskKernel(portfolio, market, rules, contracts) : undefined;
  let base: RiskEvaluation | undefined;
  // Prepared on the first exact evaluation: a search the kernel decides throughout needs none.
  let prepared: ((market: MarketSnapshot) => AccountNumbers) | undefined;
  const numbers = (m: MarketSnapshot): AccountNumbers => (prepared ??= prepareAccountNumbers(portfolio, rules))(m);
  return {
    portfolio, market, rules, assets, contracts, options, counter, kernel, numbers,
    ...(kernelRefusal === undefined ? {} : { kernelRefusal }),
    base: () => {
      if (base === undefined) {
        base = { units: 0, ...numbers(market) };
        counter.n++;
      }
      return base;
    },
  };
}

/** Every family's first crossings per direction and target (shocks only), and how the search went. */
function searchFamilies(s: Search): { families: FamilyShocks[]; start: TargetSides } {
  const start = findStartSides(s);
  // Families that move every involved asset alike (the leader family without betas is `all`; a
  // single family on a book with one non-stablecoin, too) shock the same prices: their search and
  // numbers are the first one's. The assets are everything the account reads (findInvolvedAssets).
  const searched: { coefficients: Dec[]; shocks: FamilyShocks }[] = [];
  const families = makeFamilies(s.options, s.assets).map((family) => {
    const coefficients = s.assets.map((a) => family.coefficient(a));
    const same = searched.find((x) => x.coefficients.every((c, i) => c === coefficients[i] || c.eq(coefficients[i]!)))?.shocks;
    if (same !== undefined) return { ...same, family };
    const evaluate = makeEvaluator(s, family);
    s.kernel?.selectFamily(family);
    let exact: ShockProbe | undefined;
    const probes: FamilyProbes = { probe: makeProbe(s, evaluate, s.kernel), exact: () => (exact ??= makeProbe(s, evaluate, undefined)) };
    const shocks = { family, evaluate, down: searchDirection(s, family, probes, start, -1), up: searchDirection(s, family, probes, start, 1) };
    searched.push({ coefficients, shocks });
    return shocks;
  });
  return { families, start };
}

/**
 * The document's numbers at a shock of the family the kernel has selected, from the kernel when its
 * proven bound fixes every printed digit (uniMMR, adjusted equity, margin; the status follows from
 * the sides), as the 8-decimal cut; undefined otherwise.
 */
function findKernelEvaluation(kernel: RiskKernel, units: number): RiskEvaluation | undefined {
  const sides = kernel.sidesAt(units, true);
  if (sides === UNDECIDED) return undefined;
  const k = kernel.last;
  const adjusted = formatCutWithin(k.adjusted, k.adjustedError);
  const margin = formatCutWithin(k.margin, k.marginError);
  const uniMMR = formatKernelUniMMR(k);
  if (adjusted === undefined || margin === undefined || uniMMR === undefined) return undefined;
  return { units, uniMMR: uniMMR === null ? null : new Dec(uniMMR), adjustedEquity: new Dec(adjusted), accountMaintMargin: new Dec(margin), accountStatus: accountStatusOfSides(sides) };
}

const printed = (e: RiskEvaluation) => [e.uniMMR === null ? 'null' : formatBinanceDecimal(e.uniMMR), formatBinanceDecimal(e.adjustedEquity), formatBinanceDecimal(e.accountMaintMargin), e.accountStatus].join(' ');

/** The document's numbers at a shock: the kernel's printed digits where its bound fixes them, else the exact engine's. */
function findEvaluation(s: Search, evaluate: (u: number) => RiskEvaluation, units: number): RiskEvaluation {
  const fast = s.kernel === undefined ? undefined : findKernelEvaluation(s.kernel, units);
  if (fast === undefined) return evaluate(units);
  if (s.options.confirm === true && printed(fast) !== printed(evaluate(units))) {
    s.counter.unconfirmed++;
    return evaluate(units);
  }
  return fast;
}

function renderDirection(s: Search, evaluate: Evaluator, start: TargetSides, d: DirectionShocks): RiskDirection {
  const targets = {} as Record<RiskTarget, RiskCrossing | undefined>;
  RISK_TARGETS.forEach((target, bit) => {
    const units = d.crossings[bit];
    targets[target] = units === undefined ? undefined : {
      target, threshold: findThreshold(target, s.rules.thresholds), units, fromAbove: (start & (1 << bit)) === 0,
      at: findEvaluation(s, evaluate, units), ...readShockedPrices(s.market, evaluate.market(units), s.assets, s.contracts),
    };
  });
  return { direction: d.direction, limitUnits: d.limitUnits, targets };
}

/** What a search reports besides its crossings. */
const searchCounts = (s: Search) => ({
  engine: (s.kernel === undefined ? 'exact' : 'fast') as RiskEngine,
  evaluations: s.counter.n, kernelEvaluations: s.kernel?.evaluations ?? 0, unconfirmed: s.counter.unconfirmed,
});

/**
 * Distance to each threshold for one portfolio at one market (docs/risk.md). Pure; a missing price
 * or rule is the engine's InputError, bad options an InputError against `options`.
 */
export function calculateRiskDistances(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, options: RiskOptions = DEFAULT_RISK_OPTIONS): RiskReport {
  const s = prepareSearch(portfolio, market, rules, options);
  const { kernelRefusal } = s;
  const { families, start } = searchFamilies(s);
  const now = findEvaluation(s, s.base, 0);
  // A family whose search was another's (searchFamilies) has its directions too.
  const rendered = new Map<DirectionShocks, RiskDirection>();
  const render = (f: FamilyShocks, d: DirectionShocks): RiskDirection => {
    let r = rendered.get(d);
    if (r === undefined) rendered.set(d, (r = renderDirection(s, f.evaluate, start, d)));
    return r;
  };
  const withNumbers = families.map((f) => {
    if (!rendered.has(f.down)) s.kernel?.selectFamily(f.evaluate.family);
    return { family: f.family, down: render(f, f.down), up: render(f, f.up) };
  });
  const counts = searchCounts(s);
  return {
    portfolioId: portfolio.id, mode: portfolio.mode, time: market.time, now, thresholds: rules.thresholds, options, families: withNumbers,
    engine: counts.engine, ...(kernelRefusal === undefined ? {} : { kernelRefusal }),
    evaluations: counts.evaluations, kernelEvaluations: counts.kernelEvaluations, unconfirmed: counts.unconfirmed,
  };
}

/** The first crossing's shock per family, direction and target (undefined: none), without the document's numbers. */
export interface RiskShocks {
  families: { family: ShockFamily; down: Record<RiskTarget, number | undefined>; up: Record<RiskTarget, number | undefined> }[];
  engine: RiskEngine;
  evaluations: number;
  kernelEvaluations: number;
  unconfirmed: number;
}

const byTarget = (d: DirectionShocks): Record<RiskTarget, number | undefined> => ({
  marginCall: d.crossings[0], reduceOnly: d.crossings[1], liquidation: d.crossings[2], zeroEquity: d.crossings[3],
});

/**
 * calculateRiskDistances' crossings alone (a job's start distance): the same search, without the
 * numbers at the start and at each crossing, which cost exact evaluations the shocks do not need.
 */
export function findRiskShocks(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, options: RiskOptions = DEFAULT_RISK_OPTIONS): RiskShocks {
  const s = prepareSearch(portfolio, market, rules, options);
  const { families } = searchFamilies(s);
  return { families: families.map((f) => ({ family: f.family, down: byTarget(f.down), up: byTarget(f.up) })), ...searchCounts(s) };
}
