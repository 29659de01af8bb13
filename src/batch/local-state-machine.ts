import { isInputError } from '../domain/errors.js';
import type { Locate } from '../io/store/open.js';
import { forEachLimited, readManifest, type BatchManifestItem, type MergeResult, type PlanResult } from './distributed.js';
import type { MergeEvent, PlanEvent, ReplayBatchEvent } from './lambda-steps.js';

// The deployed state machine (serverless.yml: Plan → Distributed Map over the manifest → Merge),
// run in this process against the same handlers, for `pmbt run-via-handlers` and the tests.
// Same semantics: the map reads the plan's manifest, groups items like the ItemBatcher, runs at
// most maxConcurrency groups at once, retries a failed group with exponential backoff (never an
// InputError, which would fail again), tolerates no failure, and merges only when all succeeded.

export interface StateMachineSteps {
  plan(event: PlanEvent): Promise<PlanResult>;
  replayBatch(event: ReplayBatchEvent): Promise<unknown>;
  merge(event: MergeEvent): Promise<MergeResult>;
}

/** The replay task's retry policy; serverless.yml's ReplayBatch Retry has the same numbers. */
export const REPLAY_RETRY = { intervalSeconds: 2, maxAttempts: 3, backoffRate: 2 } as const;
/** serverless.yml's defaults for the map (deploy-time parameters maxConcurrency and itemsPerBatch). */
export const MAP_DEFAULTS = { maxConcurrency: 1000, itemsPerBatch: 1 } as const;

export interface LocalStateMachineOptions {
  maxConcurrency?: number;
  itemsPerBatch?: number;
  /** Retries after the first attempt; REPLAY_RETRY.maxAttempts by default. */
  maxAttempts?: number;
  /** First retry delay; REPLAY_RETRY.intervalSeconds × 1000 by default. */
  retryIntervalMs?: number;
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

/** `locate` reads the plan's manifest, as the Distributed Map's ItemReader does on AWS. */
export async function runStateMachineLocally(input: PlanEvent, steps: StateMachineSteps, locate: Locate, options: LocalStateMachineOptions = {}): Promise<LocalExecution> {
  const maxConcurrency = options.maxConcurrency ?? MAP_DEFAULTS.maxConcurrency;
  const itemsPerBatch = options.itemsPerBatch ?? MAP_DEFAULTS.itemsPerBatch;
  const maxAttempts = options.maxAttempts ?? REPLAY_RETRY.maxAttempts;
  const intervalMs = options.retryIntervalMs ?? REPLAY_RETRY.intervalSeconds * 1000;
  const t0 = Date.now();
  const plan = await steps.plan(input);
  const t1 = Date.now();

  const items = await readManifest(plan.manifest.uri, locate);
  const groups: BatchManifestItem[][] = [];
  for (let i = 0; i < items.length; i += itemsPerBatch) groups.push(items.slice(i, i + itemsPerBatch));
  let invocations = 0;
  await forEachLimited(groups, Math.max(1, maxConcurrency), async (group) => {
    for (let attempt = 0; ; attempt++) {
      try {
        invocations++;
        await steps.replayBatch({ Items: group });
        options.onGroupDone?.(group, attempt);
        return;
      } catch (e) {
        options.onGroupFailed?.(group, attempt, e);
        if (isInputError(e) || attempt >= maxAttempts) throw e;
        await sleep(intervalMs * REPLAY_RETRY.backoffRate ** attempt);
      }
    }
  });
  const t2 = Date.now();
  const merge = await steps.merge({ jobId: plan.jobId, output: plan.output });
  const t3 = Date.now();
  return { plan, merge, invocations, timings: { planMs: t1 - t0, mapMs: t2 - t1, mergeMs: t3 - t2, totalMs: t3 - t0 } };
}
