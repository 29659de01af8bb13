import { describePortfolioAt, findTooDeepField, MAX_JSON_DEPTH, portfolioFieldPath } from '../domain/json-fields.js';
import type { PortfolioDocumentItem } from '../io/convert/documents.js';
import type { BatchItem } from './run-batch.js';

export interface PlannedBatch {
  batch: number;
  items: BatchItem[];
}

/**
 * Splits the portfolio stream into batches of `batchSize` in input order, so the batches (and so
 * the outputs) are the same whatever runs them. A repeated id, or a document nested more than
 * MAX_JSON_DEPTH levels deep, fails that portfolio alone.
 */
export async function* planBatches(items: AsyncIterable<PortfolioDocumentItem>, batchSize: number, src: string): AsyncIterable<PlannedBatch> {
  const seen = new Map<string, number>();
  let current: BatchItem[] = [];
  let batch = 0;
  for await (const item of items) {
    // Every job's documents pass here, whatever their format: a document nested too deep fails
    // alone, before it is copied to a worker or written to a batch file (either overflows the stack).
    const tooDeep = item.error === undefined ? findTooDeepField(item.doc) : undefined;
    if (item.error !== undefined) {
      current.push({ index: item.index, error: item.error.message });
    } else if (tooDeep !== undefined) {
      current.push({ index: item.index, error: `${src}: ${portfolioFieldPath(describePortfolioAt(item.index, item.doc.id), tooDeep)}: expected JSON nested at most ${MAX_JSON_DEPTH} levels deep, got deeper` });
    } else {
      const id = item.doc.id;
      const first = typeof id === 'string' ? seen.get(id) : undefined;
      if (typeof id === 'string' && first !== undefined) {
        current.push({ index: item.index, doc: item.doc, error: `${src}: ${portfolioFieldPath(describePortfolioAt(item.index, id), 'id')}: expected an id not used before, got "${id}" (also ${describePortfolioAt(first)})` });
      } else {
        if (typeof id === 'string') seen.set(id, item.index);
        current.push({ index: item.index, doc: item.doc });
      }
    }
    if (current.length === batchSize) {
      yield { batch: batch++, items: current };
      current = [];
    }
  }
  if (current.length > 0) yield { batch: batch++, items: current };
}
