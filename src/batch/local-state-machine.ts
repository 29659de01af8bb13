import { isInputError } from '../domain/errors.js';
import type { Locate } from '../io/store/open.js';
import { forEachLimited, readManifest, type BatchManifestItem, type MergeResult, type PlanResult } from './distributed.js';
import type { MergeEvent, PlanEvent, ReplayBatchEvent } from './lambda-steps.js';

// The deployed state machine (serverless.yml: Plan → Distributed Map over the manifest → Merge),
// run in this process against the same handlers, for `pmbt run-via-handlers` and the tests.
// Same semantics: the map reads the plan's manifest, groups items like the ItemBatcher, runs at
// most maxConcurrency groups at once, retries a failed step (plan, group, merge) with exponential
// backoff (never an InputError, which would fail again), tolerates no failure, and merges only when
// all succeeded.

export interface StateMachineSteps {
  plan(event: PlanEvent): Promise<PlanResult>;
  replayBatch(event: ReplayBatchEvent): Promise<unknown>;
  merge(event: MergeEvent): Promise<MergeResult>;
}

/**
 * The retry policy of every task (Plan, ReplayBatch, Merge); serverless.yml's Retry blocks have the
 * same numbers. A transient fault (S3 timing out after its own retries, a Lambda error) costs a
 * step a few seconds instead of the job; an InputError is never retried.
 */
export const STEP_RETRY = { intervalSeconds: 2, maxAttempts: 3, backoffRate: 2 } as const;
/** The replay task's retry policy (the same as every task's). */
export const REPLAY_RETRY = STEP_RETRY;
/** serverless.yml's defaults for the map (deploy-time parameters maxConcurrency and itemsPerBatch). */
export const MAP_DEFAULTS = { maxConcurrency: 1000, itemsPerBatch: 1 } as const;

export interface LocalStateMachineOptions {
  maxConcurrency?: number;
  itemsPerBatch?: number;
  /** Retries after the first attempt, for each step; STEP_RETRY.maxAttempts by default. */
  maxAttempts?: number;
  /** First retry delay; STEP_RETRY.intervalSeconds × 1000 by default. */
  retryIntervalMs?: number;
  /** Called when the plan or the merge fails an attempt (before a retry, or the last time). */
  onStepFailed?: (step: 'plan' | 'merge', attempt: number, error: unknown) => void;
  onGroupDone?: (items: readonly BatchManifestItem[], attempt: number) => void;
  onGroupFailed?: (items: readonly BatchManifestItem[], attempt: number, error: unknown) => void;
}

export interface LocalExecution {
  plan: PlanResult;
  merge: MergeResult;
  /** Replay invocations, retries included. */
  invocations: number;
  timings: { planMs: number; mapMs: number; mergeMs: number; totalMs: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RetryPolicy {
  maxAttempts: number;
  intervalMs: number;
}

/** Runs `task` as a Task state with the Retry blocks of serverless.yml: InputError never retried. */
async function withRetry<T>(policy: RetryPolicy, task: () => Promise<T>, onFailed: (attempt: number, error: unknown) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (e) {
      onFailed(attempt, e);
      if (isInputError(e) || attempt >= policy.maxAttempts) throw e;
      await sleep(policy.intervalMs * STEP_RETRY.backoffRate ** attempt);
    }
  }
}

/** `locate` reads the plan's manifest, as the Distributed Map's ItemReader does on AWS. */
export async function runStateMachineLocally(input: PlanEvent, steps: StateMachineSteps, locate: Locate, options: LocalStateMachineOptions = {}): Promise<LocalExecution> {
  const maxConcurrency = options.maxConcurrency ?? MAP_DEFAULTS.maxConcurrency;
  const itemsPerBatch = options.itemsPerBatch ?? MAP_DEFAULTS.itemsPerBatch;
  const policy: RetryPolicy = { maxAttempts: options.maxAttempts ?? STEP_RETRY.maxAttempts, intervalMs: options.retryIntervalMs ?? STEP_RETRY.intervalSeconds * 1000 };
  const stepFailed = (step: 'plan' | 'merge') => (attempt: number, e: unknown) => options.onStepFailed?.(step, attempt, e);
  const t0 = Date.now();
  const plan = await withRetry(policy, () => steps.plan(input), stepFailed('plan'));
  const t1 = Date.now();

  const items = await readManifest(plan.manifest.uri, locate);
  const groups: BatchManifestItem[][] = [];
  for (let i = 0; i < items.length; i += itemsPerBatch) groups.push(items.slice(i, i + itemsPerBatch));
  let invocations = 0;
  await forEachLimited(groups, Math.max(1, maxConcurrency), async (group) => {
    let attempts = 0;
    await withRetry(policy, async () => {
      invocations++;
      await steps.replayBatch({ Items: group });
      options.onGroupDone?.(group, attempts);
    }, (attempt, e) => {
      attempts = attempt + 1;
      options.onGroupFailed?.(group, attempt, e);
    });
  });
  const t2 = Date.now();
  const merge = await withRetry(policy, () => steps.merge({ jobId: plan.jobId, output: plan.output }), stepFailed('merge'));
  const t3 = Date.now();
  return { plan, merge, invocations, timings: { planMs: t1 - t0, mapMs: t2 - t1, mergeMs: t3 - t2, totalMs: t3 - t0 } };
}
