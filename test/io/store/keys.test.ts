import { describe, expect, test } from 'vitest';
import { resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../../src/domain/errors.js';
import { joinKey, MAX_KEY_BYTES, validateKey } from '../../../src/io/store/keys.js';
import { parseLocation, validateBucketName } from '../../../src/io/store/location.js';

function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  return expect.fail('expected an InputError');
}

describe('joinKey', () => {
  test('joins a prefix and single segments', () => {
    expect(joinKey('jobs', 'job-1', 'batches', '0001.arrow')).toBe('jobs/job-1/batches/0001.arrow');
    expect(joinKey('a/b/', 'c')).toBe('a/b/c');
    expect(joinKey('', 'c')).toBe('c');
    expect(joinKey('', 'x', 'y')).toBe('x/y');
    expect(joinKey('a')).toBe('a');
    expect(joinKey('')).toBe('');
    expect(joinKey('p', '2024-01-01T00:00:00Z', '..hidden', 'a..b', '.env', 'ü €')).toBe('p/2024-01-01T00:00:00Z/..hidden/a..b/.env/ü €');
  });

  test.each([
    ['..', 'no "." or ".." segment'],
    ['.', 'no "." or ".." segment'],
    ['', 'no empty segment'],
    ['/etc', 'a relative key part (no leading "/")'],
    ['../etc', 'a single key segment (no "/")'],
    ['x/../../etc', 'a single key segment (no "/")'],
    ['a/b', 'a single key segment (no "/")'],
    ['x/', 'a single key segment (no "/")'],
    ['..\\..\\windows', 'no backslash'],
    ['a\\b', 'no backslash'],
    ['a\u0000b', 'no NUL character'],
    ['a\nb', 'no control character'],
    ['a\u007fb', 'no control character'],
  ])('rejects the part %j', (part, expected) => {
    const e = inputErrorOf(() => joinKey('jobs', part));
    expect(e.source).toBe('storage key');
    expect(e.expected).toContain(expected);
    expect(e.got).toBe(JSON.stringify(part));
  });

  test('rejects a bad part anywhere in the list, and a bad prefix', () => {
    inputErrorOf(() => joinKey('jobs', 'ok', '..'));
    inputErrorOf(() => joinKey('../jobs', 'x'));
    inputErrorOf(() => joinKey('/jobs', 'x'));
    inputErrorOf(() => joinKey('jobs//', 'x'));
  });

  test('rejects keys longer than S3 allows', () => {
    expect(joinKey('p', 'x'.repeat(MAX_KEY_BYTES - 2))).toHaveLength(MAX_KEY_BYTES);
    expect(inputErrorOf(() => joinKey('p', 'x'.repeat(MAX_KEY_BYTES - 1))).expected).toContain(`at most ${MAX_KEY_BYTES}`);
    // Counted in UTF-8 bytes, as S3 does: 'é' is two bytes.
    inputErrorOf(() => joinKey('p', 'é'.repeat(MAX_KEY_BYTES / 2)));
  });

  test('the message says what is wrong', () => {
    expect(inputErrorOf(() => joinKey('jobs', '..')).message).toBe('storage key: (document): expected no "." or ".." segment, got ".."');
  });
});

describe('validateKey', () => {
  test.each(['', '/a', 'a/', 'a//b', 'a/./b', 'a/../b', '..', 'a\\b', 'a\u0000'])('rejects %j', (key) => {
    inputErrorOf(() => validateKey(key));
  });
  test('accepts ordinary keys', () => {
    expect(validateKey('jobs/j1/summary.json')).toBe('jobs/j1/summary.json');
  });
});

describe('validateBucketName', () => {
  test.each(['pmbt-results', 'my.bucket.1', 'abc', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(validateBucketName(name)).toBe(name);
  });
  test.each(['ab', 'a'.repeat(64), 'Upper', 'under_score', '-start', 'end-', '.start', 'a..b', '192.168.0.1', 'xn--abc', 'sthree-x', 'bucket-s3alias', 'b--ol-s3', 'a/b', 'a b', ''])(
    'rejects %j',
    (name) => {
      const e = inputErrorOf(() => validateBucketName(name, 's3://x'));
      expect(e.source).toBe('s3://x');
    },
  );
});

describe('parseLocation', () => {
  test('s3 URIs: bucket and key, trailing slash dropped', () => {
    expect(parseLocation('s3://pmbt-results')).toEqual({ kind: 's3', bucket: 'pmbt-results', key: '' });
    expect(parseLocation('s3://pmbt-results/')).toEqual({ kind: 's3', bucket: 'pmbt-results', key: '' });
    expect(parseLocation('s3://pmbt-results/jobs/j1/')).toEqual({ kind: 's3', bucket: 'pmbt-results', key: 'jobs/j1' });
    expect(parseLocation('S3://pmbt-results/a.json')).toEqual({ kind: 's3', bucket: 'pmbt-results', key: 'a.json' });
  });

  test('s3 URIs with traversal or bad buckets are InputErrors naming the URI', () => {
    for (const uri of ['s3://b/../x', 's3://bb/a/../x', 's3://pmbt//x', 's3://Bad_Bucket/x', 's3://', 's3:///x', 's3://pmbt/a\\b']) {
      expect(inputErrorOf(() => parseLocation(uri)).source).toBe(uri);
    }
  });

  test('local paths and file URLs become a root and an absolute key', () => {
    const here = resolve('some/dir');
    const key = here.split(sep).filter((s) => s !== '').join('/');
    expect(parseLocation('some/dir')).toEqual({ kind: 'local', root: resolve('/'), key });
    expect(parseLocation('./some/dir/')).toEqual({ kind: 'local', root: resolve('/'), key });
    expect(parseLocation(pathToFileURL(here).href)).toEqual({ kind: 'local', root: resolve('/'), key });
    // The user chooses local paths freely, so `..` in them is resolved, not refused.
    expect(parseLocation('some/other/../dir')).toEqual({ kind: 'local', root: resolve('/'), key });
    expect(parseLocation('/')).toEqual({ kind: 'local', root: resolve('/'), key: '' });
  });

  test('other schemes and empty locations are InputErrors', () => {
    for (const uri of ['', 'http://example.com/x', 'gs://bucket/x', 'file://remote-host/x']) inputErrorOf(() => parseLocation(uri));
  });
});
