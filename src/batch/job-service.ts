import { randomBytes } from 'node:crypto';
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

/** A job with this id is still running: starting it again would write into the same folder. */
export class JobConflictError extends Error {
  constructor(readonly jobId: string, readonly executionArn: string) {
    super(`job ${jobId} is still running (${executionArn}); wait for it to finish or use another jobId`);
    this.name = 'JobConflictError';
  }
}

/** `jobs/<jobId>.json`: where GET finds a job's execution and outputs. */
export interface JobRecord {
  version: 1;
  jobId: string;
  output: string;
  executionArn: string;
  startedAt: string;
}

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
    };

const recordKey = (jobId: string) => joinKey(BUCKET_PREFIXES.jobs, `${jobId}.json`);

async function readJobRecord(store: ObjectStore, jobId: string): Promise<JobRecord | undefined> {
  const key = recordKey(jobId);
  if (!(await store.exists(key))) return undefined;
  const src = store.uriOf(key);
  const o = readObject(src, '', parseJsonText(src, new TextDecoder().decode(await store.read(key, { maxBytes: 64 * 1024 }))));
  return { version: 1, jobId, output: readString(src, 'output', o.output), executionArn: readString(src, 'executionArn', o.executionArn), startedAt: readString(src, 'startedAt', o.startedAt) };
}

/**
 * A Step Functions execution name: unique per start, at most 80 characters of [A-Za-z0-9._-],
 * readable in the console: `<jobId (≤ 52)>-<UTC time>-<random>`.
 */
export function createExecutionName(jobId: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${jobId.slice(0, 52)}-${stamp}-${randomBytes(3).toString('hex')}`;
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
 * Starts the state machine on a validated job (its URIs inside the deployment's bucket) and records
 * the execution. Refuses while an execution of the same jobId runs.
 */
export async function startJob(spec: JobSpec, svc: JobService, src = 'job'): Promise<JobRecord> {
  validateDeploymentJob(src, spec, svc.deployment);
  const store = svc.store;
  const previous = await readJobRecord(store, spec.jobId);
  if (previous) {
    const d = await describeExecution(svc, previous.executionArn);
    if (d?.status === 'RUNNING') throw new JobConflictError(spec.jobId, previous.executionArn);
  }
  const out = await svc.sfn.send(new StartExecutionCommand({
    stateMachineArn: svc.stateMachineArn,
    name: createExecutionName(spec.jobId, new Date()),
    input: JSON.stringify({ job: renderJobSpec(spec) }),
  }));
  const record: JobRecord = { version: 1, jobId: spec.jobId, output: spec.output, executionArn: out.executionArn!, startedAt: (out.startDate ?? new Date()).toISOString() };
  await store.write(recordKey(spec.jobId), `${JSON.stringify(record, null, 2)}\n`);
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
  const marker = readObject(src, '', parseJsonText(src, new TextDecoder().decode(await store.read(markerKey, { maxBytes: 1024 * 1024 }))));
  const listed = readObject(src, 'files', marker.files ?? {});
  const link = (name: string) => svc.presign(joinKey(jobKey, name), LINK_EXPIRY_SECONDS);
  const files: Record<string, { bytes?: number; sha256?: string; url: string }> = {};
  for (const [name, info] of Object.entries(listed)) {
    const i = readObject(src, `files.${name}`, info);
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
  };
}

/**
 * A job's status: running or failed from its execution; complete (with presigned links to every
 * report the completion marker lists) once the execution succeeded and the marker exists. A job
 * started outside the API but written to the reports folder is found by its marker. Undefined when
 * there is no such job.
 */
export async function describeJob(jobId: string, svc: JobService): Promise<JobStatus | undefined> {
  const record = await readJobRecord(svc.store, jobId);
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
