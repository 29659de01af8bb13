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
import { InputError } from '../../domain/errors.js';
import { collectBytes, encodeText, tooLargeError } from './bytes.js';
import { isValidKey, validateKey, validatePrefix } from './keys.js';
import { validateBucketName } from './location.js';
import type { ObjectStore, ReadOptions, WriteBody } from './types.js';

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
    read: (key, readOptions) => readObject(ctx, key, readOptions),
    async *readStream(key: string): AsyncIterable<Uint8Array> {
      const out = await getObject(ctx, key);
      yield* out.Body as AsyncIterable<Uint8Array>;
    },
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

async function readObject(ctx: S3StoreContext, key: string, { maxBytes }: ReadOptions): Promise<Uint8Array> {
  const out = await getObject(ctx, key);
  if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
    out.Body.destroy();
    throw tooLargeError(ctx.uriOf(key), maxBytes, out.ContentLength);
  }
  try {
    return await collectBytes(out.Body, ctx.uriOf(key), maxBytes);
  } finally {
    out.Body.destroy();
  }
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
