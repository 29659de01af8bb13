import { Dec, ONE, ZERO } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { AccountStatus, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { prepareAccountNumbers } from '../engine/exact/account-numbers.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { DEPEG_EXPECTED, MATRIX_RANGE_PCT_BOUND, matrixPointsBound } from './option-bounds.js';
import type { RiskEngine } from './distances.js';
import { accountStatusOfSides, findRiskKernelRefusal, UNDECIDED, type RiskKernel } from './kernel.js';
import { formatKernelUniMMR } from './printed.js';
import { findContractUnderlyings, isStablecoin, makeDepegFamily, makeLeaderFamily, type ShockFamily } from './shock.js';
import { evaluateShockGrid, type PointCounter, type ShockPointSource } from './shock-points.js';

// The risk matrix (issue 17 item 2): uniMMR and status over a grid of two moves, each cell the
// exact engine's digits (from the fast kernel where its proven bound fixes them, as the distance
// search's numbers are). Two grids: the leader's move × an extra move of every other
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
  // A row moves an asset by β·r: past −100 % its price would be negative, a market that cannot be.
  for (const [asset, beta] of o.betas) {
    if (beta.abs().times(o.rangePct).gte(100)) {
      throw new InputError('options', 'matrix-range', `a range whose moves keep every price above zero: below ${new Dec(100).div(beta.abs()).toDecimalPlaces(2, Dec.ROUND_DOWN).toString()} % with ${asset}'s beta ${beta.toString()}`, String(o.rangePct));
    }
  }
}

/** The axis' shocks as exact fractions, −range … +range in equal steps. */
export function axisShocks(o: RiskMatrixOptions): Dec[] {
  const half = (o.points - 1) / 2;
  return Array.from({ length: o.points }, (_, i) => new Dec(o.rangePct).times(i - half).div(half).div(100));
}

/** One cell: uniMMR as Binance prints it and the status. */
interface Cell { uniMMR: string | null; status: AccountStatus }

/** The kernel's cell at `units` of its selected family where its proven bound fixes both, else undefined. */
function findKernelCell(kernel: RiskKernel, units: number): Cell | undefined {
  const sides = kernel.sidesAt(units, true);
  if (sides === UNDECIDED) return undefined;
  const uniMMR = formatKernelUniMMR(kernel.last);
  return uniMMR === undefined ? undefined : { uniMMR, status: accountStatusOfSides(sides) };
}

const percentOf = (shocks: readonly Dec[]) => shocks.map((s) => s.times(100).toFixed(4));

/**
 * Both matrices of a portfolio at a market snapshot: each row's market shocked exactly, then each
 * column's shock over it — from the kernel loaded at the row's market where its proven bound fixes
 * the printed uniMMR and the status (engine 'fast'), else from the exact engine's numbers
 * (calculateAccountNumbers: the snapshot's digits); `engine` 'exact': every cell on the exact engine.
 */
export function calculateRiskMatrices(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, o: RiskMatrixOptions, engine: RiskEngine = 'fast', counter?: PointCounter): { leaderOthers: RiskMatrix; leaderDepeg: RiskMatrix } {
  validateMatrixOptions(o);
  const numbers = prepareAccountNumbers(portfolio, rules);
  const source: ShockPointSource<Cell> = {
    portfolio, rules, contracts: findContractUnderlyings(portfolio, rules),
    ...(engine === 'fast' && findRiskKernelRefusal(portfolio, rules) === undefined ? { fromKernel: findKernelCell } : {}),
    exact: (m) => {
      const n = numbers(m);
      return { uniMMR: n.uniMMR === null ? null : formatBinanceDecimal(n.uniMMR), status: n.accountStatus };
    },
    ...(counter === undefined ? {} : { counter }),
  };
  // The unshocked account on the exact engine first: a price or rule it lacks fails here, with the
  // exact engine's error (the kernel would only say it cannot decide).
  source.exact(market);
  const shocks = axisShocks(o);
  const leader = makeLeaderFamily(o.leader, o.betas);
  const axis = (family: ShockFamily) => ({ name: family.name, shocksPct: percentOf(shocks) });
  const matrix = (cols: ShockFamily): RiskMatrix => {
    const cells = evaluateShockGrid(source, market, leader, cols, shocks);
    return { rows: axis(leader), cols: axis(cols), uniMMR: cells.map((row) => row.map((x) => x.uniMMR)), status: cells.map((row) => row.map((x) => x.status)) };
  };
  return { leaderOthers: matrix(makeOthersFamily(o.leader)), leaderDepeg: matrix(makeDepegFamily(o.stablecoin)) };
}
