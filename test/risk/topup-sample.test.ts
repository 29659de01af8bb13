// The top-up of sample portfolios, replayed with it added as a scheduled transfer in their own
// document (the check): never below the threshold with it, below it with 99 % of it.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSampleBatch } from '../helpers/sample-batch.js';
import type { BatchContext } from '../../src/batch/context.js';
import { Dec } from '../../src/domain/decimal.js';
import { createFastBatch, findPortfolioCapacity } from '../../src/engine/fast/batch.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { replayPortfolio } from '../../src/replay/replay-portfolio.js';
import { DEFAULT_TOP_UP, findTopUp, type TopUp } from '../../src/risk/topup.js';

let ctx: BatchContext;
let docs: Map<string, Record<string, unknown>>;
beforeAll(async () => {
  ({ ctx, docs } = await loadSampleBatch());
});

/** The document's portfolio, replayed as pmbt run replays it (liquidation on, the kernel), with `usdt` transferred into its UM wallet at `time` first. */
function replayWith(id: string, usdt: Dec | undefined, time: number) {
  const doc = docs.get(id)!;
  const actions = (doc.actions as { time: string }[] | undefined) ?? [];
  const transfer = usdt === undefined ? [] : [{ time: new Date(time).toISOString(), type: 'transfer', asset: 'USDT', amount: usdt.toString(), from: 'external', to: 'um' }];
  // After the actions due by then (same-time actions apply in the order written).
  const before = actions.filter((a) => Date.parse(a.time) <= time);
  const portfolio = parsePortfolio({ ...doc, actions: [...before, ...transfer, ...actions.slice(before.length)] }, ctx.rules.base);
  const capacity = findPortfolioCapacity(portfolio);
  return replayPortfolio(portfolio, ctx.book, ctx.rules, ctx.options, { batch: createFastBatch(ctx.flatTables, [capacity]), index: 0, capacity, seriesId: ctx.seriesId });
}

function topUpOf(id: string): TopUp {
  const portfolio = parsePortfolio(docs.get(id)!, ctx.rules.base);
  return findTopUp(portfolio, { book: ctx.book, rules: ctx.rules, options: ctx.options, fast: { tables: ctx.flatTables, seriesId: ctx.seriesId } }, DEFAULT_TOP_UP, replayWith(id, undefined, 0));
}

const ninetyNinePercent = (x: Dec) => x.times('0.99').toDecimalPlaces(8, Dec.ROUND_DOWN);

// sample-00180: SOLUSDT long on USDT, no actions (the closed form decides, one held replay);
// sample-00043: BTCUSDC long on USDC with a position-increasing trade on 2024-03-06 (its acceptance
// reads the status: the search confirms with replays), topped up in USDT.
it('sample-00180 as docs/cli.md prints it', () => {
  const t = topUpOf('sample-00180');
  expect(t.amount!.toString()).toBe('17768.63152162');
  expect(new Date(t.decidingTime!).toISOString()).toBe('2024-03-10T18:51:00.000Z');
  expect(new Date(t.atFirstMarginCall!.time).toISOString()).toBe('2024-03-10T15:23:00.000Z');
  expect(t.atFirstMarginCall!.amount!.toString()).toBe('17768.63152162');
});

describe.each(['sample-00180', 'sample-00043'])('the top-up of %s', (id) => {
  it('keeps it above liquidation at every step when added at the start, and 99 % of it does not', () => {
    const t = topUpOf(id);
    expect(t.amount).not.toBeNull();
    expect(t.amount!.gt(0)).toBe(true);
    const from = ctx.timeline.from;
    const without = replayWith(id, undefined, from);
    expect(without.liquidations).toBeGreaterThan(0);
    const withIt = replayWith(id, t.amount!, from);
    // Never FORCE_LIQUIDATION, so nothing was liquidated: the ordinary replay held it as it was.
    expect(withIt.firstTimeIn.FORCE_LIQUIDATION).toBeUndefined();
    expect(withIt.liquidations).toBe(0);
    expect(withIt.minUniMMR!.gt(ctx.rules.base.thresholds.liquidation)).toBe(true);
    const short = replayWith(id, ninetyNinePercent(t.amount!), from);
    expect(short.firstTimeIn.FORCE_LIQUIDATION).toBeDefined();
    // With 1e-8 less, the deciding step is at or below the threshold.
    expect(replayWith(id, t.amount!.minus('1e-8'), from).firstTimeIn.FORCE_LIQUIDATION).toBe(t.decidingTime);
  });

  it('the same for the top-up at the first margin call', () => {
    const t = topUpOf(id);
    const m = t.atFirstMarginCall!;
    expect(m.amount).not.toBeNull();
    expect(replayWith(id, m.amount!, m.time).firstTimeIn.FORCE_LIQUIDATION).toBeUndefined();
    expect(replayWith(id, ninetyNinePercent(m.amount!), m.time).firstTimeIn.FORCE_LIQUIDATION).toBeDefined();
  });
});
