/**
 * The scheduled stress tests' test bed, shared by the schedule tests: the loopback S3 server holding
 * the small job's prices and portfolios under data/small/, a fake Step Functions endpoint whose
 * executions run the real plan, replayBatch and merge handlers through the local state machine, a
 * stress-tests config with the given tests, and the environment the schedule handler reads.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { handler as merge } from '../../handlers/merge.js';
import { handler as plan } from '../../handlers/plan.js';
import { handler as replayBatch } from '../../handlers/replay-batch.js';
import { readStepEnvironment } from '../../handlers/environment.js';
import { runStateMachineLocally } from '../../src/batch/local-state-machine.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { s3Env, setEnv, startFakeStepFunctions, type FakeStepFunctions } from './harness.js';

export const SCHEDULE_BUCKET = 'pm-data';

/** One execution of the backtest state machine (`{ job }` as the schedule starts it), run locally. */
export function runExecution(input: unknown): Promise<unknown> {
  return runStateMachineLocally(input as { job: unknown }, { plan, replayBatch, merge }, readStepEnvironment().locate, { maxConcurrency: 3, retryIntervalMs: 1, maxAttempts: 0 });
}

export interface ScheduleHarness {
  s3: S3TestServer;
  client: S3Client;
  sfn: FakeStepFunctions;
  /** The small job's local files (the bucket holds copies under data/small/). */
  files: ReturnType<typeof writeSmallJob>;
  stop(): Promise<void>;
}

/** Starts the test bed for `tests` (the stress-tests config's `tests` array). */
export async function startScheduleHarness(tests: unknown[]): Promise<ScheduleHarness> {
  const s3 = await startS3Server({ buckets: [SCHEDULE_BUCKET] });
  const sfn = await startFakeStepFunctions(runExecution);
  const files = writeSmallJob();
  const config = join(files.dir, 'stress-tests.json');
  writeFileSync(config, JSON.stringify({ version: 1, tests }));
  const restoreEnv = setEnv({ ...s3Env(s3.endpoint), PMBT_DATA_BUCKET: SCHEDULE_BUCKET, PMBT_STATE_MACHINE_ARN: sfn.stateMachineArn, PMBT_SFN_ENDPOINT: sfn.endpoint, PMBT_STRESS_TESTS: config });
  const client = s3.client();
  for (const local of [files.job.prices as string, files.job.portfolios as string]) {
    await client.send(new PutObjectCommand({ Bucket: SCHEDULE_BUCKET, Key: `data/small/${basename(local)}`, Body: readFileSync(local) }));
  }
  return {
    s3, client, sfn, files,
    async stop() {
      restoreEnv();
      await sfn.stop();
      await s3.stop();
      rmSync(files.dir, { recursive: true, force: true });
    },
  };
}
