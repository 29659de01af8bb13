import type { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { prepareAccountNumbers } from '../engine/exact/account-numbers.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { roundForPlot, statusCode, type CompactRiskMatrix, type WorstStartRisk, type WorstStartRiskFigures } from '../records/dataset.js';
import { createRiskKernel, findRiskKernelRefusal } from '../risk/kernel.js';
import { axisShocks, calculateRiskMatrices, makeOthersFamily, type RiskMatrix, type RiskMatrixOptions } from '../risk/matrix.js';
import { findKernelPlotPoint, plotExact } from '../risk/plotted.js';
import { applyShock, findContractUnderlyings, makeAllFamily, makeDepegFamily, makeLeaderFamily, UNITS_PER_ONE, type ContractUnderlying, type ShockFamily } from '../risk/shock.js';

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

/** How many plotted points came from the kernel and how many from the exact engine (tests and bench/worst-risk.mjs read it). */
export interface StartRiskCounter { kernel: number; exact: number }

/** The curve's shocks, −range … +range: exact fractions, 50 · i / 40 % = i · 1.25 %. */
const curveShocks = (): Dec[] => axisShocks({ ...MATRIX_OPTIONS, ...START_CURVE });

/** Plotted points of one portfolio at shocks of a family over a base market: the kernel's where it decides them, exact otherwise. */
function createSeriesEvaluator(portfolio: Portfolio, rules: Rules, contracts: ReadonlyMap<string, ContractUnderlying>, counter: StartRiskCounter | undefined) {
  const numbers = prepareAccountNumbers(portfolio, rules);
  const kernelUsable = findRiskKernelRefusal(portfolio, rules) === undefined;
  return {
    exactAt: (market: MarketSnapshot) => plotExact(numbers(market)),
    series(base: MarketSnapshot, family: ShockFamily, shocks: readonly Dec[]): Series {
      // A kernel holds its base prices: one per base market (a matrix row), loaded into the shared batch.
      const kernel = kernelUsable ? createRiskKernel(portfolio, base, rules, contracts) : undefined;
      kernel?.selectFamily(family);
      const out: Series = { uniMMR: [], status: [] };
      for (const shock of shocks) {
        // The kernel evaluates whole units of 1e-10; the grids' steps are whole units.
        const units = shock.times(UNITS_PER_ONE).toNumber();
        const fast = kernel !== undefined && Number.isInteger(units) ? findKernelPlotPoint(kernel, units) : undefined;
        const p = fast ?? plotExact(numbers(applyShock(base, family, contracts, shock)));
        if (counter !== undefined) counter[fast === undefined ? 'exact' : 'kernel']++;
        out.uniMMR.push(p.uniMMR);
        out.status.push(p.status);
      }
      return out;
    },
  };
}

type SeriesEvaluator = ReturnType<typeof createSeriesEvaluator>;

/** A matrix's rows (the row family's shocks) × its columns (the column family's over the row's market). */
function plotMatrix(e: SeriesEvaluator, market: MarketSnapshot, contracts: ReadonlyMap<string, ContractUnderlying>, rowFamily: ShockFamily, colFamily: ShockFamily, shocks: readonly Dec[]): CompactRiskMatrix {
  const uniMMR: (number | null)[][] = [];
  const status: number[][] = [];
  for (const r of shocks) {
    const row = e.series(applyShock(market, rowFamily, contracts, r), colFamily, shocks);
    uniMMR.push(row.uniMMR);
    status.push(row.status);
  }
  return { rows: rowFamily.name, cols: colFamily.name, uniMMR, status };
}

function calculateStartFigures(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, counter: StartRiskCounter | undefined): StartFigures {
  const contracts = findContractUnderlyings(portfolio, rules);
  const e = createSeriesEvaluator(portfolio, rules, contracts, counter);
  // The unshocked account on the exact engine first: a price or rule it lacks fails here, with the
  // error the all-exact evaluation gives (the kernel would not say which).
  e.exactAt(market);
  const shocks = axisShocks(MATRIX_OPTIONS);
  const leader = makeLeaderFamily(START_MATRIX.leader, MATRIX_OPTIONS.betas);
  return {
    curve: { family: 'all', ...START_CURVE, ...e.series(market, makeAllFamily(), curveShocks()) },
    matrices: {
      rangePct: START_MATRIX.rangePct, points: START_MATRIX.points,
      leaderOthers: plotMatrix(e, market, contracts, leader, makeOthersFamily(START_MATRIX.leader), shocks),
      leaderDepeg: plotMatrix(e, market, contracts, leader, makeDepegFamily(START_MATRIX.stablecoin), shocks),
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
  for (const shock of curveShocks()) {
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
export function calculateWorstStartRisk(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, counter?: StartRiskCounter): WorstStartRisk {
  return recordStartRisk(market, () => calculateStartFigures(portfolio, market, rules, counter));
}

/** The same figures with every point on the exact snapshot: the reference the tests compare with. */
export function calculateWorstStartRiskExact(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): WorstStartRisk {
  return recordStartRisk(market, () => calculateExactStartFigures(portfolio, market, rules));
}
