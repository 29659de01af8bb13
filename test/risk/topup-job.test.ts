// risk.topUp in the job spec, and the topUp field of the summary lines a batch writes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBatchContext } from '../../src/batch/context.js';
import { parseJobSpec, renderJobSpec } from '../../src/batch/job.js';
import { replayBatch, type BatchItem } from '../../src/batch/run-batch.js';
import { Dec } from '../../src/domain/decimal.js';
import { InputError } from '../../src/domain/errors.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { checkPortfolioSummary } from '../../src/records/portfolio-summary.js';
import { addTopUp } from '../../src/risk/topup.js';
import { replayPortfolio } from '../../src/replay/replay-portfolio.js';
import { readJsonDocuments, writeSmallJob } from '../helpers/job-files.js';

const BASE = { jobId: 'j', prices: 'p.arrow', portfolios: 'p.jsonl' };

describe('risk.topUp in the job spec', () => {
  it('is on unless false; true takes the defaults; an object sets the asset and threshold', () => {
    expect(parseJobSpec(BASE).risk.topUp).toEqual({ asset: 'USDT', threshold: 'liquidation' });
    // The start distance (risk.distance) is on by default too (docs/risk.md "In a job"). So is the worst portfolios' start risk (risk.startRisk).
    expect(parseJobSpec({ ...BASE, risk: { topUp: false } }).risk).toEqual({ distance: { rangePct: 50, gridPoints: 81 }, startRisk: true });
    expect(parseJobSpec({ ...BASE, risk: { topUp: true } }).risk.topUp).toEqual({ asset: 'USDT', threshold: 'liquidation' });
    expect(parseJobSpec({ ...BASE, risk: { topUp: { threshold: 'marginCall' } } }).risk.topUp).toEqual({ asset: 'USDT', threshold: 'marginCall' });
    const numeric = parseJobSpec({ ...BASE, risk: { topUp: { asset: 'USDC', threshold: 1.1 } } }).risk.topUp!;
    expect(numeric.asset).toBe('USDC');
    expect((numeric.threshold as Dec).eq('1.1')).toBe(true);
    expect(renderJobSpec(parseJobSpec({ ...BASE, risk: { topUp: { asset: 'USDC', threshold: '1.1' } } })).risk).toEqual({ topUp: { asset: 'USDC', threshold: '1.1' }, distance: { rangePct: 50, gridPoints: 81 }, startRisk: true });
    expect(renderJobSpec(parseJobSpec({ ...BASE, risk: { topUp: false } })).risk).toEqual({ topUp: false, distance: { rangePct: 50, gridPoints: 81 }, startRisk: true });
    expect(renderJobSpec(parseJobSpec(BASE)).risk).toEqual({ topUp: { asset: 'USDT', threshold: 'liquidation' }, distance: { rangePct: 50, gridPoints: 81 }, startRisk: true });
  });

  it('rejects a bad threshold, an unknown key and a non-object, naming the field', () => {
    const message = (raw: unknown) => {
      try {
        parseJobSpec(raw, 'job.json');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(message({ ...BASE, risk: { topUp: { threshold: 'bankrupt' } } })).toMatch(/^job\.json: risk\.topUp\.threshold: expected liquidation, reduceOnly, marginCall or a uniMMR above 0/);
    expect(message({ ...BASE, risk: { topUp: { threshold: 0 } } })).toMatch(/risk\.topUp\.threshold/);
    expect(message({ ...BASE, risk: { topUp: { assets: 'USDT' } } })).toMatch(/risk\.topUp/);
    expect(message({ ...BASE, risk: { topUps: true } })).toMatch(/risk/);
    expect(message({ ...BASE, risk: { topUp: 'yes' } })).toMatch(/risk\.topUp: expected an object/);
  });
});

describe('a batch with risk.topUp', () => {
  it('adds topUp to every replayed portfolio\'s line, each amount surviving the path when added', async () => {
    const { job } = writeSmallJob();
    const spec = parseJobSpec({ ...job, risk: { topUp: true } });
    const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
    const docs = readJsonDocuments(spec.portfolios);
    const items: BatchItem[] = docs.map((doc, index) => ({ index, doc }));
    const result = replayBatch(ctx, 0, items);
    const ok = result.portfolios.filter((p) => p.ok);
    expect(ok.length).toBeGreaterThan(10);
    let needed = 0;
    for (const line of ok) {
      checkPortfolioSummary(JSON.parse(JSON.stringify(line)), 'portfolios', 'line');
      const t = line.topUp!;
      expect(t.asset).toBe('USDT');
      expect(t.threshold).toBe('1.05');
      // Liquidated lines need a top-up; the others need none.
      expect(t.amount === '0').toBe(line.liquidations === 0);
      if (t.amount === '0' || t.amount === null) continue;
      needed++;
      expect(t.decidingTime).not.toBeNull();
      const portfolio = parsePortfolio(items[line.index]!.doc!, ctx.rules.base);
      const held = (amount: string) => replayPortfolio(addTopUp(portfolio, 'USDT', new Dec(amount), ctx.timeline.from, true), ctx.book, ctx.rules, { ...ctx.options, hold: true });
      expect(held(t.amount).firstTimeIn.FORCE_LIQUIDATION).toBeUndefined();
      expect(held(new Dec(t.amount).minus('1e-8').toString()).firstTimeIn.FORCE_LIQUIDATION).toBe(Date.parse(t.decidingTime!));
    }
    expect(needed).toBeGreaterThan(0);
    // With risk.topUp false, no line carries the field.
    const plain = replayBatch(buildBatchContext(parseJobSpec({ ...job, risk: { topUp: false } }), readFileSync(spec.prices), await readDefaultRuleDocuments()), 0, items);
    expect(plain.portfolios.some((p) => p.ok && 'topUp' in p)).toBe(false);
  });

  it('a summary line\'s topUp is checked when read back', () => {
    const line = { portfolioId: 'x', index: 0, ok: true, engine: 'fast', steps: 1, kernelSteps: 0, gapSteps: 0, initialUniMMR: null, initialStatus: null, minUniMMR: null, minUniMMRTime: null, worst: null, firstTimeIn: {}, worstStatus: null, liquidations: 0, liquidationFeesUSD: '0.00000000', bankrupt: false, bankruptcyLossUSD: '0.00000000', finalTime: null, finalStatus: null, finalUniMMR: null, finalAccountEquity: null, finalActualEquity: null, eventCounts: {}, warnings: [] };
    const topUp = { asset: 'USDT', threshold: '1.05', amount: '12.50000000', decidingTime: '2024-03-12T03:00:00.000Z', atFirstMarginCall: { time: '2024-03-12T02:00:00.000Z', amount: '12.50000000' } };
    expect(() => checkPortfolioSummary({ ...line, topUp }, 'f', 'line 1')).not.toThrow();
    expect(() => checkPortfolioSummary({ ...line, topUp: { ...topUp, amount: 12.5 } }, 'f', 'line 1')).toThrow(/^f: line 1\.topUp\.amount: expected an 8-decimal amount or null/);
    expect(() => checkPortfolioSummary({ ...line, topUp: { ...topUp, atFirstMarginCall: { amount: '1' } } }, 'f', 'line 1')).toThrow(/line 1\.topUp\.atFirstMarginCall\.time/);
  });
});
