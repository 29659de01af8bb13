import { InputError } from '../domain/errors.js';
import { describeValue, readArray, readObject, readString, rejectUnknownKeys } from '../domain/json-fields.js';
import type { Locate } from '../io/store/open.js';
import { validateDeploymentJob, validateDeploymentOutput, type Deployment } from './deployment.js';
import { mergePlannedJob, parseBatchManifestItem, planJob, replayPlannedBatch, type BatchManifestItem, type BatchRunResult, type MergeResult, type PlanResult } from './distributed.js';
import { JOB_ID_PATTERN, parseJobSpec, type JobSpec } from './job.js';
import { readRunId, readRunIdentity, type RunIdentity } from './lease.js';

// The events of the state machine's three steps (docs/serverless.md), each validated before it
// touches storage, and the step each one runs. handlers/plan.ts, replay-batch.ts and merge.ts call
// these functions with the stores of their environment; `pmbt run-via-handlers` and the tests call the same ones with the same events.

/**
 * Plan: `{ "job": <job spec>, "run": { "runId", "startedBy" } }` (the state machine's input, as
 * POST /backtests, the schedule and `pmbt run-via-handlers` start it). The run is named by whoever
 * starts the execution, so a retried plan is the same run and finds its own lease.
 */
export interface PlanEvent {
  job: unknown;
  run: unknown;
}

/**
 * ReplayBatch: what a Distributed Map child receives with an ItemBatcher, `{ "Items": [item, ...] }`
 * (plus `BatchInput` when configured), or a single item `{ jobId, output, batch }` (serverless
 * invoke, a retried batch).
 */
export type ReplayBatchEvent = { Items: unknown[]; BatchInput?: unknown } | BatchManifestItem;

/** Merge: `{ jobId, runId, output }` (the plan's result carries them). */
export interface MergeEvent {
  jobId: string;
  runId: string;
  output: string;
}

export interface ReplayBatchResult {
  batches: BatchRunResult[];
}

/**
 * What the steps are given by their caller (a handler reads it from its environment, the CLI from
 * its own): where URIs lead, and the deployment whose bucket jobs must stay in (none locally).
 */
export interface StepEnvironment {
  locate: Locate;
  deployment: Deployment | undefined;
}

/** A single Lambda invocation never takes more batches than this (the ItemBatcher's limit is lower). */
export const MAX_ITEMS_PER_EVENT = 100;

export function parsePlanEvent(raw: unknown, deployment: Deployment | undefined): { spec: JobSpec; run: RunIdentity } {
  const o = readObject('event', '', raw);
  rejectUnknownKeys('event', '', o, ['job', 'run']);
  const spec = parseJobSpec(o.job, 'event.job');
  if (deployment) validateDeploymentJob('event.job', spec, deployment);
  return { spec, run: readRunIdentity('event', 'run', o.run) };
}

export function parseReplayBatchEvent(raw: unknown, deployment: Deployment | undefined): BatchManifestItem[] {
  const o = readObject('event', '', raw);
  let items: BatchManifestItem[];
  if ('Items' in o) {
    rejectUnknownKeys('event', '', o, ['Items', 'BatchInput']);
    const list = readArray('event', 'Items', o.Items);
    if (list.length === 0 || list.length > MAX_ITEMS_PER_EVENT) throw new InputError('event', 'Items', `1 to ${MAX_ITEMS_PER_EVENT} items`, `${list.length} items`);
    items = list.map((v, i) => parseBatchManifestItem(v, 'event', `Items[${i}]`));
  } else {
    items = [parseBatchManifestItem(o, 'event', '')];
  }
  if (deployment) items.forEach((item, i) => validateDeploymentOutput('event', `Items[${i}].output`, item.output, deployment));
  return items;
}

export function parseMergeEvent(raw: unknown, deployment: Deployment | undefined): MergeEvent {
  const o = readObject('event', '', raw);
  // The plan's whole result may be passed on; only jobId and output matter.
  const jobId = readString('event', 'jobId', o.jobId);
  if (!JOB_ID_PATTERN.test(jobId)) throw new InputError('event', 'jobId', 'a job id (letters, digits, . _ -, at most 128)', describeValue(jobId));
  const runId = readRunId('event', 'runId', o.runId);
  const output = readString('event', 'output', o.output);
  if (deployment) validateDeploymentOutput('event', 'output', output, deployment);
  return { jobId, runId, output };
}

export async function handlePlanEvent(raw: unknown, env: StepEnvironment): Promise<PlanResult> {
  const { spec, run } = parsePlanEvent(raw, env.deployment);
  return planJob(spec, run, env.locate);
}

/** Replays the event's batches one after another (one Lambda is one core). */
export async function handleReplayBatchEvent(raw: unknown, env: StepEnvironment): Promise<ReplayBatchResult> {
  const batches: BatchRunResult[] = [];
  for (const item of parseReplayBatchEvent(raw, env.deployment)) batches.push(await replayPlannedBatch(item, env.locate));
  return { batches };
}

export async function handleMergeEvent(raw: unknown, env: StepEnvironment): Promise<MergeResult> {
  const e = parseMergeEvent(raw, env.deployment);
  return mergePlannedJob(e.jobId, e.runId, e.output, env.locate);
}
