import type { BatchReplay, BatchResult } from './run-batch.js';

/** Lets pending I/O callbacks run (setImmediate comes after the event loop's poll phase). */
const giveWay = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Batches replayed in one thread (`pmbt run`'s own with one worker, or a worker thread), each
 * batch's share written while the next batch replays: the replay gives way to the write between
 * portfolios, so the write's waits on the store overlap the replay's work. One write at a time (a
 * batch replaying and one being written at most); the last is awaited before this returns.
 * `checkLease` runs before each replay and each write.
 */
export async function replayOverlapped<T>(batches: AsyncIterable<T>, checkLease: () => void, start: (batch: T) => BatchReplay, write: (result: BatchResult) => Promise<void>): Promise<void> {
  let writing: Promise<void> | undefined;
  try {
    for await (const b of batches) {
      checkLease();
      const replay = start(b);
      while (replay.replayNext()) if (writing !== undefined) await giveWay();
      const result = replay.finish();
      await writing;
      checkLease();
      writing = write(result);
      // Its failure is thrown where it is awaited; until then it must not count as unhandled.
      writing.catch(() => undefined);
    }
    await writing;
  } finally {
    // Should the batches fail mid-way, no write outlives the run (its lease is released after this).
    await writing?.catch(() => undefined);
  }
}
