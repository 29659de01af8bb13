import { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { roundForPlot, statusCode, type CompactRiskMatrix, type WorstStartRisk } from '../records/dataset.js';
import { calculateRiskMatrices, type RiskMatrix } from '../risk/matrix.js';
import { applyShock, findContractUnderlyings, makeAllFamily } from '../risk/shock.js';

// A worst portfolio's risk at the job's start market, for the report (docs/risk.md "In the report
// and the API"): uniMMR against the `all` family's shock on `pmbt risk`'s grid, and the two risk
// matrices. Every point is the exact engine's; the side file keeps them rounded for plotting.

/** The curve: `pmbt risk`'s default grid, 81 points over ±50 % (a 1.25 % step). */
export const START_CURVE = { rangePct: 50, points: 81 } as const;
/** The matrices: 9 × 9 cells over ±20 % (a 5 % step), `pmbt risk --matrix 9`'s default range; leader BTC, betas 1, depeg USDT. */
export const START_MATRIX = { rangePct: 20, points: 9, leader: 'BTC', stablecoin: 'USDT' } as const;

function compactMatrix(m: RiskMatrix): CompactRiskMatrix {
  return { rows: m.rows.name, cols: m.cols.name, uniMMR: m.uniMMR.map((row) => row.map(roundForPlot)), status: m.status.map((row) => row.map(statusCode)) };
}

/** uniMMR and status at each shock of the `all` family, from −range to +range. */
function calculateStartCurve(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): { uniMMR: (number | null)[]; status: number[] } {
  const family = makeAllFamily();
  const contracts = findContractUnderlyings(portfolio, rules);
  const half = (START_CURVE.points - 1) / 2;
  const uniMMR: (number | null)[] = [];
  const status: number[] = [];
  for (let i = -half; i <= half; i++) {
    // An exact fraction: 50 · i / 40 % = i · 1.25 %.
    const shock = new Dec(START_CURVE.rangePct).times(i).div(half).div(100);
    const s = calculateAccountSnapshot(portfolio, applyShock(market, family, contracts, shock), rules);
    uniMMR.push(s.uniMMR === null ? null : roundForPlot(formatBinanceDecimal(s.uniMMR)));
    status.push(statusCode(s.accountStatus));
  }
  return { uniMMR, status };
}

/**
 * The start risk of one portfolio. Bad input at the start market (a price the account needs is not
 * there yet) or a failure of the risk code is recorded as `error` on the line: the replay stands.
 */
export function calculateWorstStartRisk(portfolio: Portfolio, market: MarketSnapshot, rules: Rules): WorstStartRisk {
  const time = new Date(market.time ?? 0).toISOString();
  try {
    const matrices = calculateRiskMatrices(portfolio, market, rules, { ...START_MATRIX, betas: new Map() });
    return {
      time,
      curve: { family: 'all', ...START_CURVE, ...calculateStartCurve(portfolio, market, rules) },
      matrices: { rangePct: START_MATRIX.rangePct, points: START_MATRIX.points, leaderOthers: compactMatrix(matrices.leaderOthers), leaderDepeg: compactMatrix(matrices.leaderDepeg) },
    };
  } catch (e) {
    const what = e instanceof InputError ? e.message : `internal error (a bug: please report it with this portfolio): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    return { time, error: what.replace(/\s*[\r\n]+\s*/g, ' ') };
  }
}
