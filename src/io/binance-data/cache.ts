import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../../domain/errors.js';
import type { ObjectStore } from '../store/types.js';

/**
 * Where downloaded files are kept between runs, by key (a URL's path). Only complete, verified
 * content is put, so whatever is found can be used as it is.
 */
export interface ByteCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._=-]*$/;

/**
 * Checks a cache key made from a URL: relative segments of safe characters only, so no key can
 * name a file outside the cache folder (no `..`, no absolute path, no backslash, no empty segment).
 */
export function checkCacheKey(key: string): string {
  const segments = key.split('/');
  if (segments.some((s) => !KEY_SEGMENT.test(s) || s.includes('..'))) {
    throw new InputError('cache', key, 'a cache key of path segments made of letters, digits and . _ = - (from a URL path)', JSON.stringify(key));
  }
  return key;
}

/** The cache key of a URL: its path without the leading slash, plus the query as segments. */
export function cacheKeyOfUrl(url: string): string {
  const u = new URL(url);
  const query = [...u.searchParams].map(([k, v]) => `${k}=${v}`);
  return checkCacheKey([u.pathname.replace(/^\/+/, ''), ...query].join('/'));
}

/** A cache in a local folder; each file is written to a temporary name and renamed, so it is whole or absent. */
export function folderCache(root: string): ByteCache {
  const base = resolve(root);
  const pathOf = (key: string) => {
    const path = resolve(base, ...checkCacheKey(key).split('/'));
    const rel = relative(base, path);
    // Belt and braces beside checkCacheKey: the resolved path must lie under the root.
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) throw new InputError('cache', key, 'a key inside the cache folder', path);
    return path;
  };
  return {
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const tmp = join(dirname(path), `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

/** A cache in memory (tests, and a Lambda that keeps nothing between runs). */
export function memoryCache(): ByteCache & { keys(): string[] } {
  const files = new Map<string, Uint8Array>();
  return {
    get: async (key) => files.get(checkCacheKey(key)),
    put: async (key, bytes) => void files.set(checkCacheKey(key), bytes),
    delete: async (key) => void files.delete(key),
    keys: () => [...files.keys()].sort(),
  };
}

/** The largest file kept: a monthly 1-minute zip is a few MB. */
const MAX_CACHED_BYTES = 512 * 1024 * 1024;

/** A cache in an object store under a prefix (a bucket for a scheduled job; the store writes atomically). */
export function storeCache(store: ObjectStore, prefix: string): ByteCache {
  const keyOf = (key: string) => (prefix === '' ? checkCacheKey(key) : `${prefix}/${checkCacheKey(key)}`);
  return {
    get: async (key) => ((await store.exists(keyOf(key))) ? store.read(keyOf(key), { maxBytes: MAX_CACHED_BYTES }) : undefined),
    put: (key, bytes) => store.write(keyOf(key), bytes),
    delete: (key) => store.delete(keyOf(key)),
  };
}

/** The default cache folder: $XDG_CACHE_HOME/pmbt, else ~/.cache/pmbt. */
export function defaultCacheFolder(env: NodeJS.ProcessEnv, home: string): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg !== undefined && xdg !== '' && isAbsolute(xdg) ? join(xdg, 'pmbt') : join(home, '.cache', 'pmbt');
}
