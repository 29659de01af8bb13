import { InputError } from '../../domain/errors.js';

// Job ids and portfolio ids from requests end up in keys and, for the local store, in file paths.
// Every key is checked here so that no input can address anything outside the prefix it was
// joined to: no `..`, no absolute parts, no separators other than `/`.

/** The InputError source for a rejected key; callers may re-attribute it with withSource(). */
export const KEY_SOURCE = 'storage key';

/** S3's limit; local file systems allow less per segment but report that themselves. */
export const MAX_KEY_BYTES = 1024;

// C0 controls and DEL: NUL truncates paths in C APIs and the others forge lines in logs.
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

/** Why `segment` cannot be one segment of a key, or undefined if it can. */
function findSegmentProblem(segment: string): { expected: string; got: string } | undefined {
  const got = JSON.stringify(segment);
  if (segment === '') return { expected: 'no empty segment (leading, trailing or doubled "/")', got };
  if (segment === '.' || segment === '..') return { expected: 'no "." or ".." segment', got };
  if (segment.includes('\\')) return { expected: 'no backslash', got };
  if (segment.includes('\u0000')) return { expected: 'no NUL character', got };
  if (CONTROL_CHAR.test(segment)) return { expected: 'no control character', got };
  return undefined;
}

/** Throws an InputError unless `key` is a non-empty relative key of valid segments. */
export function validateKey(key: string): string {
  if (key === '') throw new InputError(KEY_SOURCE, '', 'a non-empty key', '""');
  if (key.startsWith('/')) throw new InputError(KEY_SOURCE, '', 'a relative key (no leading "/")', JSON.stringify(key));
  for (const segment of key.split('/')) {
    const problem = findSegmentProblem(segment);
    if (problem) throw new InputError(KEY_SOURCE, '', problem.expected, `${problem.got} in ${JSON.stringify(key)}`);
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw new InputError(KEY_SOURCE, '', `a key of at most ${MAX_KEY_BYTES} UTF-8 bytes`, `${bytes} bytes`);
  return key;
}

/** A folder prefix for list(): `''` (everything) or a valid key. */
export function validatePrefix(prefix: string): string {
  return prefix === '' ? prefix : validateKey(prefix);
}

export function isValidKey(key: string): boolean {
  try {
    validateKey(key);
    return true;
  } catch {
    return false;
  }
}

/**
 * `prefix/part1/part2…`. The prefix (trusted configuration, e.g. from a URI) may have several
 * segments and one trailing `/`; each part must be exactly one segment, so an id such as
 * `x/manifest.json` cannot reach into a sibling's files and `..` cannot leave the prefix.
 */
export function joinKey(prefix: string, ...parts: string[]): string {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  validatePrefix(base);
  for (const part of parts) {
    if (part.includes('/')) {
      const expected = part.startsWith('/') ? 'a relative key part (no leading "/")' : 'a single key segment (no "/")';
      throw new InputError(KEY_SOURCE, '', expected, JSON.stringify(part));
    }
    const problem = findSegmentProblem(part);
    if (problem) throw new InputError(KEY_SOURCE, '', problem.expected, problem.got);
  }
  const key = [base, ...parts].filter((s) => s !== '').join('/');
  return base === '' && parts.length === 0 ? '' : validateKey(key);
}
