import type { MergeResult } from '../src/batch/distributed.js';
import { handleMergeEvent, type MergeEvent } from '../src/batch/lambda-steps.js';
import { readStepEnvironment } from './environment.js';

/**
 * State machine step 3, the finishing step: adds the batches' partials up into summary.json and
 * report.html, completion marker last (it reads only `_partials/`). Refuses (throws) while any
 * batch has no partial, or one of another run. Event: `{ jobId, runId, output }`.
 */
export async function handler(event: MergeEvent): Promise<MergeResult> {
  const result = await handleMergeEvent(event, readStepEnvironment());
  console.log(JSON.stringify({ step: 'merge', jobId: result.jobId, portfolios: result.totals.portfolios, portfolioSteps: result.totals.portfolioSteps }));
  return result;
}
