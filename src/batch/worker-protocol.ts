import type { StoreSettings } from '../io/store/open.js';
import type { PartRun } from '../records/summary.js';
import type { RuleDocument } from '../rules/build.js';
import type { BatchItem } from './run-batch.js';

/** What the local runner tells a worker thread. */
export type ToWorker =
  | { type: 'init'; job: unknown; pricesBytes: Uint8Array; ruleDocuments: RuleDocument[]; jobKey: string; outputUri: string; storeSettings: StoreSettings; run: PartRun }
  | { type: 'batch'; batch: number; items: BatchItem[] }
  | { type: 'stop' };

/** What a worker reports back. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; portfolios: number; steps: number }
  | { type: 'batchDone'; batch: number }
  | { type: 'failed'; message: string };
