import { describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/domain/json-fields.js';
import { planBatches } from '../../src/batch/plan.js';
import type { PortfolioDocumentItem } from '../../src/io/convert/documents.js';

/** A value nested `levels` deep: {"a": {"a": ... 1}}. */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

async function plan(docs: Record<string, unknown>[]) {
  async function* items(): AsyncIterable<PortfolioDocumentItem> {
    for (const [index, doc] of docs.entries()) yield { index, doc };
  }
  const out = [];
  for await (const b of planBatches(items(), 10, 'desk.jsonl')) out.push(...b.items);
  return out;
}

describe('planBatches: documents nested too deep', () => {
  test('a portfolio nested 5,000 levels deep fails alone, naming the field', async () => {
    const items = await plan([{ id: 'a' }, { id: 'deep', description: nested(5000) }, { id: 'c' }]);
    expect(items.map((i) => i.error)).toEqual([undefined, `desk.jsonl: portfolio 2 (id "deep"): description: expected JSON nested at most ${MAX_JSON_DEPTH} levels deep, got deeper`, undefined]);
    // The failed portfolio carries no document to hand on (it is what crashed postMessage).
    expect(items[1]!.doc).toBeUndefined();
  });
  test('the limit is exact: 64 levels pass, 65 fail (the document itself is level 1)', async () => {
    const items = await plan([{ id: 'ok', description: nested(MAX_JSON_DEPTH - 1) }, { id: 'no', description: nested(MAX_JSON_DEPTH) }]);
    expect(items.map((i) => i.error === undefined)).toEqual([true, false]);
  });
  test('deep arrays count too', async () => {
    let v: unknown = [];
    for (let i = 0; i < 100; i++) v = [v];
    const items = await plan([{ id: 'arr', balances: v }]);
    expect(items[0]!.error).toMatch(/^desk\.jsonl: portfolio 1 \(id \"arr\"\): balances: expected JSON nested at most 64 levels deep/);
  });
});
