import { parentPort } from 'node:worker_threads';
import { createLocator } from '../io/store/open.js';
import type { ObjectStore } from '../io/store/types.js';
import type { PartRun } from '../records/summary.js';
import { buildBatchContext, type BatchContext } from './context.js';
import { parseJobSpec } from './job.js';
import { replayBatch, writeBatchShare } from './run-batch.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

// A worker thread of `pmbt run`: the same replayBatch → batch share and partial as a Lambda, one batch at a time.

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
let ctx: BatchContext;
let store: ObjectStore;
let jobKey: string;
let run: PartRun;

port.on('message', (msg: ToWorker) => {
  void (async () => {
    try {
      if (msg.type === 'init') {
        ctx = buildBatchContext(parseJobSpec(msg.job), msg.pricesBytes, msg.ruleDocuments);
        store = createLocator(msg.storeSettings)(msg.outputUri).store;
        jobKey = msg.jobKey;
        run = msg.run;
        post({ type: 'ready' });
      } else if (msg.type === 'batch') {
        const result = replayBatch(ctx, msg.batch, msg.items, (steps) => post({ type: 'progress', portfolios: 1, steps }));
        await writeBatchShare(store, jobKey, ctx, result, run);
        post({ type: 'batchDone', batch: msg.batch });
      } else {
        port.close();
      }
    } catch (e) {
      post({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  })();
});
