import type { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { prepareAccountNumbers } from '../engine/exact/account-numbers.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { roundForPlot, statusCode, type CompactRiskMatrix, type WorstStartRisk, type WorstStartRiskFigures } from '../records/dataset.js';
import { findRiskKernelRefusal } from '../risk/kernel.js';
import { axisShocks, calculateRiskMatrices, makeOthersFamily, type RiskMatrix, type RiskMatrixOptions } from '../risk/matrix.js';
import { findKernelPlotPoint, plotExact, type PlottedPoint } from '../risk/plotted.js';
import { applyShock, findContractUnderlyings, makeAllFamily, makeDepegFamily, makeLeaderFamily, type ShockFamily } from '../risk/shock.js';
import { evaluateShockGrid, evaluateShockPoints, type PointCounter, type ShockPointSource } from '../risk/shock-points.js';

// A worst portfolio's risk at the job's start market, for the report (docs/risk.md "In the report
// and the API"): uniMMR against the `all` family's shock on `pmbt risk`'s grid, and the two risk
// matrices. The side file keeps them rounded for plotting, so a point is the fast kernel's where its
// proven bound fixes the rounded uniMMR and the status (src/risk/plotted.ts), else the exact
// engine's (account-numbers.ts: calculateAccountSnapshot's digits). calculateWorstStartRiskExact,
// every point on the exact snapshot, is the reference test/batch/worst-risk*.test.ts holds it to.

/** The curve: `pmbt risk`'s default grid, 81 points over ±50 % (a 1.25 % step). */
export const START_CURVE = { rangePct: 50, points: 81 } as const;
/** The matrices: 9 × 9 cells over ±20 % (a 5 % step), `pmbt risk --matrix 9`'s default range; leader BTC, betas 1, depeg USDT. */
export const START_MATRIX = { rangePct: 20, points: 9, leader: 'BTC', stablecoin: 'USDT' } as const;

const MATRIX_OPTIONS: RiskMatrixOptions = { ...START_MATRIX, betas: new Map() };

interface Series { uniMMR: (number | null)[]; status: number[] }
type StartFigures = Omit<WorstStartRiskFigures, 'time'>;

/** The curve's shocks, −range … +range: exact fractions, 50 · i / 40 % = i · 1.25 %. Made once: every worst portfolio of every batch reads them. */
const CURVE_SHOCKS: readonly Dec[] = axisShocks({ ...MATRIX_OPTIONS, ...START_CURVE });
const MATRIX_SHOCKS: readonly Dec[] = axisShocks(MATRIX_OPTIONS);

const seriesOf = (points: readonly PlottedPoint[]): Series => ({ uniMMR: points.map((p) => p.uniMMR), status: points.map((p) => p.status) });

function calculateStartFigures(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, counter: PointCounter | undefined): StartFigures {
  const numbers = prepareAccountNumbers(portfolio, rules);
  const source: ShockPointSource<PlottedPoint> = {
    portfolio, rules, contracts: findContractUnderlyings(portfolio, rules),
    ...(findRiskKernelRefusal(portfolio, rules) === undefined ? { fromKernel: findKernelPlotPoint } : {}),
    exact: (m) => plotExact(numbers(m)),
    ...(counter === undefined ? {} : { counter }),
  };
  // The unshocked account on the exact engine first: a price or rule it lacks fails here, with the
  // error the all-exact evaluation gives (the kernel would not say which).
  source.exact(market);
  const leader = makeLeaderFamily(START_MATRIX.leader, MATRIX_OPTIONS.betas);
  const plotMatrix = (cols: ShockFamily): CompactRiskMatrix => {
    const rows = evaluateShockGrid(source, market, leader, cols, MATRIX_SHOCKS).map(seriesOf);
    return { rows: leader.name, cols: cols.name, uniMMR: rows.map((r) => r.uniMMR), status: rows.map((r) => r.status) };
  };
  return {
    curve: { family: 'all', ...START_CURVE, ...seriesOf(evaluateShockPoints(source, market, makeAllFamily(), CURVE_SHOCKS)) },
    matrices: {
      rangePct: START_MATRIX.rangePct, points: START_MATRIX.points,
      leaderOthers: plotMatrix(makeOthersFamily(START_MATRIX.leader)),
      leaderDepeg: plotMatrix(makeDepegFamily(START_MATRIX.stablecoin)),
    },
  };
}

function compactMatrix(m: RiskMatrix): CompactRiskMatrix {
  return { rows: m.rows.name, cols: m.cols.name, uniMMR: m.uniMMR.map((row) => row.map(roundForPlot)), status: m.status.map((row) => row.map(statusCode)) };
}

/** The reference: every point on the exact engine, as the figures were first computed. */
function calculateExactStartFigures(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): StartFigures {
  const matrices = calculateRiskMatrices(portfolio, market, rules, MATRIX_OPTIONS, 'exact');
  const family = makeAllFamily();
  const contracts = findContractUnderlyings(portfolio, rules);
  const curve: Series = { uniMMR: [], status: [] };
  for (const shock of CURVE_SHOCKS) {
    const s = calculateAccountSnapshot(portfolio, applyShock(market, family, contracts, shock), rules);
    curve.uniMMR.push(s.uniMMR === null ? null : roundForPlot(formatBinanceDecimal(s.uniMMR)));
    curve.status.push(statusCode(s.accountStatus));
  }
  return {
    curve: { family: 'all', ...START_CURVE, ...curve },
    matrices: { rangePct: START_MATRIX.rangePct, points: START_MATRIX.points, leaderOthers: compactMatrix(matrices.leaderOthers), leaderDepeg: compactMatrix(matrices.leaderDepeg) },
  };
}

/**
 * Bad input at the start market (a price the account needs is not there yet) or a failure of the
 * risk code is recorded as `error` on the line: the replay stands.
 */
function recordStartRisk(market: MarketSnapshot, figures: () => StartFigures): WorstStartRisk {
  const time = new Date(market.time ?? 0).toISOString();
  try {
    return { time, ...figures() };
  } catch (e) {
    const what = e instanceof InputError ? e.message : `internal error (a bug: please report it with this portfolio): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    return { time, error: what.replace(/\s*[\r\n]+\s*/g, ' ') };
  }
}

/** The start risk of one portfolio: the kernel's points where its bound fixes the plotted figures, the exact engine's otherwise. */
export function calculateWorstStartRisk(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, counter?: PointCounter): WorstStartRisk {
  return recordStartRisk(market, () => calculateStartFigures(portfolio, market, rules, counter));
}

/** The same figures with every point on the exact snapshot: the reference the tests compare with. */
export function calculateWorstStartRiskExact(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): WorstStartRisk {
  return recordStartRisk(market, () => calculateExactStartFigures(portfolio, market, rules));
}
