import { Dec } from '../domain/decimal.js';
import { formatBinanceDecimal as f } from '../records/binance-format.js';
import type { BetaEstimation } from './betas.js';
import type { RiskCrossing, RiskDirection, RiskEvaluation, RiskReport } from './distances.js';
import { RISK_TARGETS } from './distances.js';

// The `pmbt risk` document (docs/risk.md "The document"). Amounts are Binance's 8-decimal strings
// cut toward zero, as `pmbt snapshot` prints them. A shock is printed exactly: it is a whole
// number of 1e-10 (1e-8 %), so `shockPct` has 8 decimals and re-evaluating it gives the same prices.

/** Units of 1e-10 → percent with 8 decimals, exact ("-83.61234567"). */
export const formatShockPct = (units: number): string => new Dec(units).times('1e-8').toFixed(8);

const renderEvaluation = (e: RiskEvaluation) => ({
  uniMMR: e.uniMMR === null ? null : f(e.uniMMR),
  adjustedEquity: f(e.adjustedEquity),
  accountMaintMargin: f(e.accountMaintMargin),
  accountStatus: e.accountStatus,
});

const renderPrices = (prices: ReadonlyMap<string, Dec>) => Object.fromEntries([...prices].map(([k, v]) => [k, f(v)]));

function renderCrossing(c: RiskCrossing): Record<string, unknown> {
  return {
    shockPct: formatShockPct(c.units),
    crosses: c.fromAbove ? 'down through' : 'up through',
    ...renderEvaluation(c.at),
    indexPrices: renderPrices(c.indexPrices),
    markPrices: renderPrices(c.markPrices),
  };
}

function renderDirection(d: RiskDirection): Record<string, unknown> {
  const limit = formatShockPct(d.limitUnits);
  const out: Record<string, unknown> = { limitPct: limit };
  for (const t of RISK_TARGETS) {
    const c = d.targets[t];
    out[t] = c === undefined ? { none: `within ${d.limitUnits > 0 ? '+' : ''}${Number(limit)} %` } : renderCrossing(c);
  }
  return out;
}

function renderBetaNote(r: RiskReport): string {
  const e = r.options.betaEstimation;
  if (e === undefined) return 'betas as given (--beta); an asset not given moves with beta 1 (no --betas-from)';
  const estimated = [...e.estimates.keys()].filter((a) => r.options.betas.get(a) === e.estimates.get(a)!.beta);
  return `betas of ${estimated.join(', ') || 'no asset'} estimated from ${e.source}: the OLS slope of each one's ${e.interval} log returns of its index price on ${e.leader}'s, over the ${e.window} window to ${new Date(e.end).toISOString()}; `
    + 'betas given with --beta replace estimated ones; an asset neither given nor estimated moves with beta 1';
}

function renderBetaEstimation(e: BetaEstimation): Record<string, unknown> {
  return {
    prices: e.source,
    leader: e.leader,
    window: e.window,
    interval: e.interval,
    from: new Date(e.end - e.windowMs).toISOString(),
    to: new Date(e.end).toISOString(),
    estimates: Object.fromEntries([...e.estimates].map(([a, x]) => [a, { beta: x.beta.toFixed(8), returns: x.returns, r2: Number(x.r2.toFixed(4)) }])),
    tooShort: e.tooShort,
  };
}

export function renderRiskJson(r: RiskReport): Record<string, unknown> {
  const o = r.options;
  return {
    portfolioId: r.portfolioId,
    mode: r.mode,
    ...(r.time === undefined ? {} : { time: r.time }),
    now: renderEvaluation(r.now),
    thresholds: { marginCall: r.thresholds.marginCall.toString(), reduceOnly: r.thresholds.reduceOnly.toString(), liquidation: r.thresholds.liquidation.toString(), zeroEquity: '0' },
    search: {
      rangePct: o.rangePct,
      grid: o.gridPoints,
      gridStepPct: (2 * o.rangePct) / (o.gridPoints - 1),
      resolutionPct: formatShockPct(1),
      engine: r.engine,
      ...(r.kernelRefusal === undefined ? {} : { kernelRefusal: r.kernelRefusal }),
      evaluations: r.evaluations,
      kernelEvaluations: r.kernelEvaluations,
      unconfirmed: r.unconfirmed,
    },
    leader: o.leader,
    betas: Object.fromEntries([...o.betas].map(([k, v]) => [k, v.toString()])),
    betaNote: renderBetaNote(r),
    ...(o.betaEstimation === undefined ? {} : { betasFrom: renderBetaEstimation(o.betaEstimation) }),
    families: r.families.map((fr) => ({
      family: fr.family.name,
      down: renderDirection(fr.down),
      up: renderDirection(fr.up),
    })),
  };
}
