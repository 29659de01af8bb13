import { parseJobSpec, type JobSpec } from '../batch/job.js';
import { readObject } from '../domain/json-fields.js';
import { readJsonFile } from './files.js';
import type { FlagSpec } from './flags.js';

// The job-spec flags `pmbt run` and `pmbt run-via-handlers` share: each overrides its field.

type SingleJobFlag = Exclude<(typeof JOB_FLAGS)[number], { repeatable: true }>['name'];

// Typed by the declaration: a job flag without its override (or the reverse) does not compile.
const OVERRIDES: Record<SingleJobFlag, (job: Record<string, unknown>, v: string) => void> = {
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
  compare: (j, v) => { j.compare = { previousJob: v }; },
};

/** The job flags' declaration (each overrides the job file's field; the defaults are the job spec's). */
export const JOB_FLAGS = [
  { name: 'job-id', value: 'ID', description: 'jobId' },
  { name: 'prices', value: 'URI', description: 'price history (Arrow), local path or s3://' },
  { name: 'portfolios', value: 'URI', description: 'portfolios (Arrow, JSON or JSON Lines)' },
  { name: 'rules', value: 'URI', description: 'rules on top of data/rules/ (repeatable)', repeatable: true },
  { name: 'from', value: 'TIME', description: 'start of the replay: ISO-8601 or ms' },
  { name: 'to', value: 'TIME', description: 'end of the replay: ISO-8601 or ms' },
  { name: 'resolution', value: 'D', description: 'timeline bucket, e.g. 1m, 1h, 1d (default 1h)' },
  { name: 'staleness', value: 'D', description: 'oldest usable price (default 1h)' },
  { name: 'policy', value: 'P', description: 'liquidation policy: full (default) or stepwise' },
  { name: 'slippage', value: 'F', description: 'liquidation slippage fraction (default 0.001)' },
  { name: 'target', value: 'U', description: 'stepwise target uniMMR (default 1.25)' },
  { name: 'batch-size', value: 'N', description: 'portfolios per batch (default 100)' },
  { name: 'output', value: 'URI', description: 'output folder (default out/)' },
  { name: 'engine', value: 'E', description: 'auto (default: the fast kernel, exact decisions), fast, or exact' },
  { name: 'compare', value: 'JOB', description: 'earlier job in the output folder: who moved closer (compare)' },
] as const satisfies readonly FlagSpec[];

export const JOB_FLAGS_HEADING = "Options (each overrides the job file's field):";

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
