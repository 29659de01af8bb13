import { S3Client } from '@aws-sdk/client-s3';
import { createLocalStore } from './local.js';
import { parseLocation } from './location.js';
import { createS3Store, type S3StoreOptions } from './s3.js';
import type { ObjectStore } from './types.js';

export interface Location {
  store: ObjectStore;
  /** The key the URI names inside the store; `''` for a bucket or file-system root. */
  key: string;
}

export interface ResolveLocationOptions {
  /** Called only for s3:// URIs, so local runs need no AWS configuration. Share one client. */
  s3Client?: () => S3Client;
  s3?: Omit<S3StoreOptions, 'client' | 'bucket'>;
}

/**
 * The store and key for `s3://bucket/key`, `file:///path` or a local path. Local stores are rooted
 * at the file-system root so keys stay absolute paths; joinKey() on the returned key keeps ids
 * below the given location.
 */
export function resolveLocation(uri: string, options: ResolveLocationOptions = {}): Location {
  const parsed = parseLocation(uri);
  if (parsed.kind === 'local') return { store: createLocalStore(parsed.root), key: parsed.key };
  if (!options.s3Client) throw new Error(`resolveLocation(${JSON.stringify(uri)}): s3:// locations need options.s3Client`);
  return { store: createS3Store({ ...options.s3, client: options.s3Client(), bucket: parsed.bucket }), key: parsed.key };
}

/** The store and key a URI names; what the batch steps are given instead of reading the environment. */
export type Locate = (uri: string) => Location;

/**
 * How to reach S3, as plain data so it can cross to a worker thread. Region and credentials come
 * from the AWS SDK's own environment chain.
 */
export interface StoreSettings {
  /** An S3-compatible endpoint (MinIO, the loopback test server) instead of AWS. */
  s3Endpoint?: string;
  s3ForcePathStyle?: boolean;
  /** Overrides S3_TIMEOUTS.requestMs (the fault tests make it small so a stall fails fast). */
  s3RequestTimeoutMs?: number;
}

/**
 * Without a request timeout the SDK waits on a silent socket forever (the default is none): one
 * stalled GET would hold a Lambda until its own 900 s limit. A socket that connects in 3 s and never
 * stays idle 30 s between bytes is healthy for S3 (it sends headers within ~100 ms and streams at
 * tens of MB/s); anything slower is a fault, better failed and retried. docs/serverless.md.
 */
export const S3_TIMEOUTS = { connectionMs: 3_000, requestMs: 30_000 } as const;
/**
 * Attempts per S3 request (the SDK's standard retry mode: exponential backoff with jitter, on
 * throttling, 5xx, timeouts and dropped connections), first attempt included.
 */
export const S3_MAX_ATTEMPTS = 5;

/**
 * PMBT_S3_ENDPOINT, PMBT_S3_FORCE_PATH_STYLE=1 and PMBT_S3_REQUEST_TIMEOUT_MS (docs/cli.md
 * "Environment variables"); a timeout that is not a positive whole number is ignored.
 */
export function readStoreSettings(env: Record<string, string | undefined>): StoreSettings {
  const timeout = Number(env.PMBT_S3_REQUEST_TIMEOUT_MS);
  return {
    ...(env.PMBT_S3_ENDPOINT ? { s3Endpoint: env.PMBT_S3_ENDPOINT } : {}),
    ...(env.PMBT_S3_FORCE_PATH_STYLE === '1' ? { s3ForcePathStyle: true } : {}),
    ...(Number.isSafeInteger(timeout) && timeout > 0 ? { s3RequestTimeoutMs: timeout } : {}),
  };
}

/** An S3 client for the settings; made once per locator, on the first s3:// URI. */
export function createS3Client(settings: StoreSettings): S3Client {
  const requestMs = settings.s3RequestTimeoutMs ?? S3_TIMEOUTS.requestMs;
  return new S3Client({
    ...(settings.s3Endpoint ? { endpoint: settings.s3Endpoint } : {}),
    ...(settings.s3ForcePathStyle ? { forcePathStyle: true } : {}),
    // The SDK builds its NodeHttpHandler from these (no direct dependency on @smithy packages).
    // Without throwOnRequestTimeout a silent socket only logs a warning and the request waits on.
    requestHandler: { connectionTimeout: Math.min(S3_TIMEOUTS.connectionMs, requestMs), requestTimeout: requestMs, throwOnRequestTimeout: true },
    retryMode: 'standard',
    maxAttempts: S3_MAX_ATTEMPTS,
  });
}

/** A Locate over local paths and S3; `s3Client` shares one client (default: made from settings on first use). */
export function createLocator(settings: StoreSettings, s3Client?: () => S3Client): Locate {
  let client: S3Client | undefined;
  const shared = s3Client ?? (() => (client ??= createS3Client(settings)));
  return (uri) => resolveLocation(uri, { s3Client: shared });
}
