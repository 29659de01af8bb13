import { parentPort } from 'node:worker_threads';
import { createLocator } from '../io/store/open.js';
import { buildBatchContext } from './context.js';
import { parseJobSpec } from './job.js';
import { replayOverlapped } from './overlapped-replay.js';
import { startBatchReplay, writeBatchShare } from './run-batch.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

// A worker thread of `pmbt run`: the same replayBatch → batch share and partial as a Lambda. A
// batch's share is written while the next one replays (replayOverlapped); the runner hands the
// next batch when this one is replayed, and `end` waits for the last write.

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

type Batch = Extract<ToWorker, { type: 'batch' }>;

/** The batches as the runner sends them, until `end`. */
function createBatchQueue() {
  const waiting: Batch[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(b: Batch) { waiting.push(b); signal(); },
    end() { ended = true; signal(); },
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      for (;;) {
        const next = waiting.shift();
        if (next !== undefined) yield next;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

const queue = createBatchQueue();

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    try {
      const ctx = buildBatchContext(parseJobSpec(msg.job), msg.pricesBytes, msg.ruleDocuments);
      const store = createLocator(msg.storeSettings)(msg.outputUri).store;
      void replayOverlapped(queue, () => undefined, (b) => startBatchReplay(ctx, b.batch, b.items, (steps) => post({ type: 'progress', portfolios: 1, steps })), async (result) => {
        post({ type: 'replayed', batch: result.batch });
        await writeBatchShare(store, msg.jobKey, ctx, result, msg.run);
      }).then(() => post({ type: 'done' }), (e: unknown) => post({ type: 'failed', message: describe(e) }));
      post({ type: 'ready' });
    } catch (e) {
      post({ type: 'failed', message: describe(e) });
    }
  } else if (msg.type === 'batch') queue.push(msg);
  else if (msg.type === 'end') queue.end();
  else port.close();
});
