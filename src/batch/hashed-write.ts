import { createHash } from 'node:crypto';
import type { ObjectStore, WriteBody } from '../io/store/types.js';

import type { FileDigest } from '../records/dataset.js';

export type { FileDigest } from '../records/dataset.js';

/**
 * Writes one output file and returns its size and digest, computed from the bytes written. Whole
 * bodies stay whole (one request on S3); streamed ones are hashed as they pass.
 */
export async function writeHashed(store: ObjectStore, key: string, body: WriteBody): Promise<FileDigest> {
  const hash = createHash('sha256');
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const whole = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    await store.write(key, whole);
    return { bytes: whole.length, sha256: hash.update(whole).digest('hex') };
  }
  let bytes = 0;
  async function* tee(): AsyncIterable<Uint8Array> {
    for await (const c of body as AsyncIterable<Uint8Array>) {
      hash.update(c);
      bytes += c.length;
      yield c;
    }
  }
  await store.write(key, tee());
  return { bytes, sha256: hash.digest('hex') };
}
