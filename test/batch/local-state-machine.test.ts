// The emulated state machine's map: retries as serverless.yml's ReplayBatch Retry (InputError never,
// anything else with exponential backoff and full jitter), and a failed child fails the execution
// as the deployed Distributed Map does (States.ExceedToleratedFailureThreshold), never merging.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import type { PlanResult } from '../../src/batch/distributed.js';
import { findRetryDelayMs, MAP_FAILURE_CAUSE, MAP_FAILURE_ERROR, MapFailureError, REPLAY_RETRY, runStateMachineLocally, type StateMachineSteps } from '../../src/batch/local-state-machine.js';
import { createMemoryLocator, createMemoryStore } from '../../src/io/store/memory.js';

const RUN_ID = '20260101T000000Z-00000000';
const items = [0, 1, 2, 3].map((batch) => ({ jobId: 'j', runId: RUN_ID, output: 's3://pm-data/reports/', batch }));

/** A planned job of four batches whose replay step is `replay`; counts merges. */
async function emulate(replay: StateMachineSteps['replayBatch'], options: Parameters<typeof runStateMachineLocally>[3]) {
  const bucket = createMemoryStore({ uriPrefix: 's3://pm-data/' });
  await bucket.write('reports/j/_plan/manifest.json', JSON.stringify(items));
  const plan: PlanResult = { jobId: 'j', runId: RUN_ID, output: 's3://pm-data/reports/', jobUri: 's3://pm-data/reports/j', batches: 4, portfolios: 4, manifest: { uri: 's3://pm-data/reports/j/_plan/manifest.json', bucket: 'pm-data', key: 'reports/j/_plan/manifest.json' } };
  let merges = 0;
  const steps: StateMachineSteps = { plan: async () => plan, replayBatch: replay, merge: async () => { merges++; return { jobId: 'j', runId: RUN_ID, jobUri: plan.jobUri, totals: {} as never }; } };
  const outcome = await runStateMachineLocally({ job: {} }, steps, createMemoryLocator({ 'pm-data': bucket }), options).then(() => undefined, (e: unknown) => e);
  return { outcome, merges: () => merges };
}

const batchesOf = (e: unknown) => (e as { Items: { batch: number }[] }).Items.map((i) => i.batch);

describe('the local state machine', () => {
  it('waits interval × rate^n with full jitter: a random delay from 0 up to it', () => {
    expect(REPLAY_RETRY).toMatchObject({ intervalSeconds: 2, backoffRate: 2, jitterStrategy: 'FULL' });
    expect(findRetryDelayMs(0, 2000, () => 0)).toBe(0);
    expect(findRetryDelayMs(0, 2000, () => 0.5)).toBe(1000);
    expect(findRetryDelayMs(2, 2000, () => 0.5)).toBe(4000);
    expect(findRetryDelayMs(2, 2000, () => 0.999)).toBeLessThan(8000);
  });

  it('fails a child that keeps failing as the deployed map does, after its retries, with the child\'s error in the cause', async () => {
    const draws: number[] = [];
    let attempts = 0;
    const { outcome, merges } = await emulate(async (e) => {
      if (batchesOf(e).includes(2)) {
        attempts++;
        throw new Error('worker out of memory');
      }
      return {};
    }, { itemsPerBatch: 2, maxConcurrency: 1, random: () => { draws.push(0); return 0; } });
    expect(outcome).toBeInstanceOf(MapFailureError);
    const failure = outcome as MapFailureError;
    expect(failure.name).toBe(MAP_FAILURE_ERROR);
    expect(failure.name).toBe('States.ExceedToleratedFailureThreshold');
    expect(failure.message).toBe(`${MAP_FAILURE_CAUSE}: a child (batches 2, 3) failed after 4 attempts with {"Error":"Error","Cause":"worker out of memory"}`);
    expect((failure.cause as Error).message).toBe('worker out of memory');
    // the first attempt and REPLAY_RETRY.maxAttempts retries, each delay drawn from the jitter
    expect(attempts).toBe(1 + REPLAY_RETRY.maxAttempts);
    expect(draws).toHaveLength(REPLAY_RETRY.maxAttempts);
    expect(merges()).toBe(0);
  });

  it('never retries an InputError, and still fails with the map\'s error', async () => {
    let attempts = 0;
    const { outcome, merges } = await emulate(async (e) => {
      if (batchesOf(e).includes(1)) {
        attempts++;
        throw new InputError('s3://pm-data/reports/j/_plan/batch-000001.jsonl', 'line 1', 'a batch item', 'nothing');
      }
      return {};
    }, { random: () => 0 });
    expect(attempts).toBe(1);
    expect((outcome as Error).name).toBe('States.ExceedToleratedFailureThreshold');
    expect((outcome as Error).message).toMatch(/^The specified tolerated failure threshold was exceeded: a child \(batches 1\) failed after 1 attempt with \{"Error":"InputError","Cause":"s3:\/\/pm-data\/reports\/j\/_plan\/batch-000001\.jsonl: line 1: expected a batch item, got nothing"\}$/);
    expect(merges()).toBe(0);
  });
});
