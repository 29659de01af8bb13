// Issue 15: an internal error (a bug, not bad input) while replaying one portfolio fails that
// portfolio alone, its summary line naming it; the rest of the batch is replayed as usual.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildBatchContext } from '../../src/batch/context.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { replayBatch, type BatchItem } from '../../src/batch/run-batch.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';
import { readJsonDocuments, writeSmallJob } from '../helpers/job-files.js';

// The replay of portfolio "p1" meets a bug; every other portfolio is replayed for real.
vi.mock('../../src/replay/replay-portfolio.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/replay/replay-portfolio.js')>();
  return {
    ...real,
    replayPortfolio: (...args: Parameters<typeof real.replayPortfolio>) => {
      if (args[0].id === 'p1') throw new RangeError('Invalid array length\n    at a stack line');
      return real.replayPortfolio(...args);
    },
  };
});

const files = writeSmallJob(undefined, { portfolios: 3 });
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('an internal error in one portfolio', () => {
  it('fails that portfolio alone, naming it, on one line; the others are replayed', async () => {
    const spec = parseJobSpec(files.job);
    const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
    // p0, p1, p2 (the small job's file also holds a bad document and a line that is not JSON)
    const docs = readJsonDocuments(spec.portfolios).filter((d) => /^p\d$/.test(String(d.id)));
    const items: BatchItem[] = docs.map((doc, index) => ({ index, doc }));
    const result = replayBatch(ctx, 0, items);
    expect(result.portfolios.map((p) => [p.portfolioId, p.ok])).toEqual([['p0', true], ['p1', false], ['p2', true]]);
    const failed = result.portfolios[1]!;
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toBe(`${spec.portfolios}: portfolio 2 (id "p1"): internal error (a bug: please report it with this portfolio): RangeError: Invalid array length at a stack line`);
    expect(result.timeline.some((r) => r.portfolioId === 'p1')).toBe(false);
    expect(result.timeline.some((r) => r.portfolioId === 'p2')).toBe(true);
  });
});
