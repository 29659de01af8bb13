import { InputError } from '../domain/errors.js';
import { parseLocation } from '../io/store/location.js';
import type { ObjectStore } from '../io/store/types.js';

/**
 * A local output folder that is a regular file (or lies under one) would fail deep in the run with
 * an ENOTDIR stack trace: say so first. (An S3 key can be an object and a prefix at once.)
 */
export async function rejectFileOutput(store: ObjectStore, jobKey: string, output: string): Promise<void> {
  if (parseLocation(output).kind !== 'local') return;
  const segments = jobKey.split('/');
  for (let n = 1; n <= segments.length; n++) {
    const key = segments.slice(0, n).join('/');
    if (key !== '' && (await store.exists(key))) {
      throw new InputError('job', 'output', 'a folder (local path or s3://bucket/prefix/)', `${output}, which is a file${n < segments.length - 1 ? ` (${key} is a file)` : ''}`);
    }
  }
}
