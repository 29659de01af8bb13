import type { StoreSettings } from '../io/store/open.js';
import type { PartRun } from '../records/summary.js';
import type { RuleDocument } from '../rules/build.js';
import type { BatchItem } from './run-batch.js';

/** What the local runner tells a worker thread. */
export type ToWorker =
  | { type: 'init'; job: unknown; pricesBytes: Uint8Array; ruleDocuments: RuleDocument[]; jobKey: string; outputUri: string; storeSettings: StoreSettings; run: PartRun }
  | { type: 'batch'; batch: number; items: BatchItem[] }
  /** No more batches: finish the writes, then say `done`. */
  | { type: 'end' }
  | { type: 'stop' };

/** What a worker reports back. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; portfolios: number; steps: number }
  /** Replayed (its share is being written): ready for the next batch. */
  | { type: 'replayed'; batch: number }
  /** After `end`: every batch's share and partial written. */
  | { type: 'done' }
  | { type: 'failed'; message: string };
