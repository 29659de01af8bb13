import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../../../src/domain/errors.js';
import { joinKey } from '../../../src/io/store/keys.js';
import { resolveLocation, type Location } from '../../../src/io/store/open.js';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.js';
import { collectAll, expectSameBytes, listSorted, patternBytes } from './contract.js';

const BUCKET = 'pmbt-resolve-test';

let server: S3TestServer;
let client: S3Client;
let dir: string;

beforeAll(async () => {
  [server, dir] = await Promise.all([startS3Server({ buckets: [BUCKET] }), mkdtemp(join(tmpdir(), 'pmbt-resolve-'))]);
  client = server.client();
});
afterAll(async () => {
  await Promise.all([server?.stop(), dir && rm(dir, { recursive: true, force: true })]);
});

const s3Client = () => client;

/** The same job layout written and read back below any resolved location. */
async function exerciseJobLayout({ store, key: base }: Location): Promise<void> {
  const manifest = joinKey(base, 'job-1', 'manifest.json');
  const batch = joinKey(base, 'job-1', 'batches', '0001.bin');
  const bytes = patternBytes(6 * 1024 * 1024 + 3, 21);
  await store.write(manifest, '{"batches":1}');
  await store.write(batch, bytes);
  await store.write(joinKey(base, 'job-10', 'manifest.json'), '{}');

  expect(await listSorted(store, joinKey(base, 'job-1'))).toEqual([batch, manifest]);
  expect(new TextDecoder().decode(await store.read(manifest, { maxBytes: 100 }))).toBe('{"batches":1}');
  expectSameBytes(Buffer.concat(await collectAll(store.readStream(batch))), bytes);
  await expect(store.read(batch, { maxBytes: 1000 })).rejects.toThrow(`${store.uriOf(batch)}: (document): expected an object of at most 1000 bytes`);
  expect(await store.exists(manifest)).toBe(true);
  await store.delete(manifest);
  expect(await store.exists(manifest)).toBe(false);
  expect(() => joinKey(base, '..', 'escape')).toThrow(InputError);
}

describe('resolveLocation', () => {
  test('a local directory path', async () => {
    const location = resolveLocation(join(dir, 'plain'));
    await exerciseJobLayout(location);
    expect(location.store.uriOf(joinKey(location.key, 'job-1', 'batches', '0001.bin'))).toBe(join(dir, 'plain', 'job-1', 'batches', '0001.bin'));
    expect((await readFile(join(dir, 'plain', 'job-10', 'manifest.json'))).toString()).toBe('{}');
  });

  test('a file:// URL with a trailing slash', async () => {
    const location = resolveLocation(`${pathToFileURL(join(dir, 'url')).href}/`);
    await exerciseJobLayout(location);
    expect((await readFile(join(dir, 'url', 'job-10', 'manifest.json'))).toString()).toBe('{}');
  });

  test('an s3:// prefix', async () => {
    const location = resolveLocation(`s3://${BUCKET}/results/run-7/`, { s3Client, s3: { partBytes: 5 * 1024 * 1024 } });
    expect(location.key).toBe('results/run-7');
    await exerciseJobLayout(location);
    expect(location.store.uriOf(joinKey(location.key, 'job-1', 'manifest.json'))).toBe(`s3://${BUCKET}/results/run-7/job-1/manifest.json`);
  });

  test('an s3:// bucket root and a single-object URI', async () => {
    const root = resolveLocation(`s3://${BUCKET}`, { s3Client });
    expect(root.key).toBe('');
    await exerciseJobLayout({ store: root.store, key: joinKey(root.key, 'from-root') });

    const object = resolveLocation(`s3://${BUCKET}/from-root/job-10/manifest.json`, { s3Client });
    expect(new TextDecoder().decode(await object.store.read(object.key, { maxBytes: 10 }))).toBe('{}');
  });

  test('a missing s3 object is an InputError naming the URI', async () => {
    const { store, key } = resolveLocation(`s3://${BUCKET}/nope.json`, { s3Client });
    await expect(store.read(key, { maxBytes: 10 })).rejects.toThrow(`s3://${BUCKET}/nope.json: (document): expected an existing object, got no such key`);
  });

  test('an s3:// URI without a client is a programming error, not an InputError', () => {
    expect(() => resolveLocation(`s3://${BUCKET}/x`)).toThrow(/need options.s3Client/);
  });

  test('bad locations are InputErrors naming them', () => {
    for (const uri of ['s3://UPPER/x', 's3://pmbt/../x', 'ftp://host/x', '']) {
      expect(() => resolveLocation(uri, { s3Client })).toThrow(InputError);
    }
  });
});
