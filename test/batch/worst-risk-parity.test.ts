import { describe, expect, it } from 'vitest';
import { calculateWorstStartRisk, calculateWorstStartRiskExact } from '../../src/batch/worst-risk.js';
import type { PointCounter } from '../../src/risk/shock-points.js';
import type { WorstStartRiskFigures } from '../../src/records/dataset.js';
import { findRulesAt } from '../../src/rules/build.js';
import { loadSampleBatch, pickSamplePortfolios } from '../helpers/sample-batch.js';

// The start risk's side-file figures (src/batch/worst-risk.ts) take the fast kernel's numbers where
// its proven bound fixes the plotted uniMMR and the status, the exact engine's elsewhere: they must
// be the all-exact reference's, byte for byte. Sample portfolios at the job's first step and at two
// later steps of the crash, where many points sit at or near the status lines (margin call …
// liquidation) — the points the kernel must hand to the exact engine.

const PORTFOLIOS = 120;

describe('calculateWorstStartRisk against the all-exact reference', async () => {
  const { ctx, docs } = await loadSampleBatch();
  const steps = ctx.timeline.stepTimes.length;
  const portfolios = pickSamplePortfolios(ctx, docs, PORTFOLIOS);

  const counter: PointCounter = { kernel: 0, exact: 0 };
  const statuses = new Set<number>();

  it.each([0, Math.floor(steps / 2), steps - 1])('gives the reference\'s JSON for sample portfolios at step %i', (step) => {
    const market = ctx.book.marketAt(step);
    const rules = findRulesAt(ctx.rules, ctx.timeline.stepTimes[step]!);
    for (const p of portfolios) {
      const fast = calculateWorstStartRisk(p, market, rules, counter);
      const exact = calculateWorstStartRiskExact(p, market, rules);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(exact));
      const f = exact as WorstStartRiskFigures;
      for (const s of [...f.curve.status, ...f.matrices.leaderOthers.status.flat(), ...f.matrices.leaderDepeg.status.flat()]) statuses.add(s);
    }
    expect(portfolios.length).toBeGreaterThanOrEqual(PORTFOLIOS);
  });

  it('took both paths on those grids, and they cross every status line', () => {
    // Both paths ran: most points from the kernel, the undecided ones from the exact engine.
    expect(counter.kernel).toBeGreaterThan(counter.exact);
    expect(counter.exact).toBeGreaterThan(0);
    // The grids cross the status lines: every status from normal to liquidation is plotted.
    expect([...statuses].sort()).toEqual([0, 1, 2, 3]);
  });
});
