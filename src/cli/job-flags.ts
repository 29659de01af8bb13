import { parseJobSpec, type JobSpec } from '../batch/job.js';
import { readObject } from '../domain/json-fields.js';
import { readJsonFile } from './files.js';

// The job-spec flags `pmbt run` and `pmbt run-via-handlers` share: each overrides its field.

const OVERRIDES: Record<string, (job: Record<string, unknown>, v: string) => void> = {
  'job-id': (j, v) => { j.jobId = v; },
  prices: (j, v) => { j.prices = v; },
  portfolios: (j, v) => { j.portfolios = v; },
  from: (j, v) => { j.from = /^\d+$/.test(v) ? Number(v) : v; },
  to: (j, v) => { j.to = /^\d+$/.test(v) ? Number(v) : v; },
  resolution: (j, v) => { j.timeline = { ...(j.timeline as object), resolution: v }; },
  staleness: (j, v) => { j.staleness = v; },
  policy: (j, v) => { j.liquidation = { ...(j.liquidation as object), policy: v }; },
  slippage: (j, v) => { j.liquidation = { ...(j.liquidation as object), slippage: v }; },
  target: (j, v) => { j.liquidation = { ...(j.liquidation as object), target: v }; },
  'batch-size': (j, v) => { j.batchSize = /^\d+$/.test(v) ? Number(v) : v; },
  output: (j, v) => { j.output = v; },
  engine: (j, v) => { j.engine = v; },
};

/** parseArgs options for every job flag (`--rules` repeatable). */
export const JOB_FLAG_OPTIONS = {
  ...Object.fromEntries(Object.keys(OVERRIDES).map((k) => [k, { type: 'string' as const }])),
  rules: { type: 'string' as const, multiple: true as const },
};

/** The job file with the flags given applied over it, validated. */
export async function readJobSpecWithFlags(jobFile: string, values: Record<string, unknown>): Promise<JobSpec> {
  const job = { ...readObject(jobFile, '', await readJsonFile(jobFile)) };
  for (const [flag, apply] of Object.entries(OVERRIDES)) {
    const v = values[flag];
    if (typeof v === 'string') apply(job, v);
  }
  if (Array.isArray(values.rules)) job.rules = values.rules;
  return parseJobSpec(job, jobFile);
}
