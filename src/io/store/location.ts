import { parse, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, isInputError } from '../../domain/errors.js';
import { validatePrefix } from './keys.js';

/**
 * Where a URI points: an S3 bucket or a local file-system root, and the key below it. The key is
 * `''` for the bucket or root itself and never ends with `/`, so joinKey(key, id) and list(key)
 * work the same for `s3://b/jobs` and `s3://b/jobs/`.
 */
export type ParsedLocation = { kind: 's3'; bucket: string; key: string } | { kind: 'local'; root: string; key: string };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** Parses `s3://bucket/key`, `file:///abs/path` or a local path (relative to the working directory). */
export function parseLocation(uri: string): ParsedLocation {
  if (uri === '') throw new InputError('location', '', 'a local path, file:// URL or s3://bucket/key URI', '""');
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 's3') return parseS3Uri(uri);
  if (scheme === 'file') return parseLocalPath(uri, parseFileUrl(uri));
  if (scheme !== undefined) throw new InputError(uri, '', 'a local path, file:// URL or s3://bucket/key URI', `scheme "${scheme}"`);
  return parseLocalPath(uri, uri);
}

function parseS3Uri(uri: string): ParsedLocation {
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  validateBucketName(bucket, uri);
  return { kind: 's3', bucket, key: validateLocationKey(rawKey.endsWith('/') ? rawKey.slice(0, -1) : rawKey, uri) };
}

function parseFileUrl(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch (e) {
    throw new InputError(uri, '', 'a file:// URL of a local absolute path', (e as Error).message);
  }
}

function parseLocalPath(uri: string, path: string): ParsedLocation {
  const absolute = resolve(path);
  const root = parse(absolute).root;
  const key = absolute.slice(root.length).split(sep).filter((s) => s !== '').join('/');
  return { kind: 'local', root, key: validateLocationKey(key, uri) };
}

function validateLocationKey(key: string, uri: string): string {
  try {
    return validatePrefix(key);
  } catch (e) {
    throw isInputError(e) ? e.withSource(uri) : e;
  }
}

// Amazon's naming rules for general purpose buckets. Checking them here turns a typo into a clear
// message instead of an SDK endpoint error, and keeps odd names out of the path-style URLs.
const BUCKET_CHARS = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const IPV4_LIKE = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export function validateBucketName(bucket: string, source = 'bucket'): string {
  const fail = (expected: string): never => {
    throw new InputError(source, '', expected, JSON.stringify(bucket));
  };
  if (bucket.length < 3 || bucket.length > 63) fail('a bucket name of 3 to 63 characters');
  if (!BUCKET_CHARS.test(bucket)) fail('a bucket name of lowercase letters, digits, "." and "-", starting and ending with a letter or digit');
  if (bucket.includes('..')) fail('a bucket name without adjacent dots');
  if (IPV4_LIKE.test(bucket)) fail('a bucket name that is not an IP address');
  if (RESERVED_PREFIXES.some((p) => bucket.startsWith(p)) || RESERVED_SUFFIXES.some((s) => bucket.endsWith(s))) {
    fail('a bucket name without a prefix or suffix reserved by S3');
  }
  return bucket;
}
