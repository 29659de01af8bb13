import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { InputError, isInputError } from '../../domain/errors.js';
import { collectBytes, encodeText, tooLargeError } from './bytes.js';
import { isValidKey, validateKey, validatePrefix } from './keys.js';
import { validateBucketName } from './location.js';
import type { ObjectStore, ReadOptions, TaggedObject, WriteBody, WriteCondition } from './types.js';

// Why write() never hands the SDK a stream as a request body:
// with the SDK's default `requestChecksumCalculation: WHEN_SUPPORTED`, a PutObject/UploadPart whose
// Body is a stream is sent as `Content-Encoding: aws-chunked` with a trailing CRC32. Real S3 decodes
// that; S3-compatible servers that do not (s3rver 3.7.1, which tests use) store the framing as
// object bytes (`3e8\r\n<data>\r\n0\r\nx-amz-checksum-crc32:…\r\n\r\n`) and, returning no checksum
// on GET, nothing notices. A Uint8Array/string body gets an `x-amz-checksum-crc32` header instead
// and is stored as sent. So every request body here is bytes: small bodies go whole to PutObject,
// large and streamed ones through lib-storage's Upload, which cuts them into Buffer parts (or
// one Buffer PutObject when they fit in a part). Integrity checks stay on, with no special client
// settings, in production and in tests alike.

// Why reads check what arrived: the SDK retries a request only until the response headers arrive,
// so a body cut short afterwards surfaces as a stream error (or, if the connection closed at a
// point where the framing still looks complete, as fewer bytes). The SDK validates the body
// against the object's checksum when S3 returns one (objects it uploaded with a checksum); this
// store adds a length check against Content-Length and, for single-part objects stored unencrypted
// or with SSE-S3 (whose ETag is the MD5 of the bytes), an MD5 check, which also covers servers that
// return no checksum (s3rver, so the fault tests can see it). read() retries a body that fails
// these checks; readStream() cannot take back bytes it has yielded, so it throws at the end and
// the step fails (the state machine retries it). Either way a short body is never data.
// docs/serverless.md "Timeouts, retries and verified reads".

/** Whole-object reads: attempts at getting a complete, verified body (each a GET with its own retries). */
export const READ_ATTEMPTS = 3;
/** Pause before a read's next attempt, times the attempt number. */
const READ_RETRY_DELAY_MS = 100;

export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface S3StoreOptions {
  /** Constructed by the caller: region, credentials and, for tests, endpoint and forcePathStyle. */
  client: S3Client;
  bucket: string;
  /** Multipart part size, at least 5 MiB; also the largest body sent as one PutObject. */
  partBytes?: number;
  /** Parts uploaded concurrently; memory use is about partBytes × (queueSize + 1). */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). */
  listPageSize?: number;
}

/** What every operation of one S3 store needs. */
interface S3StoreContext {
  client: S3Client;
  bucket: string;
  partBytes: number;
  queueSize: number;
  uriOf: (key: string) => string;
}

export function createS3Store(options: S3StoreOptions): ObjectStore {
  const { client } = options;
  const bucket = validateBucketName(options.bucket);
  const partBytes = options.partBytes ?? 8 * 1024 * 1024;
  const listPageSize = options.listPageSize ?? 1000;
  if (!(partBytes >= MIN_PART_BYTES)) throw new RangeError(`partBytes must be at least ${MIN_PART_BYTES}, got ${partBytes}`);
  const uriOf = (key: string) => `s3://${bucket}/${key}`;
  const ctx: S3StoreContext = { client, bucket, partBytes, queueSize: options.queueSize ?? 4, uriOf };

  return {
    uriOf,
    read: async (key, readOptions) => (await readObject(ctx, key, readOptions)).bytes,
    readTagged: (key, readOptions) => readObject(ctx, key, readOptions),
    writeIf: (key, body, condition) => writeObjectIf(ctx, key, body, condition),
    readStream: (key) => readVerifiedStream(ctx, key),
    write: (key, body) => writeObject(ctx, key, body),

    async *list(prefix: string): AsyncIterable<string> {
      const folder = validatePrefix(prefix);
      const pages = paginateListObjectsV2(
        { client, pageSize: listPageSize },
        { Bucket: bucket, Prefix: folder === '' ? '' : `${folder}/` },
      );
      try {
        for await (const page of pages) {
          for (const object of page.Contents ?? []) {
            if (object.Key !== undefined && isValidKey(object.Key)) yield object.Key;
          }
        }
      } catch (e) {
        throw mapNotFound(e, uriOf(folder));
      }
    },

    async exists(key: string): Promise<boolean> {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: validateKey(key) }));
        return true;
      } catch (e) {
        // HEAD responses have no body, so a missing bucket also arrives as a bare 404.
        if (httpStatusOf(e) === 404) return false;
        throw e;
      }
    },

    async delete(key: string): Promise<void> {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: validateKey(key) }));
    },
  };
}

async function getObject(ctx: S3StoreContext, key: string): Promise<GetObjectCommandOutput & { Body: Readable }> {
  try {
    const out = await ctx.client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: validateKey(key) }));
    if (!(out.Body instanceof Readable)) throw new Error(`GetObject ${ctx.uriOf(key)}: expected a Node.js stream body`);
    return out as GetObjectCommandOutput & { Body: Readable };
  } catch (e) {
    throw mapNotFound(e, ctx.uriOf(key));
  }
}

async function readObject(ctx: S3StoreContext, key: string, { maxBytes }: ReadOptions): Promise<TaggedObject> {
  let last: unknown;
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, READ_RETRY_DELAY_MS * (attempt - 1)));
    try {
      return await readObjectOnce(ctx, key, maxBytes);
    } catch (e) {
      // A missing or oversized object stays so; a cut or corrupt body may not.
      if (isInputError(e)) throw e;
      last = e;
    }
  }
  throw new Error(`GetObject ${ctx.uriOf(key)}: no complete body in ${READ_ATTEMPTS} attempts: ${(last as Error)?.message ?? String(last)}`, { cause: last });
}

async function readObjectOnce(ctx: S3StoreContext, key: string, maxBytes: number): Promise<TaggedObject> {
  const out = await getObject(ctx, key);
  if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
    out.Body.destroy();
    throw tooLargeError(ctx.uriOf(key), maxBytes, out.ContentLength);
  }
  try {
    const bytes = await collectBytes(out.Body, ctx.uriOf(key), maxBytes);
    verifyBody(ctx.uriOf(key), out, bytes.byteLength, () => createHash('md5').update(bytes).digest('hex'));
    return { bytes, tag: out.ETag ?? '' };
  } finally {
    out.Body.destroy();
  }
}

/** The object's chunks as they arrive, checked at the end (see the note at the top). */
async function* readVerifiedStream(ctx: S3StoreContext, key: string): AsyncIterable<Uint8Array> {
  const out = await getObject(ctx, key);
  const md5 = md5OfETag(out) === undefined ? undefined : createHash('md5');
  let length = 0;
  const body = out.Body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await body.next();
      } catch (e) {
        // A connection lost mid-body says only "aborted"; name the object.
        throw new Error(`GetObject ${ctx.uriOf(key)}: body failed after ${length} bytes: ${(e as Error).message}`, { cause: e });
      }
      if (next.done) break;
      md5?.update(next.value);
      length += next.value.byteLength;
      yield next.value;
    }
  } finally {
    out.Body.destroy();
  }
  verifyBody(ctx.uriOf(key), out, length, () => md5!.digest('hex'));
}

/**
 * The MD5 an ETag stands for, when it stands for one: a single-part object (multipart ETags end in
 * `-N`) not encrypted with KMS or a customer key (their ETags are not the MD5 of the data).
 */
function md5OfETag(out: GetObjectCommandOutput): string | undefined {
  const m = /^"?([0-9a-f]{32})"?$/i.exec(out.ETag ?? '');
  if (!m || out.SSECustomerAlgorithm !== undefined) return undefined;
  if (out.ServerSideEncryption !== undefined && out.ServerSideEncryption !== 'AES256') return undefined;
  return m[1]!.toLowerCase();
}

function verifyBody(uri: string, out: GetObjectCommandOutput, length: number, md5: () => string): void {
  if (out.ContentLength !== undefined && length !== out.ContentLength) {
    throw new Error(`GetObject ${uri}: body of ${length} bytes, Content-Length ${out.ContentLength}: incomplete`);
  }
  const expected = md5OfETag(out);
  if (expected === undefined) return;
  const actual = md5();
  if (actual !== expected) throw new Error(`GetObject ${uri}: body MD5 ${actual} differs from the ETag ${expected}: incomplete or corrupt`);
}

function upload(ctx: S3StoreContext, key: string, body: Uint8Array | Readable) {
  return new Upload({ client: ctx.client, params: { Bucket: ctx.bucket, Key: key, Body: body }, partSize: ctx.partBytes, queueSize: ctx.queueSize }).done();
}

async function writeObject(ctx: S3StoreContext, key: string, body: WriteBody): Promise<void> {
  validateKey(key);
  const bytes = typeof body === 'string' ? encodeText(body) : body;
  if (bytes instanceof Uint8Array) {
    // Both paths only create the object once it is complete, so readers never see a part.
    if (bytes.byteLength <= ctx.partBytes) {
      await ctx.client.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength }));
    } else {
      await upload(ctx, key, bytes);
    }
    return;
  }
  // Upload reads the stream into Buffer parts (see the note at the top) and aborts the
  // multipart upload if the stream fails, so a failed write leaves no object. When that abort
  // fails too, Upload reports the abort's error and the producer's is lost; callers need the
  // producer's (it may be an InputError), and a bucket lifecycle rule removes stray parts.
  const watched = watchFailure(bytes);
  try {
    await upload(ctx, key, Readable.from(watched.chunks));
  } catch (e) {
    throw watched.seen.failure ? watched.seen.failure.error : e;
  }
}

/** Attempts at a conditional write that S3 answers 409 ConditionalRequestConflict (a concurrent one was in flight). */
const CONDITIONAL_ATTEMPTS = 3;

/**
 * PutObject with `If-None-Match: *` or `If-Match: <ETag>` (S3 has honoured both since 2024); a
 * 412 (the condition failed) or, for If-Match, a 404 (nothing to match) means "not written".
 */
async function writeObjectIf(ctx: S3StoreContext, key: string, body: Uint8Array | string, condition: WriteCondition): Promise<boolean> {
  const bytes = typeof body === 'string' ? encodeText(body) : body;
  const put = new PutObjectCommand({
    Bucket: ctx.bucket,
    Key: validateKey(key),
    Body: bytes,
    ContentLength: bytes.byteLength,
    ...('absent' in condition ? { IfNoneMatch: '*' } : { IfMatch: condition.tag }),
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.client.send(put);
      return true;
    } catch (e) {
      const status = httpStatusOf(e);
      if (status === 412 || (status === 404 && !('absent' in condition))) return false;
      if (status !== 409 || attempt >= CONDITIONAL_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, READ_RETRY_DELAY_MS * attempt));
    }
  }
}

/** Passes the chunks through and remembers whether the producer itself threw. */
function watchFailure(source: AsyncIterable<Uint8Array>) {
  const seen: { failure?: { error: unknown } } = {};
  async function* chunks(): AsyncIterable<Uint8Array> {
    try {
      yield* source;
    } catch (error) {
      seen.failure = { error };
      throw error;
    }
  }
  return { seen, chunks: chunks() };
}

function httpStatusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Missing keys and buckets are the user's to fix (a wrong URI); other failures pass through. */
function mapNotFound(e: unknown, uri: string): unknown {
  const name = (e as { name?: string }).name;
  if (name === 'NoSuchKey') return new InputError(uri, '', 'an existing object', 'no such key');
  if (name === 'NoSuchBucket') return new InputError(uri, '', 'an existing bucket', 'no such bucket');
  return e;
}
