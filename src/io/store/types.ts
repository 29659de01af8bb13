/**
 * One storage interface for local directories and S3 buckets, so the CLI and the Lambdas share a
 * code path. Keys are `/`-separated relative paths checked by validateKey (keys.ts).
 */

/** Bytes, UTF-8 text, or a stream of chunks the producer does not reuse after yielding them. */
export type WriteBody = Uint8Array | string | AsyncIterable<Uint8Array>;

export interface ReadOptions {
  /** Objects larger than this are refused with an InputError before their bytes are read. */
  maxBytes: number;
}

/** An object's bytes and a tag that changes whenever the object does (S3: its ETag). */
export interface TaggedObject {
  bytes: Uint8Array;
  tag: string;
}

/** When a conditional write may happen: no object at the key yet, or still the object read with `tag`. */
export type WriteCondition = { absent: true } | { tag: string };

export interface ObjectStore {
  /** Where a key lives, for messages: `s3://bucket/key` or an absolute file path. */
  uriOf(key: string): string;

  /** The whole object. A missing object or one over maxBytes is an InputError naming uriOf(key). */
  read(key: string, options: ReadOptions): Promise<Uint8Array>;

  /** The object's bytes as they arrive; a missing object is an InputError on first iteration. */
  readStream(key: string): AsyncIterable<Uint8Array>;

  /**
   * Stores the object so that readers see either the previous object or the complete new one,
   * never a part; a failed write leaves the previous object (and, locally, no temporary file).
   */
  write(key: string, body: WriteBody): Promise<void>;

  /**
   * Every key below the folder `prefix` (`''` for all keys), i.e. keys starting with `prefix + '/'`,
   * so that listing job `a` never yields keys of job `ab`. Keys the store could not address (see
   * validateKey) are left out. The order is not part of the contract: S3 and the local store list
   * in ascending UTF-8 byte order, but S3-compatible servers may not (s3rver does not); sort if it
   * matters.
   */
  list(prefix: string): AsyncIterable<string>;

  exists(key: string): Promise<boolean>;

  /** The whole object and its tag, for a later writeIf; missing or too large as in read(). */
  readTagged(key: string, options: ReadOptions): Promise<TaggedObject>;

  /**
   * Writes a small object only if `condition` holds when it is written, and returns whether it
   * wrote. `{ absent: true }` is atomic against every other writer (S3: `If-None-Match: *`; local:
   * link(2), which fails on an existing name). `{ tag }`: S3 `If-Match`; the local store compares
   * and renames over under a lock file beside the object, so of concurrent conditional writers one
   * wins (an unconditional write() is not held back by it, on S3 neither).
   */
  writeIf(key: string, body: Uint8Array | string, condition: WriteCondition): Promise<boolean>;

  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;

  /**
   * Removes the temporary files that writes killed mid-way left below the folder `prefix` (only
   * names of the store's own temporary pattern) and returns how many. Only stores that write
   * through temporary files have it (the local store; S3 drops incomplete uploads by itself).
   * Run it only when no other writer is using the folder: it cannot tell a dead write's file from
   * a live one's.
   */
  removeTemporaryFiles?(prefix: string): Promise<number>;
}
