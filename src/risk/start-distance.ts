import { Dec } from '../domain/decimal.js';
import type { MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import type { StartDistance } from '../records/portfolio-summary.js';
import { DEFAULT_RISK_OPTIONS, findRiskShocks, RISK_TARGETS, type RiskOptions, type RiskTarget } from './distances.js';
import { formatShockPct } from './render.js';
import type { ShockFamilyKind } from './shock.js';

// A job's distance at the start (docs/risk.md "In a job"): `pmbt risk`'s search at the job's first
// step's market, the shock percentages alone for the portfolio's summary line (the shared
// StartDistance shape of src/records/portfolio-summary.ts). Family `all` always, first: it is the
// line's `startDistance`, which the report and `compare` read; the other families asked for follow
// it (`otherStartDistances`).

export interface StartDistanceOptions {
  rangePct: number;
  gridPoints: number;
  /** Families besides `all` (leader, single, depeg), in the order asked; absent: `all` alone. */
  otherFamilies?: readonly Exclude<ShockFamilyKind, 'all'>[];
  /** The leader family's asset (default BTC). */
  leader?: string;
  /** β per asset for the leader family, as decimal text (an asset not listed moves with β = 1). */
  betas?: Readonly<Record<string, string>>;
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

// The search's options for a job's distance options, made once per options object (a job's).
const searchOptions = new WeakMap<StartDistanceOptions, RiskOptions>();

function findSearchOptions(o: StartDistanceOptions): RiskOptions {
  let options = searchOptions.get(o);
  if (options === undefined) {
    options = {
      ...DEFAULT_RISK_OPTIONS, families: ['all', ...(o.otherFamilies ?? [])], leader: o.leader ?? DEFAULT_RISK_OPTIONS.leader,
      betas: new Map(Object.entries(o.betas ?? {}).map(([asset, beta]) => [asset, new Dec(beta)])), rangePct: o.rangePct, gridPoints: o.gridPoints,
    };
    searchOptions.set(o, options);
  }
  return options;
}

/**
 * The portfolio's distance to each threshold at `market`, family `all` first, then each other
 * family asked for (single and depeg: one per asset the account holds): the fast scan, the exact
 * engine where the kernel's proven bound does not decide; the shocks only, no numbers at them.
 */
export function calculateStartDistances(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, o: StartDistanceOptions): StartDistance[] {
  const r = findRiskShocks(portfolio, market, rules, findSearchOptions(o));
  return r.families.map((f) => ({ family: f.family.name, rangePct: o.rangePct, down: shocksOf(f.down), up: shocksOf(f.up) }));
}
