import { createRunId } from '../../src/batch/lease.js';

/** A plan event as the API starts one: the job and a new run (a new id each call). */
export const withRun = (job: unknown) => ({ job, run: { runId: createRunId(new Date()), startedBy: 'test' } });
