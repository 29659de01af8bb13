import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { calculateRiskMatrices, type RiskMatrixOptions } from '../../src/risk/matrix.js';
import type { PointCounter } from '../../src/risk/shock-points.js';
import { findRulesAt } from '../../src/rules/build.js';
import { loadSampleBatch, pickSamplePortfolios } from '../helpers/sample-batch.js';

// `pmbt risk --matrix` (src/risk/matrix.ts) takes a cell from the fast kernel only where its proven
// bound fixes the printed uniMMR (8 decimals, cut) and the status, from the exact engine elsewhere:
// the matrices must be the all-exact ones (engine 'exact') cell for cell. Sample portfolios at the
// job's first step and in the crash, 7 × 7 grids over ±30 % with ETH's beta 1.3 (so the leader
// family is not `all`), depegging USDT and USDC; and a grid whose steps are not whole shock units
// (±10 % over 6 steps: 3.333… %), whose fractional columns the kernel cannot evaluate.

const PORTFOLIOS = 60;

describe('calculateRiskMatrices against the all-exact matrices', async () => {
  const { ctx, docs } = await loadSampleBatch();
  const steps = ctx.timeline.stepTimes.length;
  const portfolios = pickSamplePortfolios(ctx, docs, PORTFOLIOS);
  const counter: PointCounter = { kernel: 0, exact: 0 };
  const statuses = new Set<string>();
  const options = (stablecoin: string): RiskMatrixOptions => ({ leader: 'BTC', betas: new Map([['ETH', new Dec('1.3')]]), points: 7, rangePct: 30, stablecoin });

  it.each([0, Math.floor(steps / 2)])('gives the exact engine\'s cells for sample portfolios at step %i', (step) => {
    const market = ctx.book.marketAt(step);
    const rules = findRulesAt(ctx.rules, ctx.timeline.stepTimes[step]!);
    for (const [i, p] of portfolios.entries()) {
      const o = options(i % 2 === 0 ? 'USDT' : 'USDC');
      const fast = calculateRiskMatrices(p, market, rules, o, 'fast', counter);
      const exact = calculateRiskMatrices(p, market, rules, o, 'exact');
      expect(JSON.stringify(fast), p.id).toBe(JSON.stringify(exact));
      for (const s of [...exact.leaderOthers.status.flat(), ...exact.leaderDepeg.status.flat()]) statuses.add(s);
    }
  });

  it('took both paths, over every status', () => {
    expect(counter.kernel).toBeGreaterThan(0);
    expect(counter.exact).toBeGreaterThan(0);
    expect([...statuses].sort()).toEqual(['FORCE_LIQUIDATION', 'MARGIN_CALL', 'NORMAL', 'REDUCE_ONLY']);
  });

  it('a grid whose steps are not whole shock units goes to the exact engine, with the same cells', () => {
    const market = ctx.book.marketAt(0);
    const rules = findRulesAt(ctx.rules, ctx.timeline.stepTimes[0]!);
    const o: RiskMatrixOptions = { leader: 'BTC', betas: new Map(), points: 7, rangePct: 10, stablecoin: 'USDT' };
    const thirds: PointCounter = { kernel: 0, exact: 0 };
    for (const p of portfolios.slice(0, 10)) expect(JSON.stringify(calculateRiskMatrices(p, market, rules, o, 'fast', thirds))).toBe(JSON.stringify(calculateRiskMatrices(p, market, rules, o, 'exact')));
    // The ±3.33… % and ±6.66… % columns are not whole units: at least 4 cells in 7 are the exact engine's.
    expect(thirds.kernel).toBeGreaterThan(0);
    expect(thirds.exact).toBeGreaterThanOrEqual((4 / 7) * (thirds.kernel + thirds.exact));
  });
});
