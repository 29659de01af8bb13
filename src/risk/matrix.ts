import { Dec, ONE, ZERO } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { AccountStatus, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { DEPEG_EXPECTED, MATRIX_RANGE_PCT_BOUND, matrixPointsBound } from './option-bounds.js';
import { applyShock, findContractUnderlyings, isStablecoin, makeDepegFamily, makeLeaderFamily, type ShockFamily } from './shock.js';

// The risk matrix (issue 17 item 2): uniMMR and status over a grid of two moves, evaluated by the
// exact engine at every cell. Two grids: the leader's move × an extra move of every other
// non-stablecoin asset (the others move with the leader by their beta, then by the extra move), and
// the leader's move × a stablecoin depeg. Moves compose: each shock multiplies the prices the
// previous one left (src/risk/shock.ts), so a cell is the market after both.

export interface RiskMatrixOptions {
  leader: string;
  betas: ReadonlyMap<string, Dec>;
  /** Cells per axis, odd so that 0 is on both axes. */
  points: number;
  /** Each axis runs from −range to +range, in percent (below 100: no price reaches 0). */
  rangePct: number;
  /** The stablecoin of the depeg axis. */
  stablecoin: string;
}

export interface RiskMatrix {
  /** What each axis moves. */
  rows: { name: string; shocksPct: string[] };
  cols: { name: string; shocksPct: string[] };
  /** [row][col]: uniMMR in Binance's 8-decimal format (cut toward zero), null without maintenance margin. */
  uniMMR: (string | null)[][];
  status: AccountStatus[][];
}

/** Every non-stablecoin but the leader, by the same extra move. */
export function makeOthersFamily(leader: string): ShockFamily {
  return { kind: 'all', name: `others:${leader}`, coefficient: (asset) => (asset === leader || isStablecoin(asset) ? ZERO : ONE) };
}

function validateMatrixOptions(o: RiskMatrixOptions): void {
  const points = matrixPointsBound();
  if (!points.accepts(o.points)) throw new InputError('options', 'matrix', points.expected, String(o.points));
  if (!MATRIX_RANGE_PCT_BOUND.accepts(o.rangePct)) throw new InputError('options', 'matrix-range', MATRIX_RANGE_PCT_BOUND.expected, String(o.rangePct));
  if (!isStablecoin(o.stablecoin)) throw new InputError('options', 'depeg', DEPEG_EXPECTED, JSON.stringify(o.stablecoin));
}

/** The axis' shocks as exact fractions, −range … +range in equal steps. */
export function axisShocks(o: RiskMatrixOptions): Dec[] {
  const half = (o.points - 1) / 2;
  return Array.from({ length: o.points }, (_, i) => new Dec(o.rangePct).times(i - half).div(half).div(100));
}

function evaluateGrid(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, rowFamily: ShockFamily, colFamily: ShockFamily, shocks: readonly Dec[]): Pick<RiskMatrix, 'uniMMR' | 'status'> {
  const contracts = findContractUnderlyings(portfolio, rules);
  const uniMMR: (string | null)[][] = [];
  const status: AccountStatus[][] = [];
  for (const r of shocks) {
    const afterRow = applyShock(market, rowFamily, contracts, r);
    const cells = shocks.map((c) => calculateAccountSnapshot(portfolio, applyShock(afterRow, colFamily, contracts, c), rules));
    uniMMR.push(cells.map((s) => (s.uniMMR === null ? null : formatBinanceDecimal(s.uniMMR))));
    status.push(cells.map((s) => s.accountStatus));
  }
  return { uniMMR, status };
}

const percentOf = (shocks: readonly Dec[]) => shocks.map((s) => s.times(100).toFixed(4));

/** Both matrices of a portfolio at a market snapshot. */
export function calculateRiskMatrices(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, o: RiskMatrixOptions): { leaderOthers: RiskMatrix; leaderDepeg: RiskMatrix } {
  validateMatrixOptions(o);
  const shocks = axisShocks(o);
  const leader = makeLeaderFamily(o.leader, o.betas);
  const others = makeOthersFamily(o.leader);
  const depeg = makeDepegFamily(o.stablecoin);
  const axis = (family: ShockFamily) => ({ name: family.name, shocksPct: percentOf(shocks) });
  return {
    leaderOthers: { rows: axis(leader), cols: axis(others), ...evaluateGrid(portfolio, market, rules, leader, others, shocks) },
    leaderDepeg: { rows: axis(leader), cols: axis(depeg), ...evaluateGrid(portfolio, market, rules, leader, depeg, shocks) },
  };
}
