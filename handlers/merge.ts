import type { MergeResult } from '../src/batch/distributed.js';
import { handleMergeEvent, type MergeEvent } from '../src/batch/lambda-steps.js';
import { readStepEnvironment } from './environment.js';

/**
 * State machine step 3: merges every batch's parts into timeline.arrow, events.arrow/.jsonl and
 * summary.json, completion marker last. Refuses (throws) while any batch has no parts.
 * Event: `{ jobId, output }`.
 */
export async function handler(event: MergeEvent): Promise<MergeResult> {
  const result = await handleMergeEvent(event, readStepEnvironment());
  console.log(JSON.stringify({ step: 'merge', jobId: result.jobId, portfolios: result.totals.portfolios, portfolioSteps: result.totals.portfolioSteps }));
  return result;
}
