import { readFileSync } from 'node:fs';
import { buildBatchContext, type BatchContext } from '../../src/batch/context.js';
import { parseJobSpec } from '../../src/batch/job.js';
import type { Portfolio } from '../../src/domain/types.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';

/** The bundled sample job's batch context and its portfolio documents by id (tests that replay sample portfolios one by one). */
export async function loadSampleBatch(): Promise<{ ctx: BatchContext; docs: Map<string, Record<string, unknown>> }> {
  const spec = parseJobSpec(JSON.parse(readFileSync('data/sample/job.json', 'utf8')));
  const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
  const docs = new Map(readFileSync(spec.portfolios, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>).map((d) => [d.id as string, d]));
  return { ctx, docs };
}

/** About `count` of the sample's portfolios, spread evenly through it (every n-th), parsed with the job's rules. */
export function pickSamplePortfolios(ctx: BatchContext, docs: ReadonlyMap<string, Record<string, unknown>>, count: number): Portfolio[] {
  const every = Math.floor(docs.size / count);
  return [...docs.values()].filter((_, i) => i % every === 0).map((d) => parsePortfolio(d, ctx.rules.base));
}
