import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InputError } from '../domain/errors.js';
import { parseJsonText, readObject, readString } from '../domain/json-fields.js';
import { joinKey } from '../io/store/keys.js';
import { parseLocation } from '../io/store/location.js';
import { createS3Store } from '../io/store/s3.js';
import type { ObjectStore } from '../io/store/types.js';
import { BUCKET_PREFIXES, reportsUri, validateDeploymentJob, type Deployment } from './deployment.js';
import { renderJobSpec, type JobSpec } from './job.js';
import { createRunId, LEASE_FILE, releaseLease, type RunIdentity } from './lease.js';
import { SUCCESS_MARKER } from './merge.js';

// Starting a job on the deployed state machine and reporting on it: shared by the HTTP API
// (POST/GET /backtests) and the scheduled stress tests, so both start jobs the same way.

export interface JobService {
  deployment: Deployment;
  stateMachineArn: string;
  /** The deployment's data bucket: job records, scenario prices, reports. */
  store: ObjectStore;
  /** A time-limited GET link to a key of the data bucket. */
  presign(key: string, expiresInSeconds: number): Promise<string>;
  /** Step Functions; only StartExecution and DescribeExecution are sent. */
  sfn: Pick<SFNClient, 'send'>;
}

/** How long the presigned report links of GET /backtests/{jobId} stay valid. */
export const LINK_EXPIRY_SECONDS = 900;

/** The service over real AWS clients: the bucket's store and presigned links from one S3 client. */
export function createJobService(deployment: Deployment, stateMachineArn: string, clients: { s3: S3Client; sfn: Pick<SFNClient, 'send'> }): JobService {
  const { s3, sfn } = clients;
  return {
    deployment,
    stateMachineArn,
    store: createS3Store({ client: s3, bucket: deployment.bucket }),
    presign: (key, expiresIn) => getSignedUrl(s3, new GetObjectCommand({ Bucket: deployment.bucket, Key: key }), { expiresIn }),
    sfn,
  };
}

/** A job with this id is running or being started: starting it again would write into the same folder. */
export class JobConflictError extends Error {
  constructor(readonly jobId: string, why: string) {
    super(`job ${jobId} is ${why}; wait for it to finish or use another jobId`);
    this.name = 'JobConflictError';
  }
}

/**
 * `jobs/<jobId>.json`: the job's current run — where GET finds its execution and outputs, and who
 * started it. Written with a conditional write before the execution starts: of two starts of one
 * job, one writes it and the other is refused.
 */
export interface JobRecord {
  version: 1;
  jobId: string;
  output: string;
  executionArn: string;
  startedAt: string;
  /** Absent in records written before runs had ids. */
  runId?: string;
  startedBy?: string;
}

/**
 * A record whose execution Step Functions does not know yet is a start in progress for this long
 * (the record is written just before StartExecution), not a failed one.
 */
export const START_GRACE_MS = 60_000;

export type JobStatus =
  | { jobId: string; status: 'running'; executionArn: string; startedAt: string }
  | { jobId: string; status: 'failed'; executionArn: string; startedAt: string; executionStatus: string; error?: string; cause?: string }
  | {
      jobId: string;
      status: 'complete';
      portfolios: number;
      startedAt?: string;
      expiresInSeconds: number;
      files: Record<string, { bytes?: number; sha256?: string; url: string }>;
      /** Per dataset folder (timeline, events, portfolios, _partials): how many batch files, their bytes, where. */
      datasets: Record<string, { files: number; bytes: number; uri: string }>;
    };

/** A big job's marker lists every batch file (about 100 bytes each). */
const MAX_MARKER_BYTES = 64 * 1024 * 1024;

const recordKey = (jobId: string) => joinKey(BUCKET_PREFIXES.jobs, `${jobId}.json`);

async function readJobRecord(store: ObjectStore, jobId: string): Promise<{ record: JobRecord; tag: string } | undefined> {
  const key = recordKey(jobId);
  if (!(await store.exists(key))) return undefined;
  const src = store.uriOf(key);
  const { bytes, tag } = await store.readTagged(key, { maxBytes: 64 * 1024 });
  const o = readObject(src, '', parseJsonText(src, new TextDecoder().decode(bytes)));
  const optional = (field: 'runId' | 'startedBy') => (o[field] === undefined ? {} : { [field]: readString(src, field, o[field]) });
  return {
    tag,
    record: { version: 1, jobId, output: readString(src, 'output', o.output), executionArn: readString(src, 'executionArn', o.executionArn), startedAt: readString(src, 'startedAt', o.startedAt), ...optional('runId'), ...optional('startedBy') },
  };
}

/**
 * A Step Functions execution name: `<jobId (≤ 52)>-<runId>`, at most 80 characters of
 * [A-Za-z0-9._-], unique per run and readable in the console.
 */
export const createExecutionName = (jobId: string, runId: string) => `${jobId.slice(0, 52)}-${runId}`;

/** The ARN Step Functions gives an execution of `stateMachineArn` named `name`. */
export const executionArnOf = (stateMachineArn: string, name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/**
 * Refuses an output inside another job's folder (a folder holding a job's `_SUCCESS`, lease or
 * plan): the new job's files would sit among that job's and could be taken for them.
 */
async function rejectOutputInsideJob(store: ObjectStore, src: string, output: string): Promise<void> {
  const segments = parseLocation(output).key.split('/').filter((s) => s !== '');
  // segments[0] is reports/ itself; every folder below it could be a job's.
  for (let n = 2; n <= segments.length; n++) {
    const folder = segments.slice(0, n).join('/');
    for (const marker of [[SUCCESS_MARKER], [LEASE_FILE], ['_plan', 'job.json']]) {
      if (await store.exists(joinKey(folder, ...marker))) {
        throw new InputError(src, 'output', `a folder of ${BUCKET_PREFIXES.reports}/ outside every job's folder`, `${JSON.stringify(output)}, inside job ${segments[n - 1]}'s folder ${store.uriOf(folder)}/`);
      }
    }
  }
}

/** Why the job's current run may still write: running, or so newly started that Step Functions does not know it yet. */
async function findRunningReason(svc: JobService, record: JobRecord, now: Date): Promise<string | undefined> {
  const d = await describeExecution(svc, record.executionArn);
  if (d?.status === 'RUNNING' || d?.status === 'PENDING_REDRIVE') return `still running (${record.executionArn})`;
  if (d === undefined && now.getTime() - Date.parse(record.startedAt) < START_GRACE_MS) return `being started (${record.executionArn})`;
  return undefined;
}

async function describeExecution(svc: JobService, executionArn: string) {
  try {
    return await svc.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (e) {
    if ((e as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
    throw e;
  }
}

/**
 * Starts the state machine on a validated job (its URIs inside the deployment's bucket) as a new
 * run started by `startedBy`. Atomic: the job record is written conditionally (absent, or the very
 * record read) before the execution starts, so of concurrent starts of one job exactly one starts
 * an execution and the others get JobConflictError; a start while the job runs is refused too.
 */
export async function startJob(spec: JobSpec, svc: JobService, src: string, startedBy: string): Promise<JobRecord> {
  validateDeploymentJob(src, spec, svc.deployment);
  const store = svc.store;
  await rejectOutputInsideJob(store, src, spec.output);
  const now = new Date();
  const previous = await readJobRecord(store, spec.jobId);
  const running = previous === undefined ? undefined : await findRunningReason(svc, previous.record, now);
  if (running !== undefined) throw new JobConflictError(spec.jobId, running);
  const run: RunIdentity = { runId: createRunId(now), startedBy };
  const name = createExecutionName(spec.jobId, run.runId);
  const record: JobRecord = { version: 1, jobId: spec.jobId, output: spec.output, executionArn: executionArnOf(svc.stateMachineArn, name), startedAt: now.toISOString(), ...run };
  const key = recordKey(spec.jobId);
  if (!(await store.writeIf(key, `${JSON.stringify(record, null, 2)}\n`, previous === undefined ? { absent: true } : { tag: previous.tag }))) {
    throw new JobConflictError(spec.jobId, 'being started by another request');
  }
  // The previous run has ended; if it failed before its merge, its lease would refuse this run's plan.
  if (previous?.record.runId !== undefined) await releaseLease(store, joinKey(parseLocation(previous.record.output).key, spec.jobId), previous.record.runId);
  try {
    await svc.sfn.send(new StartExecutionCommand({ stateMachineArn: svc.stateMachineArn, name, input: JSON.stringify({ job: renderJobSpec(spec), run }) }));
  } catch (e) {
    // No execution: the record must not make the job look started.
    await store.delete(key);
    throw e;
  }
  return record;
}

async function describeCompleteJob(svc: JobService, jobId: string, output: string, startedAt?: string): Promise<JobStatus | undefined> {
  const location = parseLocation(output);
  if (location.kind !== 's3' || location.bucket !== svc.deployment.bucket) return undefined;
  const store = svc.store;
  const jobKey = joinKey(location.key, jobId);
  const markerKey = joinKey(jobKey, SUCCESS_MARKER);
  if (!(await store.exists(markerKey))) return undefined;
  const src = store.uriOf(markerKey);
  const marker = readObject(src, '', parseJsonText(src, new TextDecoder().decode(await store.read(markerKey, { maxBytes: MAX_MARKER_BYTES }))));
  const listed = readObject(src, 'files', marker.files ?? {});
  const link = (name: string) => svc.presign(joinKey(jobKey, name), LINK_EXPIRY_SECONDS);
  const files: Record<string, { bytes?: number; sha256?: string; url: string }> = {};
  // The job's own files get links; the batch files of its datasets (one per batch, thousands in a
  // big job) are summed up per folder, with where to list them (the marker has each one's digest).
  const datasets: Record<string, { files: number; bytes: number; uri: string }> = {};
  for (const [name, info] of Object.entries(listed)) {
    const i = readObject(src, `files.${name}`, info);
    const slash = name.indexOf('/');
    if (slash >= 0) {
      const folder = name.slice(0, slash);
      const d = (datasets[folder] ??= { files: 0, bytes: 0, uri: `${store.uriOf(joinKey(jobKey, folder))}/` });
      d.files++;
      d.bytes += typeof i.bytes === 'number' ? i.bytes : 0;
      continue;
    }
    files[name] = { ...(typeof i.bytes === 'number' ? { bytes: i.bytes } : {}), ...(typeof i.sha256 === 'string' ? { sha256: i.sha256 } : {}), url: await link(name) };
  }
  files[SUCCESS_MARKER] = { url: await link(SUCCESS_MARKER) };
  return {
    jobId,
    status: 'complete',
    portfolios: typeof marker.portfolios === 'number' ? marker.portfolios : 0,
    ...(startedAt === undefined ? {} : { startedAt }),
    expiresInSeconds: LINK_EXPIRY_SECONDS,
    files,
    datasets,
  };
}

/**
 * A job's status: running or failed from its execution; complete (with presigned links to every
 * report the completion marker lists) once the execution succeeded and the marker exists. A job
 * started outside the API but written to the reports folder is found by its marker. Undefined when
 * there is no such job.
 */
export async function describeJob(jobId: string, svc: JobService): Promise<JobStatus | undefined> {
  const record = (await readJobRecord(svc.store, jobId))?.record;
  if (!record) return describeCompleteJob(svc, jobId, reportsUri(svc.deployment.bucket));
  const d = await describeExecution(svc, record.executionArn);
  const base = { jobId, executionArn: record.executionArn, startedAt: record.startedAt };
  if (d === undefined) return { ...base, status: 'failed', executionStatus: 'UNKNOWN', error: 'ExecutionDoesNotExist', cause: 'the execution is no longer known to Step Functions' };
  if (d.status === 'RUNNING' || d.status === 'PENDING_REDRIVE') return { ...base, status: 'running' };
  if (d.status === 'SUCCEEDED') {
    const complete = await describeCompleteJob(svc, jobId, record.output, record.startedAt);
    if (complete) return complete;
    return { ...base, status: 'failed', executionStatus: d.status, error: 'NoCompletionMarker', cause: `the execution succeeded but ${record.output} has no ${jobId}/${SUCCESS_MARKER}` };
  }
  return { ...base, status: 'failed', executionStatus: d.status ?? 'UNKNOWN', ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}) };
}

/** For callers that validate ids from URLs: the InputError GET answers for a malformed id. */
export function invalidJobIdError(jobId: string): InputError {
  return new InputError('path', 'jobId', 'a job id (letters, digits, . _ -, at most 128, starting with a letter or digit)', JSON.stringify(jobId));
}
