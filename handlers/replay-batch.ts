import { handleReplayBatchEvent, type ReplayBatchEvent, type ReplayBatchResult } from '../src/batch/lambda-steps.js';
import { readStepEnvironment } from './environment.js';

/**
 * State machine step 2, one Distributed Map child: replays the batches of `{ "Items": [...] }`
 * (or one item `{ jobId, runId, output, batch }`) in this process and writes each batch's share of
 * the reports and its partial. Safe to run again within its run: a batch rewrites the same bytes.
 */
export async function handler(event: ReplayBatchEvent): Promise<ReplayBatchResult> {
  const result = await handleReplayBatchEvent(event, readStepEnvironment());
  for (const b of result.batches) console.log(JSON.stringify({ step: 'replayBatch', ...b }));
  return result;
}
