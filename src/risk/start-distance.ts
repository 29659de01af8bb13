import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import type { StartDistance } from '../records/portfolio-summary.js';
import { calculateRiskDistances, DEFAULT_RISK_OPTIONS, RISK_TARGETS, type RiskDirection } from './distances.js';
import { formatShockPct } from './render.js';

// A job's distance at the start (docs/risk.md "In a job"): `pmbt risk`'s search, family `all`, at
// the job's first step's market, kept as the shock percentages alone for the portfolio's summary
// line (the shared StartDistance shape of src/records/portfolio-summary.ts).

export interface StartDistanceOptions {
  rangePct: number;
  gridPoints: number;
}

export const DEFAULT_START_DISTANCE: StartDistanceOptions = { rangePct: 50, gridPoints: 81 };

const shocksOf = (d: RiskDirection): StartDistance['down'] => {
  const out: StartDistance['down'] = {};
  for (const t of RISK_TARGETS) {
    const c = d.targets[t];
    if (c !== undefined) out[t] = formatShockPct(c.units);
  }
  return out;
};

/** The portfolio's distance to each threshold at `market`, family all, fast scan with exact confirmation. */
export function calculateStartDistance(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, o: StartDistanceOptions): StartDistance {
  const r = calculateRiskDistances(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, families: ['all'], rangePct: o.rangePct, gridPoints: o.gridPoints });
  const all = r.families[0]!;
  return { family: all.family.name, rangePct: o.rangePct, down: shocksOf(all.down), up: shocksOf(all.up) };
}
