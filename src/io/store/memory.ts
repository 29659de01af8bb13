import { createHash } from 'node:crypto';
import { InputError } from '../../domain/errors.js';
import { collectBytes, encodeText, tooLargeError } from './bytes.js';
import { validateKey, validatePrefix } from './keys.js';
import { parseLocation } from './location.js';
import { createLocalStore } from './local.js';
import type { Locate } from './open.js';
import type { ObjectStore, WriteBody } from './types.js';

// An ObjectStore in this process's memory, so the batch steps and handlers can be tested without a
// server. It keeps the contract's promises (test/io/store/contract.ts): whole-object writes, a
// failed streamed write leaves the previous object, copies in and out so callers cannot alias it.

export interface MemoryStoreOptions {
  /**
   * Prefix of uriOf(): `s3://bucket/` makes the store stand in for that bucket, so messages and
   * recorded URIs are the ones the S3 store would give. Default `memory://`.
   */
  uriPrefix?: string;
}

export interface MemoryStore extends ObjectStore {
  /** Every stored key, sorted; for tests that check what a step left behind. */
  keys(): string[];
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const prefix = options.uriPrefix ?? 'memory://';
  const objects = new Map<string, Uint8Array>();
  const uriOf = (key: string) => `${prefix}${key}`;
  const stored = (key: string): Uint8Array => {
    const bytes = objects.get(validateKey(key));
    if (bytes === undefined) throw new InputError(uriOf(key), '', 'an existing object', 'no such key');
    return bytes;
  };

  return {
    uriOf,
    keys: () => [...objects.keys()].sort(compareUtf8),
    async read(key, { maxBytes }) {
      const bytes = stored(key);
      if (bytes.byteLength > maxBytes) throw tooLargeError(uriOf(key), maxBytes, bytes.byteLength);
      return bytes.slice();
    },
    async *readStream(key) {
      const bytes = stored(key);
      // Chunked like a file stream, so readers that join chunks are exercised.
      for (let at = 0; at < bytes.byteLength; at += STREAM_CHUNK_BYTES) yield bytes.slice(at, at + STREAM_CHUNK_BYTES);
    },
    async write(key, body) {
      validateKey(key);
      objects.set(key, await collectBody(body, uriOf(key)));
    },
    async *list(folder) {
      const below = validatePrefix(folder) === '' ? '' : `${folder}/`;
      yield* [...objects.keys()].filter((k) => k.startsWith(below)).sort(compareUtf8);
    },
    async exists(key) {
      return objects.has(validateKey(key));
    },
    async readTagged(key, options) {
      const bytes = await this.read(key, options);
      return { bytes, tag: tagOf(bytes) };
    },
    async writeIf(key, body, condition) {
      // Check and set with no await between them: that is what makes it atomic here.
      const bytes = typeof body === 'string' ? encodeText(body) : body.slice();
      const current = objects.get(validateKey(key));
      const holds = 'absent' in condition ? current === undefined : current !== undefined && tagOf(current) === condition.tag;
      if (holds) objects.set(key, bytes);
      return holds;
    },
    async delete(key) {
      objects.delete(validateKey(key));
    },
  };
}

const STREAM_CHUNK_BYTES = 64 * 1024;

const tagOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function collectBody(body: WriteBody, uri: string): Promise<Uint8Array> {
  if (typeof body === 'string') return encodeText(body);
  if (body instanceof Uint8Array) return body.slice();
  // Copy each chunk: a producer may reuse its buffer once the next one is asked for.
  async function* copies(): AsyncIterable<Uint8Array> {
    for await (const chunk of body as AsyncIterable<Uint8Array>) yield chunk.slice();
  }
  return collectBytes(copies(), uri, Number.MAX_SAFE_INTEGER);
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A Locate that sends `s3://bucket/…` to the memory store given for that bucket and local paths to
 * the file system: jobs whose data lives "in S3" run with no server.
 */
export function createMemoryLocator(buckets: Record<string, ObjectStore>): Locate {
  return (uri) => {
    const parsed = parseLocation(uri);
    if (parsed.kind === 'local') return { store: createLocalStore(parsed.root), key: parsed.key };
    const store = buckets[parsed.bucket];
    if (store === undefined) throw new InputError(uri, '', `a bucket of this test (${Object.keys(buckets).join(', ')})`, `bucket "${parsed.bucket}"`);
    return { store, key: parsed.key };
  };
}
