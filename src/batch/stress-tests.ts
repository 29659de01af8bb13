import { readFile } from 'node:fs/promises';
import { InputError } from '../domain/errors.js';
import type { SeriesTable } from '../domain/series.js';
import { readSeriesArrow, writeSeriesArrow } from '../io/arrow/series.js';
import { describeValue, parseJsonText, readArray, readObject, readString, rejectUnknownKeys } from '../domain/json-fields.js';
import { joinKey, validateKey } from '../io/store/keys.js';
import { BUCKET_PREFIXES, reportsUri } from './deployment.js';
import { MAX_PRICES_BYTES } from './inputs.js';
import type { ObjectStore } from '../io/store/types.js';
import { startJob, type JobRecord, type JobService } from './job-service.js';
import { JOB_ID_PATTERN, parseJobSpec, type JobSpec } from './job.js';
import { SUCCESS_MARKER } from './merge.js';

// Scheduled stress tests (data/stress-tests.json): each names a base price history and portfolios
// (keys in the data bucket), a scenario applied to the prices, and job settings. A schedule rule per
// test (generated from the same file by serverless.yml) invokes the schedule handler with
// `{ "test": name, "time": <rule's time> }`; the handler writes the scenario's prices and starts
// the job like POST /backtests does. Each job computes the distance at the start (`risk.distance`,
// unless the test's job says otherwise) and names the test's previous finished run (`compare`), so
// its summary.json and report say who moved closer since (docs/serverless.md "Scheduled stress tests").

export interface StressScenarioSpec {
  name: string;
  params: Record<string, unknown>;
}

export interface StressTest {
  name: string;
  description?: string;
  /** EventBridge `cron(...)` or `rate(...)`. */
  schedule: string;
  /** Keys in the data bucket (repository paths locally). */
  prices: string;
  portfolios: string;
  scenario: StressScenarioSpec;
  /** Job spec fields other than jobId, prices, portfolios, output and compare. */
  job: Record<string, unknown>;
}

export type ApplyScenario = (base: SeriesTable, spec: StressScenarioSpec) => SeriesTable;

/** The bundled config's path: PMBT_STRESS_TESTS, else data/stress-tests.json of the working directory (the Lambda's /var/task). */
export const stressTestsPath = (env: Record<string, string | undefined>) => env.PMBT_STRESS_TESTS ?? 'data/stress-tests.json';

const SCHEDULE = /^(cron\([^()]+\)|rate\([^()]+\))$/;
/** Test names become job ids with a `-YYYYMMDDTHHMMZ` suffix (15 characters). */
const MAX_TEST_NAME = 100;

export function parseStressTests(raw: unknown, src: string): StressTest[] {
  const o = readObject(src, '', raw);
  rejectUnknownKeys(src, '', o, ['version', 'description', 'tests']);
  if (o.version !== 1) throw new InputError(src, 'version', '1', describeValue(o.version));
  const seen = new Set<string>();
  return readArray(src, 'tests', o.tests).map((rawTest, i) => {
    const at = `tests[${i}]`;
    const t = readObject(src, at, rawTest);
    rejectUnknownKeys(src, at, t, ['name', 'description', 'schedule', 'prices', 'portfolios', 'scenario', 'job']);
    const name = readString(src, `${at}.name`, t.name);
    if (!JOB_ID_PATTERN.test(name) || name.length > MAX_TEST_NAME) throw new InputError(src, `${at}.name`, `a job id prefix (letters, digits, . _ -, at most ${MAX_TEST_NAME})`, describeValue(name));
    if (seen.has(name)) throw new InputError(src, `${at}.name`, 'a name no other test has', describeValue(name));
    seen.add(name);
    const schedule = readString(src, `${at}.schedule`, t.schedule);
    if (!SCHEDULE.test(schedule)) throw new InputError(src, `${at}.schedule`, 'an EventBridge schedule expression, cron(...) or rate(...)', describeValue(schedule));
    const key = (field: 'prices' | 'portfolios') => {
      const k = readString(src, `${at}.${field}`, t[field]);
      try {
        return validateKey(k);
      } catch {
        throw new InputError(src, `${at}.${field}`, 'a relative path (a key in the data bucket)', describeValue(k));
      }
    };
    const scenario = readObject(src, `${at}.scenario`, t.scenario);
    rejectUnknownKeys(src, `${at}.scenario`, scenario, ['name', 'params']);
    const job = readObject(src, `${at}.job`, t.job ?? {});
    for (const k of ['jobId', 'prices', 'portfolios', 'output', 'compare']) {
      if (k in job) throw new InputError(src, `${at}.job.${k}`, 'no such field (the schedule sets it)', describeValue(job[k]));
    }
    return {
      name,
      ...(typeof t.description === 'string' ? { description: t.description } : {}),
      schedule,
      prices: key('prices'),
      portfolios: key('portfolios'),
      scenario: { name: readString(src, `${at}.scenario.name`, scenario.name), params: readObject(src, `${at}.scenario.params`, scenario.params ?? {}) },
      job,
    };
  });
}

export async function readStressTests(path: string): Promise<StressTest[]> {
  return parseStressTests(parseJsonText(path, await readFile(path, 'utf8')), path);
}

/** `{ test?, time }` from the rule's input transformer, or EventBridge's own scheduled event (every test). */
export function parseScheduleEvent(raw: unknown): { test: string | undefined; time: Date } {
  const o = readObject('event', '', raw);
  const time = (v: unknown) => {
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(t)) throw new InputError('event', 'time', 'an ISO-8601 time', describeValue(v));
    return new Date(t);
  };
  if (o.source === 'aws.events') return { test: undefined, time: time(o.time) };
  rejectUnknownKeys('event', '', o, ['test', 'time']);
  return { test: o.test === undefined ? undefined : readString('event', 'test', o.test), time: time(o.time) };
}

/** `<name>-YYYYMMDDTHHMMZ` of the rule's firing time: one job per test and firing, same id on a retry. */
export function createStressJobId(name: string, time: Date): string {
  return `${name}-${time.toISOString().slice(0, 16).replace(/[-:]/g, '')}Z`;
}

export interface StartedStressTest {
  test: string;
  jobId: string;
  prices: string;
  executionArn: string;
  /** The previous finished run the job compares with; absent on a test's first run or without start distances. */
  previousJob?: string;
}

/** `<name>-YYYYMMDDTHHMMZ`'s suffix: fixed width, so within one test the ids sort by firing time. */
const FIRING_SUFFIX = /^\d{8}T\d{4}Z$/;

/**
 * The latest run of test `name` before `jobId` that finished (`reports/<id>/_SUCCESS` present).
 * Candidates come from the job records (`jobs/<id>.json`, one object per job, so a LIST request
 * covers 1,000 jobs; listing `reports/` would list every batch file of every job), newest first.
 */
export async function findPreviousStressJob(store: ObjectStore, name: string, jobId: string): Promise<string | undefined> {
  const ids: string[] = [];
  for await (const key of store.list(BUCKET_PREFIXES.jobs)) {
    const id = key.slice(BUCKET_PREFIXES.jobs.length + 1).replace(/\.json$/, '');
    if (id.startsWith(`${name}-`) && FIRING_SUFFIX.test(id.slice(name.length + 1)) && id < jobId) ids.push(id);
  }
  ids.sort().reverse();
  for (const id of ids) if (await store.exists(joinKey(BUCKET_PREFIXES.reports, id, SUCCESS_MARKER))) return id;
  return undefined;
}

/** The test's job with `risk.distance: true` unless it sets `risk.distance` itself (an object, or false to go without). */
function withStartDistance(job: Record<string, unknown>): Record<string, unknown> {
  const risk = job.risk;
  // Not an object: parseJobSpec says what is wrong with it.
  if (risk !== undefined && (typeof risk !== 'object' || risk === null || Array.isArray(risk))) return job;
  const r = (risk ?? {}) as Record<string, unknown>;
  return r.distance === undefined ? { ...job, risk: { ...r, distance: true } } : job;
}

/** The job a firing starts: the test's settings, start distances, and its previous finished run to compare with. */
async function buildStressJob(test: StressTest, jobId: string, prices: string, svc: JobService): Promise<JobSpec> {
  const bucket = svc.deployment.bucket;
  const spec = parseJobSpec({ ...withStartDistance(test.job), jobId, prices, portfolios: `s3://${bucket}/${test.portfolios}`, output: reportsUri(bucket) }, `stress test ${test.name}`);
  if (spec.risk.distance === undefined) return spec;
  const previousJob = await findPreviousStressJob(svc.store, test.name, jobId);
  return previousJob === undefined ? spec : { ...spec, compare: { previousJob } };
}

/**
 * Applies the test's scenario to its base prices, writes them to `scenarios/<jobId>/prices.arrow`
 * and starts the job (output: the reports folder), comparing with the test's previous finished run.
 */
export async function startStressTest(test: StressTest, time: Date, svc: JobService, applyScenario: ApplyScenario): Promise<StartedStressTest & { record: JobRecord }> {
  const bucket = svc.deployment.bucket;
  const jobId = createStressJobId(test.name, time);
  // The test's files are keys of the data bucket, the service's store.
  const series = readSeriesArrow(await svc.store.read(test.prices, { maxBytes: MAX_PRICES_BYTES }), svc.store.uriOf(test.prices));
  const stressed = applyScenario(series, test.scenario);
  const pricesKey = joinKey(BUCKET_PREFIXES.scenarios, jobId, 'prices.arrow');
  const prices = `s3://${bucket}/${pricesKey}`;
  await svc.store.write(pricesKey, writeSeriesArrow(stressed));
  const spec = await buildStressJob(test, jobId, prices, svc);
  const record = await startJob(spec, svc, `stress test ${test.name}`, `schedule: stress test ${test.name}`);
  return { test: test.name, jobId, prices, executionArn: record.executionArn, ...(spec.compare === undefined ? {} : { previousJob: spec.compare.previousJob }), record };
}

/** The schedule handler's work: the event's test (or every test) started, each on its own. */
export async function runScheduledStressTests(raw: unknown, svc: JobService, applyScenario: ApplyScenario, loadTests: () => Promise<StressTest[]>): Promise<StartedStressTest[]> {
  const event = parseScheduleEvent(raw);
  const all = await loadTests();
  const selected = event.test === undefined ? all : all.filter((t) => t.name === event.test);
  if (selected.length === 0) throw new InputError('event', 'test', `one of the tests ${all.map((t) => t.name).join(', ')}`, describeValue(event.test));
  // One test failing to start does not keep the others from starting; the invocation still fails.
  const started: StartedStressTest[] = [];
  const failures: { test: string; error: unknown }[] = [];
  for (const test of selected) {
    try {
      const { record: _record, ...s } = await startStressTest(test, event.time, svc, applyScenario);
      started.push(s);
    } catch (error) {
      failures.push({ test: test.name, error });
    }
  }
  if (failures.length === 1 && selected.length === 1) throw failures[0]!.error;
  if (failures.length > 0) {
    const why = failures.map((f) => `${f.test}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ');
    throw new Error(`${failures.length} of ${selected.length} stress tests did not start (started: ${started.map((s) => s.jobId).join(', ') || 'none'}): ${why}`);
  }
  return started;
}
