import { InputError, isInputError } from '../domain/errors.js';
import { describeValue, parseJsonText, readObject } from '../domain/json-fields.js';
import { reportsUri } from './deployment.js';
import { describeJob, invalidJobIdError, JobConflictError, startJob, type JobService } from './job-service.js';
import { JOB_ID_PATTERN, parseJobSpec } from './job.js';

// POST /backtests and GET /backtests/{jobId} (docs/serverless.md), for an API Gateway HTTP API
// (payload format 2.0). handlers/api.ts passes the event and the deployed service in.

/** A job spec is a few hundred bytes; anything near this is not one. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export interface HttpRequest {
  method: string;
  path: string;
  /** `POST /backtests`, `GET /backtests/{jobId}`, or `$default`. */
  routeKey: string;
  pathParameters: Record<string, string>;
  body: string | undefined;
  isBase64Encoded: boolean;
  /** The IAM caller (recorded as the run's startedBy). */
  caller: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A failure with its HTTP status (413 for a body too large); answered as `{ "error": message }`. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** Validates the parts of an HTTP API (payload 2.0) event this API reads. */
export function parseHttpRequest(raw: unknown): HttpRequest {
  const o = readObject('event', '', raw);
  const context = readObject('event', 'requestContext', o.requestContext);
  const http = readObject('event', 'requestContext.http', context.http);
  const str = (v: unknown, path: string) => {
    if (typeof v !== 'string') throw new InputError('event', path, 'a string', describeValue(v));
    return v;
  };
  const params = o.pathParameters === undefined || o.pathParameters === null ? {} : readObject('event', 'pathParameters', o.pathParameters);
  const pathParameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) pathParameters[k] = str(v, `pathParameters.${k}`);
  if (o.body !== undefined && o.body !== null && typeof o.body !== 'string') throw new InputError('event', 'body', 'a string', describeValue(o.body));
  return {
    method: str(http.method, 'requestContext.http.method').toUpperCase(),
    path: str(o.rawPath ?? http.path, 'rawPath'),
    routeKey: typeof o.routeKey === 'string' ? o.routeKey : '$default',
    pathParameters,
    body: typeof o.body === 'string' ? o.body : undefined,
    isBase64Encoded: o.isBase64Encoded === true,
    caller: readCaller(context),
  };
}

/**
 * Who sent the request, as IAM authorization identified them (the route requires it): the
 * caller's ARN, else their id. Recorded as the run's `startedBy`.
 */
function readCaller(context: Record<string, unknown>): string {
  const authorizer = context.authorizer;
  const iam = typeof authorizer === 'object' && authorizer !== null ? (authorizer as { iam?: unknown }).iam : undefined;
  if (typeof iam !== 'object' || iam === null) return 'unknown caller';
  const { userArn, callerId } = iam as { userArn?: unknown; callerId?: unknown };
  const who = typeof userArn === 'string' && userArn !== '' ? userArn : typeof callerId === 'string' && callerId !== '' ? callerId : 'unknown caller';
  // Bounded and printable: it is stored and shown back.
  return who.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
}

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: `${JSON.stringify(body, null, 2)}\n`,
});

/** The request's body as text, at most `maxBytes` (413 beyond), not empty (400: `what` was expected). */
export function readBody(req: HttpRequest, maxBytes = MAX_REQUEST_BODY_BYTES, what = 'a job spec (JSON object)'): string {
  const raw = req.body ?? '';
  // Check before decoding too: base64 is 4/3 of the bytes, and a huge body should cost nothing.
  if (raw.length > Math.ceil((maxBytes * 4) / 3) + 4) throw new HttpError(413, `the request body must be at most ${maxBytes} bytes`);
  const text = req.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw new HttpError(413, `the request body must be at most ${maxBytes} bytes`);
  if (text.trim() === '') throw new InputError('request body', '', what, 'an empty body');
  return text;
}

async function postBacktest(req: HttpRequest, svc: JobService): Promise<HttpResponse> {
  const job = { ...readObject('request body', '', parseJsonText('request body', readBody(req))) };
  // The deployment has one place for reports; a job may name it (or a folder inside it) or leave it out.
  job.output ??= reportsUri(svc.deployment.bucket);
  const spec = parseJobSpec(job, 'request body');
  const record = await startJob(spec, svc, 'request body', req.caller);
  const statusPath = `/backtests/${spec.jobId}`;
  return json(202, { jobId: spec.jobId, status: 'running', runId: record.runId, startedBy: record.startedBy, executionArn: record.executionArn, startedAt: record.startedAt, statusPath }, { location: statusPath });
}

async function getBacktest(jobId: string, svc: JobService): Promise<HttpResponse> {
  // The id reaches storage keys: nothing but a plain job id gets that far.
  if (!JOB_ID_PATTERN.test(jobId)) throw invalidJobIdError(jobId);
  const status = await describeJob(jobId, svc);
  if (status === undefined) return json(404, { error: `no job ${jobId}` });
  return json(200, status);
}

const JOB_PATH = /^\/backtests\/([^/]*)\/?$/;

/** Routes one request; every failure becomes a JSON `{ "error": … }` with a fitting status. */
export async function handleHttpRequest(raw: unknown, service: () => JobService): Promise<HttpResponse> {
  let req: HttpRequest;
  try {
    req = parseHttpRequest(raw);
  } catch (e) {
    if (isInputError(e)) return json(400, { error: e.message });
    throw e;
  }
  try {
    const route = req.routeKey !== '$default' ? req.routeKey : `${req.method} ${JOB_PATH.test(req.path) ? '/backtests/{jobId}' : req.path.replace(/\/$/, '')}`;
    if (route === 'POST /backtests') return await postBacktest(req, service());
    if (route === 'GET /backtests/{jobId}') {
      const jobId = req.pathParameters.jobId ?? decodeURIComponent(JOB_PATH.exec(req.path)?.[1] ?? '');
      return await getBacktest(jobId, service());
    }
    if (route.endsWith(' /backtests') || route.endsWith(' /backtests/{jobId}')) return json(405, { error: `${req.method} is not allowed on ${req.path}` });
    return json(404, { error: `no route ${req.method} ${req.path}` });
  } catch (e) {
    if (e instanceof HttpError) return json(e.statusCode, { error: e.message });
    if (isInputError(e)) return json(400, { error: e.message });
    if (e instanceof JobConflictError) return json(409, { error: e.message });
    if (e instanceof URIError) return json(400, { error: 'malformed percent-encoding in the path' });
    // Not the user's to fix: logged in full, answered without internals.
    console.error(e);
    return json(500, { error: 'internal error' });
  }
}
