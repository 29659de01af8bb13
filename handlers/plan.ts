import { handlePlanEvent, type PlanEvent } from '../src/batch/lambda-steps.js';
import type { PlanResult } from '../src/batch/distributed.js';
import { readStepEnvironment } from './environment.js';

/**
 * State machine step 1 (docs/serverless.md): validates the job, splits its portfolios into batch
 * files and writes the manifest the Distributed Map reads. Event: `{ "job": <job spec> }`.
 * A bad job throws an InputError (error type "InputError": the state machine does not retry it).
 */
export async function handler(event: PlanEvent): Promise<PlanResult> {
  const result = await handlePlanEvent(event, readStepEnvironment());
  console.log(JSON.stringify({ step: 'plan', jobId: result.jobId, batches: result.batches, portfolios: result.portfolios }));
  return result;
}
