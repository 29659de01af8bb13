// Executes an Amazon States Language definition with aws-local-stepfunctions (docs/testing.md says
// why this interpreter), its Task states calling functions the caller provides. The interpreter runs
// the states, paths, payload templates, Retry (error matching, MaxAttempts, backoff, jitter) and
// Catch of the definition as written; this module supplies only what it lacks, in plain ASL where
// it can, and refuses (throws) any definition whose features it would have to guess:
//
// - Task resources: the interpreter only calls Lambda ARNs itself. `arn:aws:states:::lambda:invoke`
//   (the optimized integration our definition uses) is done here as Step Functions does it: the
//   resolved `Parameters` give FunctionName and Payload, the result is `{ Payload, StatusCode, ... }`,
//   a function error fails the task with the function's errorType as the error name.
// - The Distributed Map's ItemReader and ItemBatcher: unsupported (the interpreter's Map reads its
//   items from its input or ItemsPath). Each such Map gets a Task state before it, with the
//   ItemReader's Resource and Parameters (so the interpreter resolves `Key.$` against the Map's
//   input, and the ItemBatcher's BatchInput with them), that reads the object, groups the items as
//   the ItemBatcher would (`{ "BatchInput"?, "Items": [...] }`) and hands them to the Map through the
//   Context Object (`ItemsPath: $$.…`), leaving the data flow of the definition untouched (the
//   reader's ResultPath is null).
// - The Context Object's Execution (Id, Name) and StateMachine fields, which the interpreter leaves
//   out, when the caller names the execution.
// - ToleratedFailurePercentage / ToleratedFailureCount: unsupported (a failed child fails the Map
//   with the child's own error). With none tolerated, Step Functions fails the map run with
//   States.ExceedToleratedFailureThreshold; the Map gets a Catch that turns any failure into that
//   error through a Fail state.
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Json, LambdaOutcome } from './packaged.js';

// aws-local-stepfunctions 3 declares Node ≥ 22; the one Node 22 API its Node build calls is
// Promise.withResolvers (every Task state's timeout), so on Node 20 it gets the standard one.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const S3_GET_OBJECT = 'arn:aws:states:::s3:getObject';
/** What Step Functions reports when a map run fails more children than it tolerates. */
export const TOLERATED_FAILURE_ERROR = 'States.ExceedToleratedFailureThreshold';
const TOLERATED_FAILURE_CAUSE = 'The specified tolerated failure threshold was exceeded';
/** Where the emulated item readers leave the items, in the Context Object. */
const CONTEXT_KEY = 'EmulatedItemReaders';

export interface ExecuteOptions {
  /** Invokes a function (the FunctionName of a lambda:invoke task) with a payload. */
  invoke(functionName: string, payload: unknown): Promise<LambdaOutcome>;
  /** An object's text, as the ItemReader reads it (with the state machine's role). */
  getObject(bucket: string, key: string): Promise<string>;
  /** The interpreter's override of Retry pauses, in ms, by state name. */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** The execution's name and its state machine's ARN, for the Context Object (`$$.Execution.Name`, ...). */
  execution?: { name: string; stateMachineArn: string };
}

export type ExecutionOutcome = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string };

/** How an emulated item reader reads and groups: the Map's ItemReader and ItemBatcher. */
interface ItemReaderEmulation {
  mapState: string;
  maxItemsPerBatch: number | undefined;
}

function refuse(state: string, what: string): never {
  throw new Error(`${state}: ${what} is not emulated (test/serverless/asl-local.ts)`);
}

/** Checks that the Map's ItemReader, ItemBatcher and failure tolerance are what the emulation does. */
function readEmulation(name: string, map: Json): ItemReaderEmulation {
  const reader = map.ItemReader as Json;
  if (reader.Resource !== S3_GET_OBJECT) refuse(name, `ItemReader resource ${reader.Resource}`);
  if (reader.ReaderConfig?.InputType !== 'JSON' || Object.keys(reader.ReaderConfig).length !== 1) refuse(name, `ReaderConfig ${JSON.stringify(reader.ReaderConfig)}`);
  const batcher = map.ItemBatcher as Json | undefined;
  const batcherFields = Object.keys(batcher ?? {}).filter((k) => k !== 'BatchInput');
  if (batcher && (batcherFields.join() !== 'MaxItemsPerBatch' || !Number.isSafeInteger(batcher.MaxItemsPerBatch))) refuse(name, `ItemBatcher ${JSON.stringify(batcher)}`);
  // InputPath would also apply to the reader's Parameters, and an ItemSelector to each item before
  // batching (the interpreter would apply it to each batch): neither is emulated, nor the rest.
  for (const field of ['InputPath', 'ItemSelector', 'Parameters', 'ItemsPath', 'Catch', 'Retry', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath', 'ResultWriter']) if (field in map) refuse(name, `${field} beside an ItemReader`);
  if ((map.ToleratedFailurePercentage ?? 0) !== 0 || (map.ToleratedFailureCount ?? 0) !== 0) refuse(name, 'a tolerated failure above 0');
  return { mapState: name, maxItemsPerBatch: batcher?.MaxItemsPerBatch as number | undefined };
}

/** Points every transition to `from` (StartAt, Next, Default, a choice's or a catcher's Next) at `to`. */
function redirect(machine: Json, from: string, to: string): void {
  if (machine.StartAt === from) machine.StartAt = to;
  for (const state of Object.values(machine.States as Json)) {
    for (const t of [state, ...((state.Choices ?? []) as Json[]), ...((state.Catch ?? []) as Json[])]) if (t.Next === from) t.Next = to;
    if (state.Default === from) state.Default = to;
  }
}

/** The definition's machines: the top level, each Map's processor, each Parallel's branches. */
function machinesOf(definition: Json): Json[] {
  const found: Json[] = [definition];
  for (const state of Object.values(definition.States as Json)) {
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) found.push(...machinesOf(inner));
    for (const branch of (state.Branches ?? []) as Json[]) found.push(...machinesOf(branch));
  }
  return found;
}

/**
 * The definition the interpreter runs: each Map with an ItemReader preceded by a reader Task state
 * (`<Map> ItemReader`) and failing as Step Functions fails a map run that tolerates no failure.
 * Returns it with the reader states' emulations, by reader state name.
 */
export function emulateDistributedMaps(original: Json): { definition: Json; readers: Map<string, ItemReaderEmulation> } {
  const definition = structuredClone(original);
  const readers = new Map<string, ItemReaderEmulation>();
  for (const machine of machinesOf(definition)) {
    const states = machine.States as Json;
    for (const [name, map] of Object.entries(states)) {
      if (map.Type !== 'Map' || !map.ItemReader) continue;
      const emulation = readEmulation(name, map);
      const readerName = `${name} ItemReader`;
      const failName = `${name} ExceedToleratedFailureThreshold`;
      if (readerName in states || failName in states) refuse(name, 'a state named like the emulation\'s');
      redirect(machine, name, readerName);
      // The batcher's BatchInput is a payload template over the map's input too: resolved with the reader's.
      const batchInput = map.ItemBatcher?.BatchInput === undefined ? {} : { BatchInput: map.ItemBatcher.BatchInput };
      states[readerName] = { Type: 'Task', Resource: S3_GET_OBJECT, Parameters: { ...map.ItemReader.Parameters, ...batchInput }, ResultPath: null, Next: name };
      states[failName] = { Type: 'Fail', Error: TOLERATED_FAILURE_ERROR, Cause: TOLERATED_FAILURE_CAUSE };
      for (const field of ['ItemReader', 'ItemBatcher', 'ToleratedFailurePercentage', 'ToleratedFailureCount']) delete map[field];
      map.ItemsPath = `$$.${CONTEXT_KEY}['${readerName}']`;
      map.Catch = [{ ErrorEquals: ['States.ALL'], Next: failName }];
      readers.set(readerName, emulation);
    }
  }
  return { definition, readers };
}

/** An error as the interpreter matches it (by name) and Step Functions reports it (error, cause). */
function taskError(name: string, cause: string): Error {
  const e = new Error(cause);
  e.name = name;
  return e;
}

/** The lambda:invoke integration: `{ FunctionName, Payload }` in, `{ Payload, StatusCode, ... }` out. */
function lambdaInvokeTask(options: ExecuteOptions) {
  return async (input: unknown) => {
    const { FunctionName, Payload } = input as Json;
    const outcome = await options.invoke(FunctionName as string, Payload);
    // Step Functions' error is the function's errorType; its cause the function's error as JSON.
    if (!outcome.ok) throw taskError(outcome.errorType, JSON.stringify({ errorType: outcome.errorType, errorMessage: outcome.errorMessage }));
    return { ExecutedVersion: '$LATEST', Payload: outcome.result, StatusCode: 200 } as Json;
  };
}

/** The emulated ItemReader (+ ItemBatcher): reads the JSON array and leaves the Map its children's inputs. */
function itemReaderTask(emulation: ItemReaderEmulation, readerName: string, store: Record<string, unknown[]>, options: ExecuteOptions) {
  return async (input: unknown) => {
    const { Bucket, Key, BatchInput } = input as { Bucket: string; Key: string; BatchInput?: unknown };
    const items = JSON.parse(await options.getObject(Bucket, Key)) as unknown;
    if (!Array.isArray(items)) throw taskError('States.ItemReaderFailed', `s3://${Bucket}/${Key} is not a JSON array`);
    const size = emulation.maxItemsPerBatch;
    const batch = (i: number) => ({ ...(BatchInput === undefined ? {} : { BatchInput }), Items: items.slice(i * size!, (i + 1) * size!) });
    store[readerName] = size === undefined ? items : Array.from({ length: Math.ceil(items.length / size) }, (_, i) => batch(i));
    return {};
  };
}

/** A local handler for every Task state; a resource this module does not emulate is refused. */
function taskHandlers(definition: Json, readers: Map<string, ItemReaderEmulation>, store: Record<string, unknown[]>, options: ExecuteOptions) {
  const handlers: Record<string, (input: any) => Promise<any>> = {};
  for (const { States: states } of machinesOf(definition)) {
    for (const [name, state] of Object.entries(states as Json)) {
      if (state.Type !== 'Task') continue;
      // The interpreter's overrides are keyed by state name, so names must not repeat across levels.
      if (name in handlers) refuse(name, 'a Task state name used twice');
      const reader = readers.get(name);
      if (reader) handlers[name] = itemReaderTask(reader, name, store, options);
      else if (state.Resource === LAMBDA_INVOKE) {
        // Anything but the function and the payload (InvocationType, Qualifier, ...) would change the call.
        const extra = Object.keys(state.Parameters ?? {}).map((k) => k.replace(/\.\$$/, '')).filter((k) => k !== 'FunctionName' && k !== 'Payload');
        if (extra.length > 0) refuse(name, `lambda:invoke parameters ${extra.join(', ')}`);
        handlers[name] = lambdaInvokeTask(options);
      }
      else refuse(name, `Task resource ${state.Resource}`);
    }
  }
  return handlers;
}

/** What Step Functions puts in the Context Object about the execution (the interpreter adds Input and StartTime). */
function contextObject(execution: ExecuteOptions['execution']): Json {
  if (!execution) return {};
  const { name, stateMachineArn } = execution;
  return {
    Execution: { Id: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`, Name: name, RedriveCount: 0 },
    StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').at(-1) },
  };
}

/**
 * Runs `definition` (as deployed: it is validated as it is first) on `input` and reports how the
 * execution ended, as Step Functions would: SUCCEEDED with the output, or FAILED with error and cause.
 */
export async function executeDefinition(original: Json, input: unknown, options: ExecuteOptions): Promise<ExecutionOutcome> {
  new StateMachine(original as StateMachineDefinition); // throws when the interpreter's validator rejects the deployed definition
  const { definition, readers } = emulateDistributedMaps(original);
  const store: Record<string, unknown[]> = {};
  const machine = new StateMachine(definition as StateMachineDefinition);
  const execution = machine.run(input as Json, {
    overrides: { taskResourceLocalHandlers: taskHandlers(definition, readers, store, options), retryIntervalOverrides: options.retryIntervalOverrides ?? {} },
    context: { ...contextObject(options.execution), [CONTEXT_KEY]: store },
  });
  try {
    return { status: 'SUCCEEDED', output: await execution.result };
  } catch (e) {
    if (!(e instanceof ExecutionError)) throw e;
    const cause = e.cause as Error;
    return { status: 'FAILED', error: cause.name, cause: cause.message };
  }
}
