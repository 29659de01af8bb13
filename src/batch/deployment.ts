import { InputError } from '../domain/errors.js';
import { parseLocation } from '../io/store/location.js';
import type { JobSpec } from './job.js';

// The deployed stack's one data bucket and its folders (docs/serverless.md). The functions' IAM
// policies in serverless.yml grant exactly these prefixes, so a job that points elsewhere would fail
// with AccessDenied half-way; it is refused up front instead, with a message that says where to put
// the file.

/** Folders of the data bucket. */
export const BUCKET_PREFIXES = {
  /** Job outputs: `reports/<jobId>/…` (and each job's `_plan/` and `_partials/`). */
  reports: 'reports',
  /** One record per started job: `jobs/<jobId>.json` (execution ARN, output). */
  jobs: 'jobs',
  /** Prices written by the scheduled stress tests: `scenarios/<jobId>/prices.arrow`. */
  scenarios: 'scenarios',
  /** The price history the scheduled fetch keeps up to date (data/price-history.json). */
  history: 'history',
} as const;

/** Where a job's prices, portfolios and rules may be read from. */
export const INPUT_PREFIXES = ['inputs', 'data', BUCKET_PREFIXES.scenarios, BUCKET_PREFIXES.history] as const;

export interface Deployment {
  bucket: string;
}

/**
 * The deployment a Lambda runs in (PMBT_DATA_BUCKET, set by serverless.yml), or undefined on a
 * developer's machine, where jobs may use any local path or bucket.
 */
export function readDeployment(env: Record<string, string | undefined>): Deployment | undefined {
  const bucket = env.PMBT_DATA_BUCKET;
  return bucket ? { bucket } : undefined;
}

export const reportsUri = (bucket: string) => `s3://${bucket}/${BUCKET_PREFIXES.reports}/`;

function isBelow(key: string, prefix: string): boolean {
  return key.startsWith(`${prefix}/`);
}

function checkLocation(src: string, path: string, uri: string, bucket: string, prefixes: readonly string[], allowPrefixItself: boolean): void {
  const expected = `an s3://${bucket}/ URI under ${prefixes.map((p) => `${p}/`).join(', ')}`;
  let parsed;
  try {
    parsed = parseLocation(uri);
  } catch {
    throw new InputError(src, path, expected, JSON.stringify(uri));
  }
  const ok = parsed.kind === 's3' && parsed.bucket === bucket && prefixes.some((p) => isBelow(parsed.key, p) || (allowPrefixItself && parsed.key === p));
  if (!ok) throw new InputError(src, path, expected, JSON.stringify(uri));
}

/**
 * The job's output must be the deployment's reports folder (or a folder inside it), and not inside
 * a job's own `_plan/` or `_partials/` (or any `_`-named entry, which only a job writes): a job id never
 * starts with `_`, so an output there could only be aimed at another job's files.
 */
export function validateDeploymentOutput(src: string, path: string, output: string, d: Deployment): void {
  checkLocation(src, path, output, d.bucket, [BUCKET_PREFIXES.reports], true);
  const key = parseLocation(output).key;
  if (key.split('/').some((segment) => segment.startsWith('_'))) {
    throw new InputError(src, path, `a folder of reports/ outside every job's _plan/ and _partials/ (no folder named _…)`, JSON.stringify(output));
  }
}

/** Every URI of the job must be inside the deployment's bucket, in the folders its roles may use. */
export function validateDeploymentJob(src: string, spec: JobSpec, d: Deployment): void {
  checkLocation(src, 'prices', spec.prices, d.bucket, INPUT_PREFIXES, false);
  checkLocation(src, 'portfolios', spec.portfolios, d.bucket, INPUT_PREFIXES, false);
  spec.rules.forEach((r, i) => checkLocation(src, `rules[${i}]`, r, d.bucket, INPUT_PREFIXES, false));
  validateDeploymentOutput(src, 'output', spec.output, d);
}
