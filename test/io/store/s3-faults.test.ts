// The S3 store with each network fault aimed at a GET (test/helpers/fault-proxy.ts): read() returns
// the whole object or throws naming its URI, readStream() yields the whole object or throws naming
// its URI, and neither ever hands over a short body as data (docs/serverless.md "Timeouts, retries
// and verified reads"). The client is the one the CLI and the handlers use (createS3Client), with a
// small request timeout so a stall ends quickly.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { createS3Client } from '../../../src/io/store/open.js';
import { createS3Store, READ_ATTEMPTS } from '../../../src/io/store/s3.js';
import type { ObjectStore } from '../../../src/io/store/types.js';
import { FAULT_KINDS, startFaultProxy, type FaultKind, type FaultProxy } from '../../helpers/fault-proxy.js';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.js';
import { collectAll, patternBytes } from './contract.js';

const BUCKET = 'pmbt-fault-test';
const KEY = 'data/object.bin';
const URI = `s3://${BUCKET}/${KEY}`;
const REQUEST_TIMEOUT_MS = 500;

let server: S3TestServer;
let proxy: FaultProxy;
let client: S3Client;
let store: ObjectStore;
const object = patternBytes(300_000);

const envKeys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;
const savedEnv = envKeys.map((k) => process.env[k]);

beforeAll(async () => {
  server = await startS3Server({ buckets: [BUCKET] });
  proxy = await startFaultProxy({ target: server.endpoint, stallMs: 60 * REQUEST_TIMEOUT_MS });
  // createS3Client takes credentials and region from the environment, as in production.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
  client = createS3Client({ s3Endpoint: proxy.endpoint, s3ForcePathStyle: true, s3RequestTimeoutMs: REQUEST_TIMEOUT_MS });
  store = createS3Store({ client, bucket: BUCKET });
  await server.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: object }));
});
afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await server?.stop();
  envKeys.forEach((k, i) => (savedEnv[i] === undefined ? delete process.env[k] : (process.env[k] = savedEnv[i])));
});

/** Aims `kind` at the first `times` GETs of the object; everything else passes. */
function aim(kind: FaultKind, times: number): void {
  let hits = 0;
  proxy.reset({ seed: 0, rate: 0, pick: ({ method, url }) => (method === 'GET' && url.includes(KEY) && hits++ < times ? kind : undefined) });
}

const equalsObject = (bytes: Uint8Array) => Buffer.from(bytes).equals(Buffer.from(object));

describe('S3 reads through a faulty network', () => {
  it.each(FAULT_KINDS)('%s once: read() returns the whole object', async (kind) => {
    aim(kind, 1);
    expect(equalsObject(await store.read(KEY, { maxBytes: 1 << 20 }))).toBe(true);
    expect(proxy.faults.map((f) => f.kind)).toEqual([kind]);
    expect(proxy.faults.filter((f) => f.kind === 'stall' && !f.closedByClient)).toEqual([]);
  });

  it.each(FAULT_KINDS)('%s once: readStream() yields the whole object or throws naming it', async (kind) => {
    aim(kind, 1);
    const outcome = await collectAll(store.readStream(KEY)).then((chunks) => Buffer.concat(chunks), (e: unknown) => e as Error);
    expect(proxy.faults.map((f) => f.kind)).toEqual([kind]);
    if (kind === 'truncate' || kind === 'truncate-length') {
      // The headers had arrived: the SDK's retries were over, and yielded bytes cannot be taken back.
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toContain(URI);
    } else {
      // Before any header: the SDK's own retry (a stall ended by the request timeout).
      expect(outcome).toBeInstanceOf(Buffer);
      expect(equalsObject(outcome as Buffer)).toBe(true);
      expect(proxy.faults.filter((f) => f.kind === 'stall' && !f.closedByClient)).toEqual([]);
    }
  });

  it('a body cut every time is an error naming the URI after READ_ATTEMPTS reads, never data', async () => {
    for (const kind of ['truncate', 'truncate-length'] as const) {
      aim(kind, Infinity);
      const error = await store.read(KEY, { maxBytes: 1 << 20 }).then(() => undefined, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(InputError);
      expect(error!.message).toContain(URI);
      expect(proxy.faults).toHaveLength(READ_ATTEMPTS);
    }
  });

  it('a missing object is still an InputError at once, not retried', async () => {
    proxy.reset({ seed: 0, rate: 0 });
    await expect(store.read('data/missing.bin', { maxBytes: 1 << 20 })).rejects.toBeInstanceOf(InputError);
    expect(proxy.requests).toBe(1);
  });
});
