// pmbt topup: one JSON line per portfolio, the top-up as a summary line carries it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBatchContext } from '../../src/batch/context.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { Dec } from '../../src/domain/decimal.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { findTopUp, renderTopUp } from '../../src/risk/topup.js';
import { readJsonDocuments, writeSmallJob } from '../helpers/job-files.js';
import { runPmbt } from '../helpers/pmbt.js';

describe('pmbt topup', () => {
  const { jobFile, job } = writeSmallJob();

  it('prints each chosen portfolio\'s top-up, the same as the search in-process', async () => {
    const run = await runPmbt(['topup', jobFile, '--portfolio', 'p7', '--portfolio', 'p0', '--threshold', 'reduceOnly']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.portfolioId)).toEqual(['p0', 'p7']);
    const spec = parseJobSpec(job);
    const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
    const docs = new Map(readJsonDocuments(spec.portfolios).map((d) => [d.id, d] as const));
    for (const line of lines) {
      const portfolio = parsePortfolio(docs.get(line.portfolioId)!, ctx.rules.base);
      // The exact engine alone, from the window's start (no checkpoints, no ordinary replay): the same answer.
      const expected = renderTopUp(findTopUp(portfolio, { book: ctx.book, rules: ctx.rules, options: ctx.options }, { asset: 'USDT', threshold: 'reduceOnly' }));
      expect(line.topUp).toEqual(expected);
      expect(expected.threshold).toBe('1.2');
    }
    // p7: 6.25x long BTCUSDT through a 30 % fall needs a top-up; p0 (1x) needs none.
    expect((lines[0]!.topUp as { amount: string }).amount).toBe('0');
    expect(new Dec((lines[1]!.topUp as { amount: string }).amount).gt(0)).toBe(true);
  });

  it('rejects a bad threshold (exit 2) and a portfolio id the file lacks', async () => {
    const bad = await runPmbt(['topup', jobFile, '--threshold', 'zero']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pmbt topup: --threshold must be liquidation, reduceOnly, marginCall or a uniMMR above 0, got zero/);
    const missing = await runPmbt(['topup', jobFile, '--portfolio', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/portfolios with the ids given \(nope\)/);
  });
});
