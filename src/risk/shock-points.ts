import type { Dec } from '../domain/decimal.js';
import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { createRiskKernel, type RiskKernel } from './kernel.js';
import { applyShock, UNITS_PER_ONE, type ContractUnderlying, type ShockFamily } from './shock.js';

// One portfolio's points at the shocks of a family over a base market: the fast kernel's (loaded at
// the base) where the caller's reading of it fixes the point, the exact engine's at the shocked
// market otherwise. The risk matrices' cells (matrix.ts, 8-decimal uniMMR) and the report's start
// risk (src/batch/worst-risk.ts, uniMMR rounded for plotting) are both evaluated so.

/** How many points came from the kernel and how many from the exact engine (tests and benches read it). */
export interface PointCounter { kernel: number; exact: number }

export interface ShockPointSource<T> {
  portfolio: Portfolio;
  rules: Rules;
  contracts: ReadonlyMap<string, ContractUnderlying>;
  /** The point from the kernel at `units` of its selected family, undefined where its bound does not fix it; absent: exact throughout. */
  fromKernel?: (kernel: RiskKernel, units: number) => T | undefined;
  /** The point from the exact engine at a shocked market. */
  exact: (market: MarketSnapshot) => T;
  counter?: PointCounter;
}

// A shock's units by its decimal: the same shocks (a curve's, a matrix axis') are evaluated for
// portfolio after portfolio, and a decimal product costs more than the lookup.
const shockUnits = new WeakMap<Dec, number>();

function unitsOfShock(shock: Dec): number {
  let units = shockUnits.get(shock);
  if (units === undefined) shockUnits.set(shock, (units = shock.times(UNITS_PER_ONE).toNumber()));
  return units;
}

/** The points at each shock of `family` over `base`, in order. */
export function evaluateShockPoints<T>(source: ShockPointSource<T>, base: MarketSnapshot, family: ShockFamily, shocks: readonly Dec[]): T[] {
  const { fromKernel, counter } = source;
  // A kernel holds its base prices: one per base market (a matrix row), loaded into the shared batch.
  const kernel = fromKernel === undefined ? undefined : createRiskKernel(source.portfolio, base, source.rules, source.contracts);
  kernel?.selectFamily(family);
  return shocks.map((shock) => {
    // The kernel evaluates whole units of 1e-10 (a grid's steps are, unless its range does not divide).
    const units = unitsOfShock(shock);
    const fast = kernel !== undefined && Number.isInteger(units) ? fromKernel!(kernel, units) : undefined;
    if (counter !== undefined) counter[fast === undefined ? 'exact' : 'kernel']++;
    return fast ?? source.exact(applyShock(base, family, source.contracts, shock));
  });
}

/** A grid of points: a row per shock of `rowFamily` (its market shocked exactly), a column per shock of `colFamily` over it. */
export function evaluateShockGrid<T>(source: ShockPointSource<T>, market: MarketSnapshot, rowFamily: ShockFamily, colFamily: ShockFamily, shocks: readonly Dec[]): T[][] {
  return shocks.map((r) => evaluateShockPoints(source, applyShock(market, rowFamily, source.contracts, r), colFamily, shocks));
}
