// The top-up's held replays start at the ordinary replay's checkpoints (docs/risk.md "Cost in a
// job"): the answers are those of held replays from the window's start, on sample portfolios of
// every kind the shortcuts treat differently.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSampleBatch } from '../helpers/sample-batch.js';
import type { BatchContext } from '../../src/batch/context.js';
import { Dec } from '../../src/domain/decimal.js';
import type { Portfolio } from '../../src/domain/types.js';
import { createFastBatch, findPortfolioCapacity } from '../../src/engine/fast/batch.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { CheckpointKeeper } from '../../src/replay/checkpoint.js';
import { replayPortfolio, type ReplayStart } from '../../src/replay/replay-portfolio.js';
import { addTopUp, createTopUpKeeper, DEFAULT_TOP_UP, findTopUp, renderTopUp, type TopUpPath } from '../../src/risk/topup.js';

let ctx: BatchContext;
let docs: Map<string, Record<string, unknown>>;
beforeAll(async () => {
  ({ ctx, docs } = await loadSampleBatch());
});

const portfolioOf = (id: string) => parsePortfolio(docs.get(id)!, ctx.rules.base);
const path = (): TopUpPath => ({ book: ctx.book, rules: ctx.rules, options: ctx.options, fast: { tables: ctx.flatTables, seriesId: ctx.seriesId } });

/** As pmbt run replays it (the kernel), held or not, from the start or a checkpoint. */
function replay(p: Portfolio, hold: boolean, at: ReplayStart = {}) {
  const capacity = findPortfolioCapacity(p);
  return replayPortfolio(p, ctx.book, ctx.rules, { ...ctx.options, hold }, { batch: createFastBatch(ctx.flatTables, [capacity]), index: 0, capacity, seriesId: ctx.seriesId }, at);
}

// sample-00180: no actions (affine); sample-00043: a position-adding trade before the crash, left
// NORMAL (the same with more); sample-00371: a reducing trade after the crash (reads no status);
// sample-00003: a transfer in after its first liquidation; sample-00231: in margin call at the start.
describe.each(['sample-00180', 'sample-00043', 'sample-00371', 'sample-00003', 'sample-00231'])('%s', (id) => {
  it('has the same top-up with the checkpoints as without, in fewer held replays', () => {
    const p = portfolioOf(id);
    const keep = createTopUpKeeper(DEFAULT_TOP_UP);
    const ordinary = replay(p, false, { keep });
    expect(ordinary.liquidations).toBeGreaterThan(0);
    const fromCheckpoints = findTopUp(p, path(), DEFAULT_TOP_UP, ordinary, keep.kept);
    const fromStart = findTopUp(p, path(), DEFAULT_TOP_UP, replay(p, false));
    expect(renderTopUp(fromCheckpoints)).toEqual(renderTopUp(fromStart));
    expect(fromCheckpoints.amount!.gt(0)).toBe(true);
    expect(fromCheckpoints.replays).toBeLessThanOrEqual(fromStart.replays);
  });
});

it('a held replay started at the first margin call, the top-up applied there, is the one from the start from that step on', () => {
  const p = portfolioOf('sample-00180');
  const keep = new CheckpointKeeper(['MARGIN_CALL']);
  const ordinary = replay(p, false, { keep });
  const cp = keep.kept.get('MARGIN_CALL')!;
  const time = ctx.timeline.stepTimes[cp.k]!;
  // The first step in MARGIN_CALL or worse (this one goes straight past it).
  const { NORMAL: _normal, ...worse } = ordinary.firstTimeIn;
  expect(time).toBe(Math.min(...Object.values(worse)));
  expect(new Date(time).toISOString()).toBe('2024-03-10T15:23:00.000Z');
  // 90 % of its top-up at the margin call (17,768.63152162, topup-sample.test.ts): still liquidated, later.
  const amount = new Dec('15991.76836945');
  const withIt = addTopUp(p, 'USDT', amount, time);
  const full = replay(withIt, true);
  const account = { ...cp.account, balances: cp.account.balances.map((b) => (b.asset === 'USDT' ? { ...b, umWalletBalance: b.umWalletBalance.plus(amount) } : b)) };
  const resumed = replay(withIt, true, { from: { ...cp, account, nextAction: cp.nextAction + 1 } });
  expect(resumed.firstTimeIn.FORCE_LIQUIDATION).toBeDefined();
  expect(resumed.firstTimeIn.FORCE_LIQUIDATION).toBe(full.firstTimeIn.FORCE_LIQUIDATION);
  expect(resumed.minUniMMRTime).toBe(full.minUniMMRTime);
  expect(resumed.worstSnapshot!.uniMMR!.toString()).toBe(full.worstSnapshot!.uniMMR!.toString());
  expect(resumed.final!.accountEquity.toString()).toBe(full.final!.accountEquity.toString());
  // It evaluated the steps from the margin call on, not before.
  expect(resumed.steps).toBe(ctx.timeline.stepTimes.length - cp.k);
});

it('keeps the checkpoints of status changes the kernel decides as those the exact engine decides', () => {
  // sample-00003: first in margin call on 03-04 05:28, reduce-only 16:51, liquidated 03-05 03:04.
  const p = portfolioOf('sample-00003');
  const statuses = ['MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION'] as const;
  const keepFast = new CheckpointKeeper(statuses);
  const keepExact = new CheckpointKeeper(statuses);
  const fast = replay(p, false, { keep: keepFast });
  replayPortfolio(p, ctx.book, ctx.rules, ctx.options, undefined, { keep: keepExact });
  // Most of its status changes were the kernel's (fewer exact steps than changes).
  const changes = fast.events.filter((e) => e.type === 'riskLevelChange').length;
  expect(fast.steps - fast.kernelSteps).toBeLessThan(changes);
  for (const s of statuses) {
    expect(keepFast.kept.get(s)).toBeDefined();
    expect(keepFast.kept.get(s)).toEqual(keepExact.kept.get(s));
  }
});
