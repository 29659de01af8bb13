import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { createMemoryLocator, createMemoryStore } from '../../../src/io/store/memory.js';
import { describeStoreContract } from './contract.js';

const store = createMemoryStore();
let folderCount = 0;
describeStoreContract('memory store', () => ({ store, freshPrefix: () => `t${++folderCount}` }));

describe('memory store', () => {
  test('stands in for a bucket: its URIs are the S3 store\'s, and keys() shows what was left', async () => {
    const bucket = createMemoryStore({ uriPrefix: 's3://pm-data/' });
    await bucket.write('reports/a/_SUCCESS', '{}');
    await bucket.write('jobs/a.json', '{}');
    expect(bucket.uriOf('reports/a/_SUCCESS')).toBe('s3://pm-data/reports/a/_SUCCESS');
    expect(bucket.keys()).toEqual(['jobs/a.json', 'reports/a/_SUCCESS']);
    await expect(bucket.read('reports/b', { maxBytes: 10 })).rejects.toThrow('s3://pm-data/reports/b: (document): expected an existing object, got no such key');
  });

  test('a caller changing the bytes it wrote or read does not change the stored object', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    await store.write('alias/x', bytes);
    bytes[0] = 9;
    const read = await store.read('alias/x', { maxBytes: 3 });
    read[1] = 9;
    expect([...(await store.read('alias/x', { maxBytes: 3 }))]).toEqual([1, 2, 3]);
  });
});

describe('memory locator', () => {
  test('sends s3:// URIs to the bucket\'s memory store and local paths to the file system', async () => {
    const bucket = createMemoryStore({ uriPrefix: 's3://pm-data/' });
    const locate = createMemoryLocator({ 'pm-data': bucket });
    const remote = locate('s3://pm-data/inputs/x.json');
    expect(remote).toEqual({ store: bucket, key: 'inputs/x.json' });
    const dir = await mkdtemp(join(tmpdir(), 'pmbt-memory-locator-'));
    try {
      const local = locate(join(dir, 'y.txt'));
      await local.store.write(local.key, 'on disk');
      expect(await readFile(join(dir, 'y.txt'), 'utf8')).toBe('on disk');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a bucket the test did not set up is an InputError naming the URI', () => {
    const locate = createMemoryLocator({ 'pm-data': createMemoryStore() });
    expect(() => locate('s3://elsewhere/x')).toThrow(InputError);
    expect(() => locate('s3://elsewhere/x')).toThrow('s3://elsewhere/x: (document): expected a bucket of this test (pm-data), got bucket "elsewhere"');
  });
});
