import { floatOfDecimal, type Dec } from '../../domain/decimal.js';
import type { Rules } from '../../domain/types.js';

// Float64 mirrors of src/engine/exact/tables.ts: every bracket and tier table of the rules
// flattened into value arrays, a table being the rows [start, end).

export interface FlatTables {
  floors: Float64Array;
  rates: Float64Array;
  cums: Float64Array;
  /** The next row's floor, +Infinity on a table's last row: row r holds [floors[r], rowEnds[r]). */
  rowEnds: Float64Array;
  /** Last cap of each table by its first row (the position limit), +Infinity for open tiers. */
  lastCaps: Float64Array;
  /** Row range per UM bracket table, CM contract and collateral asset, by name. */
  um: ReadonlyMap<string, readonly [number, number]>;
  cm: ReadonlyMap<string, readonly [number, number]>;
  collateral: ReadonlyMap<string, readonly [number, number]>;
}

export function flattenRuleTables(rules: Rules): FlatTables {
  const floors: number[] = [];
  const rates: number[] = [];
  const cums: number[] = [];
  const rowEnds: number[] = [];
  const lastCaps: number[] = [];
  // Each decimal converted once, by floatOfDecimal (toNumber's float, at half the cost: a job's
  // rules hold thousands of rows).
  const add = <T>(rows: readonly T[], floor: (r: T) => Dec, cap: (r: T) => Dec, rate: (r: T) => Dec, cum: (r: T) => Dec): readonly [number, number] => {
    const start = floors.length;
    const last = floatOfDecimal(cap(rows[rows.length - 1]!));
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      floors.push(floatOfDecimal(floor(r)));
      rates.push(floatOfDecimal(rate(r)));
      cums.push(floatOfDecimal(cum(r)));
      lastCaps.push(last);
    }
    // The next row's floor, already converted.
    for (let k = start; k < floors.length; k++) rowEnds.push(k + 1 < floors.length ? floors[k + 1]! : Number.POSITIVE_INFINITY);
    return [start, floors.length];
  };
  const um = new Map<string, readonly [number, number]>();
  for (const [name, rows] of rules.umBrackets) um.set(name, add(rows, (r) => r.notionalFloor, (r) => r.notionalCap, (r) => r.maintMarginRatio, (r) => r.cum));
  const cm = new Map<string, readonly [number, number]>();
  for (const [name, c] of rules.cmContracts) cm.set(name, add(c.brackets, (r) => r.qtyFloor, (r) => r.qtyCap, (r) => r.maintMarginRatio, (r) => r.cum));
  const collateral = new Map<string, readonly [number, number]>();
  for (const [asset, rows] of rules.collateral) collateral.set(asset, add(rows, (r) => r.tierFloor, (r) => r.tierCap, (r) => r.collateralRate, (r) => r.cum));
  return { floors: Float64Array.from(floors), rates: Float64Array.from(rates), cums: Float64Array.from(cums), rowEnds: Float64Array.from(rowEnds), lastCaps: Float64Array.from(lastCaps), um, cm, collateral };
}

/**
 * Mirrors exact findRowIndex: the row whose [floor, cap) holds value; past the last cap, the last.
 * Scans up from the first row: most notionals sit in the first brackets of long tables.
 */
export function findRowIndex(t: FlatTables, start: number, end: number, value: number): number {
  const floors = t.floors;
  let i = start;
  while (i + 1 < end && floors[i + 1]! <= value) i++;
  return i;
}

/** Mirrors exact calculateUmMaintMargin (and CM: the same formula by coin quantity). */
export function calculateUmMaintMargin(t: FlatTables, start: number, end: number, notional: number): number {
  const i = findRowIndex(t, start, end, notional);
  return notional * t.rates[i]! - t.cums[i]!;
}

export const calculateCmMaintMargin = calculateUmMaintMargin;

/** Mirrors exact calculateCollateralValue: V·rate_k + cum_k. */
export function calculateCollateralValue(t: FlatTables, start: number, end: number, valueUSD: number): number {
  const i = findRowIndex(t, start, end, valueUSD);
  return valueUSD * t.rates[i]! + t.cums[i]!;
}

/** Mirrors exact findMarginalCollateralRate. */
export function findMarginalCollateralRate(t: FlatTables, start: number, end: number, valueUSD: number): number {
  return t.rates[findRowIndex(t, start, end, valueUSD)]!;
}

/**
 * findMarginalCollateralRate where the float value cannot pick the wrong tier: NaN when a tier edge
 * lies within `slack` of valueUSD (the marginal rate jumps there, so the exact value must choose).
 */
export function findClearMarginalCollateralRate(t: FlatTables, start: number, end: number, valueUSD: number, slack: number): number {
  const i = findRowIndex(t, start, end, valueUSD);
  if ((i > start && valueUSD - slack < t.floors[i]!) || (i + 1 < end && valueUSD + slack >= t.floors[i + 1]!)) return Number.NaN;
  return t.rates[i]!;
}

/** Mirrors exact calculateAssetEquity: haircut only on a positive net. */
export function calculateAssetEquity(t: FlatTables, start: number, end: number, netUSD: number): number {
  return netUSD > 0 ? calculateCollateralValue(t, start, end, netUSD) : netUSD;
}
