import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import type { StartDistance } from '../records/portfolio-summary.js';
import { DEFAULT_RISK_OPTIONS, findRiskShocks, RISK_TARGETS, type RiskTarget } from './distances.js';
import { formatShockPct } from './render.js';

// A job's distance at the start (docs/risk.md "In a job"): `pmbt risk`'s search, family `all`, at
// the job's first step's market, the shock percentages alone for the portfolio's summary
// line (the shared StartDistance shape of src/records/portfolio-summary.ts).

export interface StartDistanceOptions {
  rangePct: number;
  gridPoints: number;
}

export const DEFAULT_START_DISTANCE: StartDistanceOptions = { rangePct: 50, gridPoints: 81 };

const shocksOf = (d: Record<RiskTarget, number | undefined>): StartDistance['down'] => {
  const out: StartDistance['down'] = {};
  for (const t of RISK_TARGETS) {
    const units = d[t];
    if (units !== undefined) out[t] = formatShockPct(units);
  }
  return out;
};

/**
 * The portfolio's distance to each threshold at `market`, family all: the fast scan, the exact
 * engine where the kernel's proven bound does not decide; the shocks only, no numbers at them.
 */
export function calculateStartDistance(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, o: StartDistanceOptions): StartDistance {
  const r = findRiskShocks(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, families: ['all'], rangePct: o.rangePct, gridPoints: o.gridPoints });
  const all = r.families[0]!;
  return { family: all.family.name, rangePct: o.rangePct, down: shocksOf(all.down), up: shocksOf(all.up) };
}
