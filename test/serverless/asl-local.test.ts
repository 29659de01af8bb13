// What test/serverless/asl-local.ts adds to aws-local-stepfunctions, on small definitions shaped like
// ours (no packaging): that the interpreter alone cannot run a Distributed Map over an ItemReader
// (the day it can, this fails and the emulation should go), that the emulation reads and batches as
// the ItemReader and ItemBatcher do, fails as a map run tolerating no failure does, and refuses
// what it does not emulate.
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { emulateDistributedMaps, executeDefinition, LAMBDA_INVOKE, TOLERATED_FAILURE_ERROR, type ExecuteOptions } from './asl-local.js';
import type { Json, LambdaOutcome } from './packaged.js';

const RETRY = [{ ErrorEquals: ['InputError'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }];
const invokeTask = (fn: string, payload: Json | string, next?: string) => ({
  Type: 'Task', Resource: LAMBDA_INVOKE, Parameters: { FunctionName: fn, ...(typeof payload === 'string' ? { 'Payload.$': payload } : { Payload: payload }) },
  OutputPath: '$.Payload', Retry: RETRY, ...(next ? { Next: next } : { End: true }),
});

/** Plan → a Distributed Map over the plan's manifest → Merge, as serverless.yml has it. */
function definition(map: Json = {}): Json {
  return {
    StartAt: 'Plan',
    States: {
      Plan: invokeTask('plan', '$', 'Batches'),
      Batches: {
        Type: 'Map',
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', 'Key.$': '$.manifest' } },
        ItemBatcher: { MaxItemsPerBatch: 2 },
        MaxConcurrency: 10,
        ToleratedFailurePercentage: 0,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Child', States: { Child: invokeTask('child', '$') } },
        ResultPath: null,
        Next: 'Merge',
        ...map,
      },
      Merge: invokeTask('merge', { 'job.$': '$.job' }),
    },
  };
}

/** Functions that record their events; `child` fails as `failChild` says. */
function fakes(failChild: (event: Json) => string | undefined = () => undefined) {
  const calls: [string, unknown][] = [];
  const reads: string[] = [];
  const options: ExecuteOptions = {
    invoke: async (fn, payload): Promise<LambdaOutcome> => {
      calls.push([fn, payload]);
      if (fn === 'plan') return { ok: true, result: { job: 'j', manifest: 'm.json' } };
      const error = fn === 'child' ? failChild(payload as Json) : undefined;
      return error ? { ok: false, errorType: error, errorMessage: 'no' } : { ok: true, result: { done: fn } };
    },
    getObject: async (bucket, key) => {
      reads.push(`${bucket}/${key}`);
      return JSON.stringify([1, 2, 3, 4, 5]);
    },
    retryIntervalOverrides: { Child: 0 },
  };
  return { calls, reads, options };
}

describe('aws-local-stepfunctions with the emulated Distributed Map', () => {
  it('the interpreter alone cannot read a Map\'s items from an ItemReader', async () => {
    const { options } = fakes();
    // As asl-local.ts would call them, but with the interpreter's own Map.
    const handler = (fn: string) => async (input: any) => ({ Payload: ((await options.invoke(fn, input.Payload)) as { result: Json }).result });
    const run = new StateMachine(definition() as StateMachineDefinition).run({ x: 1 }, { overrides: { taskResourceLocalHandlers: { Plan: handler('plan'), Child: handler('child'), Merge: handler('merge') } } });
    await expect(run.result).rejects.toMatchObject({ cause: { message: 'Input of Map state must be an array or ItemsPath property must point to an array' } });
  });

  it('reads the manifest the Map\'s input names, hands each child a batch of items, passes the Map\'s input on', async () => {
    const { calls, reads, options } = fakes();
    const outcome = await executeDefinition(definition(), { x: 1 }, options);
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: { done: 'merge' } });
    expect(reads).toEqual(['b/m.json']);
    expect(calls[0]).toEqual(['plan', { x: 1 }]);
    expect(calls.filter(([fn]) => fn === 'child').map(([, p]) => p)).toEqual(expect.arrayContaining([{ Items: [1, 2] }, { Items: [3, 4] }, { Items: [5] }]));
    expect(calls).toHaveLength(5);
    expect(calls.at(-1)).toEqual(['merge', { job: 'j' }]);
  });

  it('resolves the ItemBatcher\'s BatchInput against the Map\'s input; names the execution in the Context Object', async () => {
    const { calls, options } = fakes();
    const def = definition({ ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'job.$': '$.job', 'run.$': '$$.Execution.Name' } } });
    def.States.Plan.Parameters = { FunctionName: 'plan', Payload: { 'id.$': '$$.Execution.Id', 'machine.$': '$$.StateMachine.Name' } };
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:sm';
    expect((await executeDefinition(def, {}, { ...options, execution: { name: 'e1', stateMachineArn: arn } })).status).toBe('SUCCEEDED');
    expect(calls[0]).toEqual(['plan', { id: 'arn:aws:states:us-east-1:000000000000:execution:sm:e1', machine: 'sm' }]);
    const batch = { BatchInput: { job: 'j', run: 'e1' } };
    expect(calls.filter(([fn]) => fn === 'child').map(([, p]) => p)).toEqual(expect.arrayContaining([{ ...batch, Items: [1, 2, 3] }, { ...batch, Items: [4, 5] }]));
  });

  it('without an ItemBatcher, hands each child one item', async () => {
    const { calls, options } = fakes();
    const { ItemBatcher: _, ...map } = definition().States.Batches as Json;
    const withoutBatcher = { ...definition(), States: { ...definition().States, Batches: map } };
    expect((await executeDefinition(withoutBatcher, {}, options)).status).toBe('SUCCEEDED');
    expect(calls.filter(([fn]) => fn === 'child').map(([, p]) => p).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('retries a failing child as its Retry says, then fails the execution as Step Functions fails the map run', async () => {
    const { calls, options } = fakes((event) => ((event.Items as number[]).includes(3) ? 'Lambda.ServiceException' : undefined));
    const outcome = await executeDefinition(definition(), {}, options);
    expect(outcome).toEqual({ status: 'FAILED', error: TOLERATED_FAILURE_ERROR, cause: 'The specified tolerated failure threshold was exceeded' });
    expect(calls.filter(([fn, p]) => fn === 'child' && JSON.stringify(p) === '{"Items":[3,4]}')).toHaveLength(4);
    expect(calls.some(([fn]) => fn === 'merge')).toBe(false);
  });

  it('never retries an InputError', async () => {
    const { calls, options } = fakes((event) => ((event.Items as number[]).includes(5) ? 'InputError' : undefined));
    expect(await executeDefinition(definition(), {}, options)).toMatchObject({ status: 'FAILED', error: TOLERATED_FAILURE_ERROR });
    expect(calls.filter(([fn, p]) => fn === 'child' && JSON.stringify(p) === '{"Items":[5]}')).toHaveLength(1);
  });

  it('refuses what it does not emulate', () => {
    expect(() => emulateDistributedMaps(definition({ ToleratedFailurePercentage: 5 }))).toThrow(/Batches: a tolerated failure above 0 is not emulated/);
    expect(() => emulateDistributedMaps(definition({ ItemSelector: { 'v.$': '$$.Map.Item.Value' } }))).toThrow(/Batches: ItemSelector beside an ItemReader/);
    expect(() => emulateDistributedMaps(definition({ ItemBatcher: { MaxItemsPerBatch: 2, MaxInputBytesPerBatch: 1024 } }))).toThrow(/Batches: ItemBatcher/);
    expect(() => emulateDistributedMaps(definition({ ResultWriter: { Resource: 'arn:aws:states:::s3:putObject' } }))).toThrow(/Batches: ResultWriter/);
    const csv = definition();
    csv.States.Batches.ItemReader.ReaderConfig = { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' };
    expect(() => emulateDistributedMaps(csv)).toThrow(/Batches: ReaderConfig/);
  });

  it('refuses a Task resource other than lambda:invoke, and lambda:invoke parameters other than FunctionName and Payload', async () => {
    const sqs = definition();
    sqs.States.Merge.Resource = 'arn:aws:states:::sqs:sendMessage';
    await expect(executeDefinition(sqs, {}, fakes().options)).rejects.toThrow(/Merge: Task resource arn:aws:states:::sqs:sendMessage is not emulated/);
    const async = definition();
    async.States.Merge.Parameters.InvocationType = 'Event';
    await expect(executeDefinition(async, {}, fakes().options)).rejects.toThrow(/Merge: lambda:invoke parameters InvocationType is not emulated/);
  });
});
