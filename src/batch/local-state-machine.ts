import type { Locate } from '../io/store/open.js';
import { forEachLimited, locateJob, readManifest, type BatchManifestItem, type MergeResult, type PlanResult } from './distributed.js';
import { createRunId, describeLocalUser, releaseLease } from './lease.js';
import type { MergeEvent, PlanEvent, ReplayBatchEvent } from './lambda-steps.js';

// The deployed state machine (serverless.yml: Plan → Distributed Map over the manifest → Merge),
// run in this process against the same handlers, for `pmbt run-via-handlers` and the tests.
// Same semantics: the map reads the plan's manifest, groups items like the ItemBatcher, runs at
// most maxConcurrency groups at once, retries a failed step (plan, group, merge) with exponential
// backoff and full jitter (never an InputError or JobLeaseError, which would fail again), tolerates no failure,
// merges only when all succeeded, and fails as the deployed map fails (MapFailureError).

export interface StateMachineSteps {
  plan(event: PlanEvent): Promise<PlanResult>;
  replayBatch(event: ReplayBatchEvent): Promise<unknown>;
  merge(event: MergeEvent): Promise<MergeResult>;
}

/**
 * The retry policy of every task (Plan, ReplayBatch, Merge): serverless.yml's Retry blocks in this
 * module's terms; test/serverless/package.test.ts checks the packaged definition against it field
 * by field, jitter included. A transient fault (S3 timing out after its own retries, a Lambda
 * error) costs a step a few seconds instead of the job; an InputError is never retried.
 */
export const STEP_RETRY = { intervalSeconds: 2, maxAttempts: 3, backoffRate: 2, jitterStrategy: 'FULL' } as const;
/**
 * Errors no task retries (serverless.yml's first Retry block, MaxAttempts 0): bad input fails
 * again, and a job held by another run (JobLeaseError) is that run's until it ends.
 */
export const NOT_RETRIED_ERRORS = ['InputError', 'JobLeaseError'] as const;
const isNotRetried = (e: unknown) => e instanceof Error && (NOT_RETRIED_ERRORS as readonly string[]).includes(e.name);
/** The replay task's retry policy (the same as every task's). */
export const REPLAY_RETRY = STEP_RETRY;

/**
 * Delay before retry `attempt` (0 = the first retry): Step Functions' interval × rate^attempt, and
 * with JitterStrategy FULL a uniformly random delay between 0 and that (so children failing
 * together do not retry together). `random` is in [0, 1).
 */
export function findRetryDelayMs(attempt: number, intervalMs: number, random: () => number): number {
  return random() * intervalMs * STEP_RETRY.backoffRate ** attempt;
}

/** The Distributed Map's failure error on AWS when more children fail than tolerated (here: any). */
export const MAP_FAILURE_ERROR = 'States.ExceedToleratedFailureThreshold';
/** The cause Step Functions gives with it. */
export const MAP_FAILURE_CAUSE = 'The specified tolerated failure threshold was exceeded';

/**
 * How a failed map fails the local execution: with the error name and cause Step Functions gives
 * the execution (`name`, `message`), so callers (the API's job status, the CLI) see one shape
 * locally and on AWS. The cause also names the child's own error, which on AWS is found in the map
 * run's failed child execution; `cause` (the standard Error field) keeps that error itself.
 */
export class MapFailureError extends Error {
  override name = MAP_FAILURE_ERROR;
  constructor(readonly items: readonly BatchManifestItem[], readonly attempts: number, childError: unknown) {
    super(`${MAP_FAILURE_CAUSE}: a child (batches ${items.map((i) => i.batch).join(', ')}) failed after ${attempts} attempt${attempts === 1 ? '' : 's'} with ${describeChildError(childError)}`, { cause: childError });
  }
}

/** `{"Error": name, "Cause": message}`, as a failed Lambda task reports it in its child execution. */
function describeChildError(e: unknown): string {
  const error = e instanceof Error ? e.name : 'Error';
  const cause = e instanceof Error ? e.message : String(e);
  return JSON.stringify({ Error: error, Cause: cause });
}
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
  /** The jitter's random source, in [0, 1); Math.random by default. */
  random?: () => number;
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
  random: () => number;
}

/** Runs `task` as a Task state with the Retry blocks of serverless.yml: NOT_RETRIED_ERRORS never retried. */
async function withRetry<T>(policy: RetryPolicy, task: () => Promise<T>, onFailed: (attempt: number, error: unknown) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (e) {
      onFailed(attempt, e);
      if (isNotRetried(e) || attempt >= policy.maxAttempts) throw e;
      await sleep(findRetryDelayMs(attempt, policy.intervalMs, policy.random));
    }
  }
}

/**
 * `locate` reads the plan's manifest, as the Distributed Map's ItemReader does on AWS. An input
 * without `run` is given one here (`user@host`), as the API gives every execution it starts. A
 * failed execution releases its run's lease on the job (the plan took it; only the merge would
 * have released it), as the API does on AWS when it next starts the job and finds it ended.
 */
export async function runStateMachineLocally(given: Omit<PlanEvent, 'run'> & { run?: unknown }, steps: StateMachineSteps, locate: Locate, options: LocalStateMachineOptions = {}): Promise<LocalExecution> {
  const input: PlanEvent = { ...given, run: given.run ?? { runId: createRunId(new Date()), startedBy: describeLocalUser() } };
  let runId = readInputRunId(input);
  try {
    return await runExecution(input, steps, locate, options, (planned) => { runId = planned.runId; });
  } catch (e) {
    const job = input.job as { jobId?: unknown; output?: unknown } | undefined;
    if (runId !== undefined && typeof job?.jobId === 'string' && typeof job.output === 'string') {
      const { jobId, output } = job;
      // Best effort: the execution's own error is the one to report (a job with a bad output has no lease to release).
      await (async () => {
        const { store, jobKey } = locateJob(locate, output, jobId);
        await releaseLease(store, jobKey, runId);
      })().catch(() => undefined);
    }
    throw e;
  }
}

function readInputRunId(input: PlanEvent): string | undefined {
  const run = input.run as { runId?: unknown } | undefined;
  return typeof run?.runId === 'string' ? run.runId : undefined;
}

async function runExecution(input: PlanEvent, steps: StateMachineSteps, locate: Locate, options: LocalStateMachineOptions, onPlanned: (plan: PlanResult) => void): Promise<LocalExecution> {
  const maxConcurrency = options.maxConcurrency ?? MAP_DEFAULTS.maxConcurrency;
  const itemsPerBatch = options.itemsPerBatch ?? MAP_DEFAULTS.itemsPerBatch;
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { maxAttempts: options.maxAttempts ?? STEP_RETRY.maxAttempts, intervalMs: options.retryIntervalMs ?? STEP_RETRY.intervalSeconds * 1000, random };
  const stepFailed = (step: 'plan' | 'merge') => (attempt: number, e: unknown) => options.onStepFailed?.(step, attempt, e);
  const t0 = Date.now();
  const plan = await withRetry(policy, () => steps.plan(input), stepFailed('plan'));
  onPlanned(plan);
  const t1 = Date.now();

  const items = await readManifest(plan.manifest.uri, locate);
  const groups: BatchManifestItem[][] = [];
  for (let i = 0; i < items.length; i += itemsPerBatch) groups.push(items.slice(i, i + itemsPerBatch));
  let invocations = 0;
  await forEachLimited(groups, Math.max(1, maxConcurrency), async (group) => {
    let attempts = 0;
    try {
      await withRetry(policy, async () => {
        invocations++;
        await steps.replayBatch({ Items: group });
        options.onGroupDone?.(group, attempts);
      }, (attempt, e) => {
        attempts = attempt + 1;
        options.onGroupFailed?.(group, attempt, e);
      });
    } catch (e) {
      throw new MapFailureError(group, attempts, e);
    }
  });
  const t2 = Date.now();
  const merge = await withRetry(policy, () => steps.merge({ jobId: plan.jobId, runId: plan.runId, output: plan.output }), stepFailed('merge'));
  const t3 = Date.now();
  return { plan, merge, invocations, timings: { planMs: t1 - t0, mapMs: t2 - t1, mergeMs: t3 - t2, totalMs: t3 - t0 } };
}
