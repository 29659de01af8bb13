import { InputError } from '../domain/errors.js';
import { describeValue, joinPath, parseJsonText, readArray, readObject, readString, rejectUnknownKeys } from '../domain/json-fields.js';
import { joinKey } from '../io/store/keys.js';
import { parseLocation } from '../io/store/location.js';
import { DATASET_FOLDERS } from '../records/dataset.js';
import type { Locate } from '../io/store/open.js';
import type { ObjectStore } from '../io/store/types.js';
import { buildBatchContext, type BatchContext } from './context.js';
import { readPricesBytes, readRuleDocuments, sha256, streamPortfolioDocuments, type InputChecksum } from './inputs.js';
import { JOB_ID_PATTERN, parseJobSpec, renderJobSpec, type JobSpec } from './job.js';
import { readJobThresholds, renderJobThresholds } from '../records/summary.js';
import { checkLeaseHeld, JobLeaseError, readRunId, readRunIdentity, releaseLease, systemLeaseClock, takeLease, newLease, type RunIdentity } from './lease.js';
import { mergeJob, partRunOf, readJobSummary, SUCCESS_MARKER, type JobFacts, type JobTotals } from './merge.js';
import { rejectFileOutput } from './output-folder.js';
import { planBatches } from './plan.js';
import { replayBatch, writeBatchShare, type BatchItem } from './run-batch.js';

// The job split into steps that separate processes can run, as the deployed state machine does
// (docs/serverless.md): plan → replayPlannedBatch for every manifest item, in any order and any
// number of times → mergePlannedJob. Each step reads everything it needs from the job's own prefix,
// so a step needs only the job's output URI and id. These are the same plan → replayBatch → merge
// steps as runJobLocally, so the outputs are the same bytes.

/** One Distributed Map item: a batch of a planned job. */
export interface BatchManifestItem {
  jobId: string;
  /** The run that planned it: a batch of an older run finds a newer plan and refuses it. */
  runId: string;
  /** The job's `output` (the folder that holds `jobId/`). */
  output: string;
  batch: number;
}

export interface PlanResult {
  jobId: string;
  runId: string;
  output: string;
  /** `output/jobId` as a URI. */
  jobUri: string;
  batches: number;
  portfolios: number;
  /** The JSON array of BatchManifestItem the Distributed Map reads; bucket is null for a local store. */
  manifest: { uri: string; bucket: string | null; key: string };
}

export interface BatchRunResult {
  jobId: string;
  batch: number;
  portfolios: number;
  portfolioSteps: number;
  replayMs: number;
}

export interface MergeResult {
  jobId: string;
  runId: string;
  jobUri: string;
  totals: JobTotals;
}

/** What the plan records for the batches and the merge (`_plan/job.json`, version 1). */
interface JobPlanDocument {
  version: 1;
  job: Record<string, unknown>;
  run: RunIdentity;
  batches: number;
  portfolioCount: number;
  inputs: JobFacts['inputs'];
  rulesSources: string[];
  /** What the report needs from the rules, so the merge never reads rule files (its package has none). */
  thresholds: JobFacts['thresholds'];
  window: JobFacts['window'];
}

const PLAN_FOLDER = '_plan';

/**
 * A deployed run's lease lasts as long as the state machine may run (TimeoutSeconds in
 * serverless.yml): the plan takes it, the merge releases it, and a run that failed in between is
 * cleared by the API when it starts the job again (it knows the execution ended), or expires.
 */
export const DISTRIBUTED_LEASE_TTL_SECONDS = 24 * 3600;
export const planKey = (jobKey: string, file: string) => joinKey(jobKey, PLAN_FOLDER, file);
export const planBatchKey = (jobKey: string, batch: number) => planKey(jobKey, `batch-${String(batch).padStart(6, '0')}.jsonl`);
export const JOB_PLAN_FILE = 'job.json';
export const MANIFEST_FILE = 'manifest.json';

/** Our own small files; a batch's documents are bounded by what planBatches put there. */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;
const MAX_BATCH_FILE_BYTES = 1024 * 1024 * 1024;
/** Objects written or deleted at once by the plan (S3 requests are latency-bound). */
const PLAN_IO_CONCURRENCY = 16;

export function locateJob(locate: Locate, output: string, jobId: string): { store: ObjectStore; jobKey: string } {
  const { store, key } = locate(output);
  return { store, jobKey: joinKey(key, jobId) };
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects. */
export async function forEachLimited<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const p: Promise<void> = task(item).then(
      () => { running.delete(p); },
      (error: unknown) => { running.delete(p); failure ??= { error }; },
    );
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}

async function deleteFolder(store: ObjectStore, folder: string): Promise<void> {
  // Collect first: deleting while paginating a listing can skip keys on some stores.
  const keys: string[] = [];
  for await (const k of store.list(folder)) keys.push(k);
  await forEachLimited(keys, PLAN_IO_CONCURRENCY, (k) => store.delete(k));
}

/**
 * Removes what a previous run of the job left, for the run holding its lease: the marker first
 * (from here until the new one the outputs are incomplete), run.json (that run's timings), the
 * temporary files of a run killed mid-write (a local store), and every batch file and plan.
 */
export async function clearPreviousRun(store: ObjectStore, jobKey: string): Promise<void> {
  await store.delete(joinKey(jobKey, SUCCESS_MARKER));
  await store.delete(joinKey(jobKey, 'run.json'));
  await store.removeTemporaryFiles?.(jobKey);
  const folders = new Set<string>([...Object.values(DATASET_FOLDERS).map((f) => f.folder), '_parts', PLAN_FOLDER]);
  for (const folder of folders) await deleteFolder(store, joinKey(jobKey, folder));
}

/**
 * Plans a job: validates it by loading what every batch will load (prices, rules: a bad input fails
 * here, before any fan-out or write), takes the job's lease for `run`, removes the previous run's marker, parts and plan, streams the
 * portfolios into batch files `_plan/batch-NNNNNN.jsonl`, then writes `_plan/job.json` (what the
 * merge needs) and, last, `_plan/manifest.json` (the Distributed Map's items).
 */
export async function planJob(spec: JobSpec, run: RunIdentity, locate: Locate): Promise<PlanResult> {
  const { store, jobKey } = locateJob(locate, spec.output, spec.jobId);
  await rejectFileOutput(store, jobKey, spec.output);
  // Bad inputs fail here, before the job's folder is touched (no lease, nothing written).
  const prices = await readPricesBytes(locate, spec.prices);
  const rules = await readRuleDocuments(locate, spec.rules);
  const ctx = buildBatchContext(spec, prices.bytes, rules.documents);
  // Before anything of the job is written: a running job is refused here, and a retried plan of
  // this same run finds its own lease.
  const clock = systemLeaseClock();
  await takeLease(store, jobKey, newLease(spec.jobId, run, { ttlMs: DISTRIBUTED_LEASE_TTL_SECONDS * 1000 }, clock.now), clock);
  await clearPreviousRun(store, jobKey);

  const portfolios = streamPortfolioDocuments(locate, spec.portfolios);
  const items: BatchManifestItem[] = [];
  let count = 0;
  await forEachLimited(planBatches(portfolios.items, spec.batchSize, spec.portfolios), PLAN_IO_CONCURRENCY, async (planned) => {
    items.push({ jobId: spec.jobId, runId: run.runId, output: spec.output, batch: planned.batch });
    count += planned.items.length;
    await store.write(planBatchKey(jobKey, planned.batch), renderBatchItems(planned.items));
  });
  items.sort((a, b) => a.batch - b.batch);

  const tl = ctx.timeline;
  const plan: JobPlanDocument = {
    version: 1,
    job: renderJobSpec(spec),
    run,
    batches: items.length,
    portfolioCount: count,
    inputs: { prices: prices.checksum, portfolios: portfolios.checksum(), rules: rules.checksums },
    rulesSources: ctx.rules.base.sources,
    thresholds: renderJobThresholds(ctx.rules.base.thresholds, spec.rules),
    window: { from: tl.from, to: tl.to, steps: tl.stepTimes.length },
  };
  await store.write(planKey(jobKey, JOB_PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
  const manifestKey = planKey(jobKey, MANIFEST_FILE);
  await store.write(manifestKey, `[\n${items.map((i) => JSON.stringify(i)).join(',\n')}\n]\n`);
  const location = parseLocation(spec.output);
  return {
    jobId: spec.jobId,
    runId: run.runId,
    output: spec.output,
    jobUri: store.uriOf(jobKey),
    batches: items.length,
    portfolios: count,
    manifest: { uri: store.uriOf(manifestKey), bucket: location.kind === 's3' ? location.bucket : null, key: manifestKey },
  };
}

/** One BatchItem per line; JSON keeps everything a planned item holds (documents are JSON). */
function renderBatchItems(items: readonly BatchItem[]): string {
  return items.map((i) => `${JSON.stringify(i)}\n`).join('');
}

function parseBatchItems(text: string, src: string): BatchItem[] {
  return text.split('\n').filter((l) => l.length > 0).map((line, n) => {
    const o = readObject(src, `line ${n + 1}`, parseJsonText(src, line));
    rejectUnknownKeys(src, `line ${n + 1}`, o, ['index', 'doc', 'error']);
    if (typeof o.index !== 'number' || !Number.isSafeInteger(o.index) || o.index < 0) throw new InputError(src, `line ${n + 1}.index`, 'a whole number ≥ 0', describeValue(o.index));
    const item: BatchItem = { index: o.index };
    if (o.doc !== undefined) item.doc = readObject(src, `line ${n + 1}.doc`, o.doc);
    if (o.error !== undefined) item.error = readString(src, `line ${n + 1}.error`, o.error);
    return item;
  });
}

function readChecksum(src: string, path: string, v: unknown): InputChecksum {
  const o = readObject(src, path, v);
  if (typeof o.uri !== 'string' || typeof o.bytes !== 'number' || typeof o.sha256 !== 'string') throw new InputError(src, path, '{uri, bytes, sha256}', describeValue(v));
  return { uri: o.uri, bytes: o.bytes, sha256: o.sha256 };
}

/** Reads `_plan/job.json` back as the merge's JobFacts; `digest` identifies this plan. */
export async function readJobPlan(store: ObjectStore, jobKey: string, jobId: string): Promise<{ facts: JobFacts; digest: string }> {
  const key = planKey(jobKey, JOB_PLAN_FILE);
  const src = store.uriOf(key);
  let bytes: Uint8Array;
  try {
    bytes = await store.read(key, { maxBytes: MAX_PLAN_BYTES });
  } catch (e) {
    if (e instanceof InputError) throw new InputError(src, '', `the plan of job ${jobId} (run the plan step first)`, 'no such object');
    throw e;
  }
  const o = readObject(src, '', parseJsonText(src, new TextDecoder().decode(bytes)));
  if (o.version !== 1) throw new InputError(src, 'version', '1', describeValue(o.version));
  const spec = parseJobSpec(o.job, `${src} job`);
  if (spec.jobId !== jobId) throw new InputError(src, 'job.jobId', `"${jobId}"`, describeValue(spec.jobId));
  const inputs = readObject(src, 'inputs', o.inputs);
  const window = readObject(src, 'window', o.window);
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!isCount(o.batches) || !isCount(o.portfolioCount)) throw new InputError(src, 'batches', 'whole numbers batches and portfolioCount', describeValue(o.batches));
  if (typeof window.from !== 'number' || typeof window.to !== 'number' || !isCount(window.steps)) throw new InputError(src, 'window', '{from, to, steps}', describeValue(o.window));
  return {
    digest: sha256(bytes),
    facts: {
      spec,
      run: readRunIdentity(src, 'run', o.run),
      batches: o.batches,
      portfolioCount: o.portfolioCount,
      inputs: {
        prices: readChecksum(src, 'inputs.prices', inputs.prices),
        portfolios: readChecksum(src, 'inputs.portfolios', inputs.portfolios),
        rules: readArray(src, 'inputs.rules', inputs.rules).map((r, i) => readChecksum(src, `inputs.rules[${i}]`, r)),
      },
      rulesSources: readArray(src, 'rulesSources', o.rulesSources).map((s, i) => readString(src, `rulesSources[${i}]`, s)),
      thresholds: readJobThresholds(o.thresholds, src, 'thresholds'),
      window: { from: window.from, to: window.to, steps: window.steps },
    },
  };
}

function checkUnchanged(planned: InputChecksum, now: InputChecksum): void {
  if (planned.sha256 !== now.sha256 || planned.bytes !== now.bytes || planned.uri !== now.uri) {
    throw new InputError(now.uri, '', `the input the plan read (${planned.bytes} bytes, sha256 ${planned.sha256}); it changed after planning, so start the job again`, `${now.bytes} bytes, sha256 ${now.sha256}`);
  }
}

/** The context of the last plan this process replayed (a warm Lambda reuses it across batches). */
let cachedContext: { digest: string; ctx: Promise<BatchContext> } | undefined;

/** Reads of an input whose size and SHA-256 the plan recorded, first one included. */
export const PLANNED_READ_ATTEMPTS = 3;

const sameBytes = (a: InputChecksum, b: InputChecksum) => a.sha256 === b.sha256 && a.bytes === b.bytes;

/**
 * Reads the planned inputs again while their bytes differ from the plan's record: a body the store
 * could not verify (a multipart object with no checksum) may have been cut in transit. A difference
 * that stays is the input having changed (checkUnchanged then refuses it, naming the URI).
 */
async function readAsPlanned<T>(read: () => Promise<T>, matches: (got: T) => boolean): Promise<T> {
  let got = await read();
  for (let attempt = 1; attempt < PLANNED_READ_ATTEMPTS && !matches(got); attempt++) got = await read();
  return got;
}

async function buildPlannedContext(facts: JobFacts, locate: Locate): Promise<BatchContext> {
  const prices = await readAsPlanned(() => readPricesBytes(locate, facts.spec.prices), (p) => sameBytes(facts.inputs.prices, p.checksum));
  checkUnchanged(facts.inputs.prices, prices.checksum);
  const rules = await readAsPlanned(
    () => readRuleDocuments(locate, facts.spec.rules),
    (r) => r.checksums.length === facts.inputs.rules.length && r.checksums.every((c, i) => sameBytes(facts.inputs.rules[i]!, c)),
  );
  if (rules.checksums.length !== facts.inputs.rules.length) throw new InputError('rules', '', `${facts.inputs.rules.length} rule files as planned`, String(rules.checksums.length));
  rules.checksums.forEach((c, i) => checkUnchanged(facts.inputs.rules[i]!, c));
  return buildBatchContext(facts.spec, prices.bytes, rules.documents);
}

/** One context per plan and process, shared by concurrent batches of the same plan. */
function loadBatchContext(facts: JobFacts, digest: string, locate: Locate): Promise<BatchContext> {
  if (cachedContext?.digest !== digest) {
    const entry = { digest, ctx: buildPlannedContext(facts, locate) };
    // A failed load is not kept: the next batch (or a retry) loads again.
    entry.ctx.catch(() => { if (cachedContext === entry) cachedContext = undefined; });
    cachedContext = entry;
  }
  return cachedContext.ctx;
}

/**
 * Replays one planned batch and writes its share of the reports (dataset files, its partial last).
 * Running it again, after a crash or not, rewrites the same bytes.
 */
export async function replayPlannedBatch(item: BatchManifestItem, locate: Locate): Promise<BatchRunResult> {
  const { store, jobKey } = locateJob(locate, item.output, item.jobId);
  const { facts, digest } = await readJobPlan(store, jobKey, item.jobId);
  if (facts.spec.output !== item.output) throw new InputError('item', 'output', `the job's output ${JSON.stringify(facts.spec.output)}`, JSON.stringify(item.output));
  if (facts.run.runId !== item.runId) throw new JobLeaseError(`batch ${item.batch} of run ${item.runId}: job ${item.jobId} has been planned again by run ${facts.run.runId} (started by ${facts.run.startedBy}); this run's batch is not replayed`);
  if (item.batch >= facts.batches) throw new InputError('item', 'batch', `a batch of job ${item.jobId} (0 to ${facts.batches - 1})`, String(item.batch));
  const ctx = await loadBatchContext(facts, digest, locate);
  const key = planBatchKey(jobKey, item.batch);
  const items = parseBatchItems(new TextDecoder().decode(await store.read(key, { maxBytes: MAX_BATCH_FILE_BYTES })), store.uriOf(key));
  const started = Date.now();
  const result = replayBatch(ctx, item.batch, items);
  const replayMs = Date.now() - started;
  // A batch of a run that lost the job (taken over when stale) must not write into it.
  await checkLeaseHeld(store, jobKey, facts.run.runId);
  await writeBatchShare(store, jobKey, ctx, result, partRunOf(facts.run, facts.inputs));
  return { jobId: item.jobId, batch: item.batch, portfolios: items.length, portfolioSteps: result.steps, replayMs };
}

/**
 * Merges a planned job's parts into its outputs, completion marker last. The old marker is removed
 * first; a batch without its parts makes the merge throw before anything complete-looking appears.
 */
export async function mergePlannedJob(jobId: string, runId: string, output: string, locate: Locate): Promise<MergeResult> {
  const { store, jobKey } = locateJob(locate, output, jobId);
  const { facts } = await readJobPlan(store, jobKey, jobId);
  if (facts.spec.output !== output) throw new InputError('event', 'output', `the job's output ${JSON.stringify(facts.spec.output)}`, JSON.stringify(output));
  if (facts.run.runId !== runId) throw new JobLeaseError(`run ${runId} of job ${jobId} cannot merge: the job has been planned again by run ${facts.run.runId} (started by ${facts.run.startedBy})`);
  // A merge retried after it finished (its answer lost on the way back) finds its own marker and
  // its lease released: the job is complete, and nothing is written again.
  const completed = await readCompletedTotals(store, jobKey, runId);
  if (completed !== undefined) return { jobId, runId, jobUri: store.uriOf(jobKey), totals: completed };
  await checkLeaseHeld(store, jobKey, runId);
  await store.delete(joinKey(jobKey, SUCCESS_MARKER));
  const totals = await mergeJob(store, jobKey, facts);
  await releaseLease(store, jobKey, runId);
  return { jobId, runId, jobUri: store.uriOf(jobKey), totals };
}

/** The totals of the job's summary.json when its completion marker names run `runId`, else undefined. */
async function readCompletedTotals(store: ObjectStore, jobKey: string, runId: string): Promise<JobTotals | undefined> {
  const markerKey = joinKey(jobKey, SUCCESS_MARKER);
  if (!(await store.exists(markerKey))) return undefined;
  const marker = readObject(store.uriOf(markerKey), '', parseJsonText(store.uriOf(markerKey), new TextDecoder().decode(await store.read(markerKey, { maxBytes: MAX_PLAN_BYTES }))));
  const run = marker.run as { runId?: unknown } | undefined;
  if (run?.runId !== runId) return undefined;
  return (await readJobSummary(store, jobKey)).totals;
}

/** Reads a plan's manifest (what the Distributed Map's ItemReader reads on AWS). */
export async function readManifest(uri: string, locate: Locate): Promise<BatchManifestItem[]> {
  const { store, key } = locate(uri);
  const raw = readArray(uri, '', parseJsonText(uri, new TextDecoder().decode(await store.read(key, { maxBytes: MAX_PLAN_BYTES }))));
  return raw.map((v, i) => parseBatchManifestItem(v, uri, `[${i}]`));
}

/** Validates one manifest item (also the replayBatch event's shape): jobId, output, batch. */
export function parseBatchManifestItem(raw: unknown, src: string, path: string): BatchManifestItem {
  const o = readObject(src, path, raw);
  rejectUnknownKeys(src, path, o, ['jobId', 'runId', 'output', 'batch']);
  const jobId = readString(src, joinPath(path, 'jobId'), o.jobId);
  if (!JOB_ID_PATTERN.test(jobId)) throw new InputError(src, joinPath(path, 'jobId'), 'a job id (letters, digits, . _ -, at most 128)', describeValue(jobId));
  const batch = o.batch;
  if (typeof batch !== 'number' || !Number.isSafeInteger(batch) || batch < 0) throw new InputError(src, joinPath(path, 'batch'), 'a whole number ≥ 0', describeValue(batch));
  const runId = readRunId(src, joinPath(path, 'runId'), o.runId);
  return { jobId, runId, output: readString(src, joinPath(path, 'output'), o.output), batch };
}
