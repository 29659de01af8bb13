import type { S3Client } from '@aws-sdk/client-s3';
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
