// The deployed state machine, executed: its definition taken from the packaged CloudFormation
// template runs in an Amazon States Language interpreter (aws-local-stepfunctions, through
// asl-local.ts), so its paths, payload templates, OutputPath/ResultPath and Retry blocks are the
// ones exercised. Each Lambda task runs the packaged bundle of its function — its zip unpacked as
// /var/task, a fresh process per invocation (a cold Lambda) with only what the package contains and
// the environment the template gives it — against the loopback S3 server. The interpreter has no
// Distributed Map ItemReader/ItemBatcher nor failure tolerance: asl-local.ts reads the manifest and
// groups its items itself, and says so (docs/testing.md).
import { createServer } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/batch/job.js';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { MAP_FAILURE_ERROR, STEP_RETRY } from '../../src/batch/local-state-machine.js';
import { createLocator } from '../../src/io/store/open.js';
import { bucketReader } from '../helpers/bucket-reader.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { executeDefinition, LAMBDA_INVOKE, TOLERATED_FAILURE_ERROR, type ExecuteOptions, type ExecutionOutcome } from './asl-local.js';
import { functionEnvironment, invokeBundle, packagedFunctions, packageService, readDefinition, TEST_BUCKET, unpackFunction, type Json, type LambdaOutcome, type PackagedService } from './packaged.js';
import { expectSameReports } from '../helpers/same-reports.js';
import { withRun } from '../helpers/runs.js';
import { smallJobReportFiles } from '../helpers/job-outputs.js';

const JOB_PREFIX = 'reports/small/';

let pkg: PackagedService;
let s3: S3TestServer;
let client: S3Client;
let files: ReturnType<typeof writeSmallJob>;
let job: Record<string, unknown>;
/** The packaged definition, its placeholders resolved to the functions' ARNs and the test bucket. */
let definition: Json;
/** Function ARN (as the definition names it) → the function's name in serverless.yml. */
const functionsByArn = new Map<string, string>();
/** runJobLocally's reports for the same job on the same URIs (what `pmbt run` writes). */
let reference: Map<string, Buffer>;

const reader = bucketReader(() => client, TEST_BUCKET);
const { listKeys, get, exists } = reader;

/** The job's reports: its folder without its scratch (see bucketReader). */
const readReports = () => reader.readReports(JOB_PREFIX);

/** Removes every object of the job, so whatever the next run leaves was written by it. */
async function clearJob(): Promise<void> {
  for (const key of await listKeys(JOB_PREFIX)) await client.send(new DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
}

/** `Fn::GetAtt [<function>, Arn]` → a Lambda ARN with the function's name; `Ref: DataBucket` → the test bucket. */
function resolveParam(value: Json): string {
  if (value.Ref === 'DataBucket') return TEST_BUCKET;
  const [id, attribute] = (value['Fn::GetAtt'] ?? []) as string[];
  const fn = [...packagedFunctions(pkg)].find(([, f]) => f.id === id);
  if (!fn || attribute !== 'Arn') throw new Error(`no test value for ${JSON.stringify(value)} in the definition`);
  const arn = `arn:aws:lambda:us-east-1:000000000000:function:${fn[1].props.FunctionName}`;
  functionsByArn.set(arn, fn[0]);
  return arn;
}

/** A loopback port nothing listens on: an S3 endpoint that refuses every connection. */
async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

interface Invocation {
  fn: string;
  payload: unknown;
  outcome: LambdaOutcome;
}

const unpacked = new Map<string, Promise<string>>();
let executions = 0;

/**
 * One execution of the definition. `s3EndpointFor` may give an invocation another S3 endpoint (a
 * fault); every invocation is recorded, and the execution is reported only once every invocation
 * it started has ended (a failed map run leaves its other children running, as Lambda does).
 */
async function execute(input: unknown, s3EndpointFor: (fn: string, payload: unknown) => string = () => s3.endpoint, options: Pick<ExecuteOptions, 'retryIntervalOverrides'> = {}) {
  const invocations: Invocation[] = [];
  const running = new Set<Promise<unknown>>();
  const invoke = async (arn: string, payload: unknown): Promise<LambdaOutcome> => {
    const fn = functionsByArn.get(arn);
    if (!fn) throw new Error(`the definition invokes ${arn}, not a function of the template`);
    if (!unpacked.has(fn)) unpacked.set(fn, unpackFunction(pkg, fn, '-sfn'));
    const task = await unpacked.get(fn)!;
    // The template's environment; the S3 endpoint and the credentials stand for the Lambda's role.
    const env = { ...functionEnvironment(pkg, fn, task), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', PMBT_S3_ENDPOINT: s3EndpointFor(fn, payload), PMBT_S3_FORCE_PATH_STYLE: '1' };
    const call = invokeBundle(pkg, fn, task, payload, env).catch((e: Error): LambdaOutcome => ({ ok: false, errorType: 'Runtime.ExitError', errorMessage: e.message }));
    running.add(call);
    const outcome = await call;
    invocations.push({ fn, payload, outcome });
    return outcome;
  };
  const getObject = async (bucket: string, key: string) => (await bucketReader(() => client, bucket).get(key)).toString('utf8');
  const t0 = Date.now();
  const execution = { name: `execution-${++executions}`, stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${pkg.resources.BacktestStateMachine.Properties.StateMachineName}` };
  const outcome: ExecutionOutcome = await executeDefinition(definition, input, { invoke, getObject, execution, ...options });
  await Promise.allSettled(running);
  console.info(`state machine execution: ${outcome.status} in ${Date.now() - t0} ms, ${invocations.length} invocations`);
  const of = (fn: string) => invocations.filter((i) => i.fn === fn);
  return { outcome, invocations, of };
}

/** The ItemBatcher's size in the packaged definition (the map children get this many manifest items). */
function itemsPerChild(): number {
  const map = Object.values(definition.States as Json).find((s) => s.Type === 'Map' && s.ItemReader);
  return (map!.ItemBatcher?.MaxItemsPerBatch as number | undefined) ?? 1;
}

/** Every Task state (the interpreter's retry overrides are keyed by their names), map processors' too. */
function taskStates(states: Json): [string, Json][] {
  return Object.entries(states).flatMap(([name, s]): [string, Json][] => [...(s.Type === 'Task' ? [[name, s] as [string, Json]] : []), ...(s.ItemProcessor ? taskStates(s.ItemProcessor.States as Json) : [])]);
}

const sortedJson = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();

beforeAll(async () => {
  [pkg, s3] = await Promise.all([packageService(), startS3Server({ buckets: [TEST_BUCKET] })]);
  client = s3.client();
  files = writeSmallJob();
  const put = (key: string, file: string) => client.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: readFileSync(file) }));
  await put('inputs/small/prices.arrow', files.job.prices as string);
  await put('inputs/small/portfolios.jsonl', files.job.portfolios as string);
  job = { ...files.job, prices: `s3://${TEST_BUCKET}/inputs/small/prices.arrow`, portfolios: `s3://${TEST_BUCKET}/inputs/small/portfolios.jsonl`, output: `s3://${TEST_BUCKET}/reports/` };
  // pmbt run's path (runJobLocally, one worker: the outputs are the same bytes for any number).
  await runJobLocally(parseJobSpec(job), { workers: 1, storeSettings: {}, locate: createLocator({}, () => client) });
  reference = await readReports();
  expect([...reference.keys()].sort()).toEqual(smallJobReportFiles().map((f) => JOB_PREFIX + f).sort());
  await clearJob();
  definition = readDefinition(pkg, 'BacktestStateMachine', resolveParam);
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  if (files) rmSync(files.dir, { recursive: true, force: true });
});

describe('the packaged state machine, executed by an ASL interpreter over the packaged functions', () => {
  it('runs plan → a child per manifest batch → merge as the definition routes them; the reports are pmbt run\'s bytes', async () => {
    const input = withRun(job);
    const { outcome, invocations, of } = await execute(input);
    expect(outcome, JSON.stringify(invocations.filter((i) => !i.outcome.ok))).toMatchObject({ status: 'SUCCEEDED' });
    expect(invocations.every((i) => i.outcome.ok)).toBe(true); // no retry was needed
    // Plan: the execution's input as its event (Payload.$: $), its result the map's input (OutputPath).
    const [plan] = of('plan');
    expect(of('plan')).toHaveLength(1);
    expect(plan!.payload).toMatchObject(input);
    const planned = (plan!.outcome as { result: Json }).result;
    // The map: one child per ItemBatcher group of the manifest the plan wrote, each group once.
    const manifest = JSON.parse((await get(planned.manifest.key as string)).toString()) as unknown[];
    expect(manifest.length).toBe(planned.batches);
    const size = itemsPerChild();
    const groups = Array.from({ length: Math.ceil(manifest.length / size) }, (_, i) => ({ Items: manifest.slice(i * size, (i + 1) * size) }));
    expect(sortedJson(of('replayBatch').map((i) => i.payload))).toEqual(sortedJson(groups));
    // Merge: the plan's job and output (the map's ResultPath null passed the plan's result on); its
    // result is the execution's output.
    expect(of('merge')).toHaveLength(1);
    expect(of('merge')[0]!.payload).toMatchObject({ jobId: planned.jobId, runId: input.run.runId, output: planned.output });
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: (of('merge')[0]!.outcome as { result: unknown }).result });
    expect(invocations).toHaveLength(2 + groups.length);
    expectSameReports(await readReports(), reference);
  });

  it('fails the execution with InputError on a bad job, without retrying the plan; nothing is written', async () => {
    // Prices that are not an Arrow file: the plan reads them to validate the job before any fan-out.
    const bad = { ...job, jobId: 'bad-prices', prices: job.portfolios };
    const { outcome, invocations } = await execute(withRun(bad));
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'InputError' });
    expect((outcome as { cause: string }).cause).toMatch(/inputs\/small\/portfolios\.jsonl: .*expected an Arrow IPC file/);
    expect(invocations.map((i) => i.fn)).toEqual(['plan']);
    expect(await listKeys('reports/bad-prices/')).toEqual([]);
  });

  it('retries a child whose S3 was unreachable (the definition\'s Retry: not an InputError, jittered backoff); the reports are still pmbt run\'s bytes', async () => {
    await clearJob();
    const dead = await deadEndpoint();
    let failed: unknown;
    // The first replayBatch invocation meets a dead S3 endpoint; every other one, the server.
    const { outcome, of } = await execute(withRun(job), (fn, payload) => {
      if (fn !== 'replayBatch' || failed !== undefined) return s3.endpoint;
      failed = payload;
      return dead;
    });
    expect(outcome.status).toBe('SUCCEEDED');
    const attempts = of('replayBatch').filter((i) => JSON.stringify(i.payload) === JSON.stringify(failed));
    expect(attempts.map((i) => i.outcome.ok)).toEqual([false, true]);
    expect((attempts[0]!.outcome as { errorType: string }).errorType).not.toBe('InputError');
    expect(of('merge')).toHaveLength(1);
    expectSameReports(await readReports(), reference);
  });

  it('fails the execution as a map run tolerating no failure does when a child keeps failing: retried, then no merge and no _SUCCESS', async () => {
    expect(await exists(`${JOB_PREFIX}_SUCCESS`)).toBe(true);
    const dead = await deadEndpoint();
    let failing: string | undefined;
    // Every attempt of the first child meets a dead S3. The pauses between attempts are made 0 ms
    // (the test above runs the definition's own backoff); their number is the definition's.
    const noPause = Object.fromEntries(taskStates(definition.States as Json).map(([name]) => [name, 0]));
    const { outcome, of } = await execute(withRun(job), (fn, payload) => {
      if (fn !== 'replayBatch') return s3.endpoint;
      failing ??= JSON.stringify(payload);
      return JSON.stringify(payload) === failing ? dead : s3.endpoint;
    }, { retryIntervalOverrides: noPause });
    expect(outcome).toMatchObject({ status: 'FAILED', error: TOLERATED_FAILURE_ERROR });
    // The error the job service and `pmbt run-via-handlers` report for a failed map (docs/serverless.md).
    expect(TOLERATED_FAILURE_ERROR).toBe(MAP_FAILURE_ERROR);
    const attempts = of('replayBatch').filter((i) => JSON.stringify(i.payload) === failing);
    expect(attempts).toHaveLength(1 + STEP_RETRY.maxAttempts);
    expect(attempts.every((i) => !i.outcome.ok && i.outcome.errorType !== 'InputError')).toBe(true);
    expect(of('merge')).toEqual([]);
    expect(await exists(`${JOB_PREFIX}_SUCCESS`)).toBe(false);
  });

  it('invokes only the template\'s functions, each through the lambda:invoke integration', () => {
    const tasks = taskStates(definition.States as Json);
    expect(tasks.map(([, s]) => s.Resource)).toEqual(tasks.map(() => LAMBDA_INVOKE));
    expect([...new Set(functionsByArn.values())].sort()).toEqual(['merge', 'plan', 'replayBatch']);
  });
});
