import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../../../src/domain/errors.js';
import { createS3Store, MIN_PART_BYTES } from '../../../src/io/store/s3.js';
import type { ObjectStore } from '../../../src/io/store/types.js';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.js';
import { chunksOf, collectAll, describeStoreContract, expectSameBytes, failingAfter, patternBytes } from './contract.js';

const BUCKET = 'pmbt-store-test';

interface SentRequest {
  command: string;
  contentEncoding: string | undefined;
}

let server: S3TestServer;
let client: S3Client;
let store: ObjectStore;
let sent: SentRequest[] = [];
let folderCount = 0;

beforeAll(async () => {
  server = await startS3Server({ buckets: [BUCKET] });
  client = server.client();
  // Observes what actually goes over the wire after the SDK's checksum middleware has run.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      sent.push({ command: context.commandName ?? '?', contentEncoding: headers['content-encoding'] });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordSentRequests' },
  );
  // Small pages so that listing 45 keys takes several ListObjectsV2 calls.
  store = createS3Store({ client, bucket: BUCKET, partBytes: MIN_PART_BYTES, listPageSize: 7 });
});
afterAll(() => server?.stop());
beforeEach(() => {
  sent = [];
});

describeStoreContract('S3 store', () => ({ store, freshPrefix: () => `t${++folderCount}` }));

describe('S3 store on the wire', () => {
  test('no request body is ever sent aws-chunked (s3rver would store the framing)', async () => {
    const key = `t${++folderCount}/mixed.bin`;
    await store.write(key, patternBytes(1000));
    await store.write(key, 'text');
    await store.write(key, chunksOf(patternBytes(100_000), 1000));
    await store.write(key, chunksOf(patternBytes(MIN_PART_BYTES * 2 + 5), 64 * 1024));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((r) => r.contentEncoding?.includes('aws-chunked'))).toEqual([]);
  });

  test('a small body is one PutObject', async () => {
    await store.write(`t${++folderCount}/small.bin`, patternBytes(MIN_PART_BYTES));
    expect(sent.map((r) => r.command)).toEqual(['PutObjectCommand']);
  });

  test('multipart upload of a large Uint8Array reads back byte-identical', async () => {
    const key = `t${++folderCount}/multipart-bytes.bin`;
    const bytes = patternBytes(MIN_PART_BYTES * 2 + 123_457, 5);
    await store.write(key, bytes);
    expect(sent.filter((r) => r.command === 'UploadPartCommand')).toHaveLength(3);
    expectSameBytes(await store.read(key, { maxBytes: bytes.byteLength }), bytes);
  });

  test('multipart upload of a stream (odd chunk sizes) reads back byte-identical', async () => {
    const key = `t${++folderCount}/multipart-stream.bin`;
    const bytes = patternBytes(MIN_PART_BYTES * 2 + 99_991, 9);
    await store.write(key, chunksOf(bytes, 65_521));
    const commands = sent.map((r) => r.command);
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expectSameBytes(Buffer.concat(await collectAll(store.readStream(key))), bytes);
  });

  test('a stream failing after some parts aborts the upload and leaves no object', async () => {
    const key = `t${++folderCount}/aborted.bin`;
    const boom = new Error('producer failed mid-upload');
    await expect(store.write(key, failingAfter(patternBytes(MIN_PART_BYTES * 2 + 1), 256 * 1024, boom))).rejects.toBe(boom);
    const commands = sent.map((r) => r.command);
    expect(commands).toContain('UploadPartCommand');
    // s3rver 3.7.1 answers AbortMultipartUpload with 405 MethodNotAllowed; the store must still
    // report the producer's error rather than the abort's.
    expect(commands).toContain('AbortMultipartUploadCommand');
    expect(commands).not.toContain('CompleteMultipartUploadCommand');
    expect(await store.exists(key)).toBe(false);
  });

  test('read refuses an oversized object from its declared length without downloading it', async () => {
    const key = `t${++folderCount}/large.bin`;
    await store.write(key, patternBytes(MIN_PART_BYTES + 1));
    const err = await store.read(key, { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`s3://${BUCKET}/${key}: (document): expected an object of at most 1024 bytes, got ${MIN_PART_BYTES + 1} bytes`);
  });

  test('listing 45 keys with pages of 7 makes 7 ListObjectsV2 calls', async () => {
    const folder = `t${++folderCount}`;
    await Promise.all(Array.from({ length: 45 }, (_, i) => store.write(`${folder}/${i}`, '')));
    sent = [];
    expect(await collectAll(store.list(folder))).toHaveLength(45);
    expect(sent.filter((r) => r.command === 'ListObjectsV2Command')).toHaveLength(7);
  });

  test('a missing bucket is an InputError naming it', async () => {
    const other = createS3Store({ client, bucket: 'no-such-bucket-here' });
    const err = await other.read('x', { maxBytes: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain('s3://no-such-bucket-here/x');
    expect((err as InputError).message).toContain('no such bucket');
  });

  test('refuses invalid bucket names and part sizes below the S3 minimum', () => {
    expect(() => createS3Store({ client, bucket: 'Bad_Bucket' })).toThrow(InputError);
    expect(() => createS3Store({ client, bucket: BUCKET, partBytes: MIN_PART_BYTES - 1 })).toThrow(RangeError);
  });
});
