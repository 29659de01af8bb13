import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../../domain/errors.js';
import { collectBytes, tooLargeError } from './bytes.js';
import { isValidKey, validateKey, validatePrefix } from './keys.js';
import type { ObjectStore, ReadOptions, TaggedObject, WriteBody, WriteCondition } from './types.js';

// Writes go to `.pmbt-<random>.tmp` beside the target and are renamed over it: rename within one
// directory is atomic on POSIX file systems, so readers see the old file or the whole new one.
const TEMP_NAME = /^\.pmbt-[0-9a-f]{16}\.tmp$/;

function createTempName(): string {
  return `.pmbt-${randomBytes(8).toString('hex')}.tmp`;
}

/** A store over the files below `root` (made absolute); key `a/b` is the file `root/a/b`. */
export function createLocalStore(root: string): ObjectStore {
  const rootDir = resolve(root);

  const pathOf = (key: string): string => {
    const path = join(rootDir, ...validateKey(key).split('/'));
    // validateKey already excludes traversal; this also catches platform quirks (drive letters,
    // reserved names) that could make join() leave the root.
    const rel = relative(rootDir, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new InputError(rootDir, '', 'a key inside the store', JSON.stringify(key));
    if (TEMP_NAME.test(key.slice(key.lastIndexOf('/') + 1))) throw new InputError(path, '', 'a name other than a temporary-file name');
    return path;
  };

  return {
    uriOf: (key) => join(rootDir, ...key.split('/')),

    async read(key: string, { maxBytes }: ReadOptions): Promise<Uint8Array> {
      const path = pathOf(key);
      const handle = await openForReading(path);
      try {
        const { size } = await handle.stat();
        if (size > maxBytes) throw tooLargeError(path, maxBytes, size);
        return await collectBytes(handle.createReadStream({ autoClose: false }), path, maxBytes);
      } finally {
        await handle.close();
      }
    },

    async *readStream(key: string): AsyncIterable<Uint8Array> {
      const path = pathOf(key);
      const handle = await openForReading(path);
      // The stream closes the handle when it ends or when the consumer stops early.
      yield* handle.createReadStream() as AsyncIterable<Uint8Array>;
    },

    async write(key: string, body: WriteBody): Promise<void> {
      const path = pathOf(key);
      await writeThroughTemp(path, body, (temp) => rename(temp, path));
    },

    async readTagged(key: string, options: ReadOptions): Promise<TaggedObject> {
      const bytes = await this.read(key, options);
      return { bytes, tag: tagOf(bytes) };
    },

    async writeIf(key: string, body: Uint8Array | string, condition: WriteCondition): Promise<boolean> {
      const path = pathOf(key);
      for (let attempt = 1; ; attempt++) {
        let wrote = false;
        try {
          await writeThroughTemp(path, body, async (temp) => {
            wrote = 'absent' in condition ? await linkIfAbsent(temp, path) : await renameIfTag(temp, path, condition.tag);
          });
          return wrote;
        } catch (e) {
          // The run that holds a job removes temporary files in its folder when it starts, and a
          // contender's lease write may be one of them: write it again.
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw e;
        }
      }
    },

    async *list(prefix: string): AsyncIterable<string> {
      const folder = validatePrefix(prefix);
      const dir = folder === '' ? rootDir : join(rootDir, ...folder.split('/'));
      const keys = await listFiles(dir, folder);
      keys.sort(compareUtf8);
      yield* keys;
    },

    async exists(key: string): Promise<boolean> {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch (e) {
        if (isMissing(e)) return false;
        throw e;
      }
    },

    async delete(key: string): Promise<void> {
      try {
        await unlink(pathOf(key));
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
    },

    async removeTemporaryFiles(prefix: string): Promise<number> {
      const folder = validatePrefix(prefix);
      return removeTempFiles(folder === '' ? rootDir : join(rootDir, ...folder.split('/')));
    },
  };
}

/** A local object's tag: its SHA-256, so equal bytes have equal tags as ETags of unencrypted S3 objects do. */
const tagOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * link(2) fails with EEXIST on an existing name: the one atomic create-if-absent a directory offers
 * that also publishes a complete file. The temporary name goes either way.
 */
async function linkIfAbsent(temp: string, path: string): Promise<boolean> {
  let linked = false;
  try {
    await link(temp, path);
    linked = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  await unlink(temp);
  return linked;
}

/**
 * Replace-if-tag under a lock file beside the target (named like a temporary file, so listings skip
 * it and a re-run's cleanup removes one a crash left): compare, then rename over. The target always
 * exists meanwhile, so a create-if-absent cannot slip in.
 */
async function renameIfTag(temp: string, path: string, tag: string): Promise<boolean> {
  return withSwapLock(path, async () => {
    const current = await readFile(path).catch((e: unknown) => {
      if (isMissing(e)) return undefined;
      throw e;
    });
    if (current === undefined || tagOf(current) !== tag) {
      await unlink(temp);
      return false;
    }
    await rename(temp, path);
    return true;
  });
}

/** A swap takes milliseconds: a lock this old was left by a process that died holding it. */
const STALE_SWAP_LOCK_MS = 10_000;
const SWAP_LOCK_ATTEMPTS = 500;

async function withSwapLock<T>(path: string, swap: () => Promise<T>): Promise<T> {
  const lock = join(dirname(path), `.pmbt-${createHash('sha256').update(basename(path)).digest('hex').slice(0, 16)}.tmp`);
  for (let attempt = 1; ; attempt++) {
    try {
      await (await open(lock, 'wx')).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const since = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (since > STALE_SWAP_LOCK_MS) await rm(lock, { force: true });
      else if (attempt >= SWAP_LOCK_ATTEMPTS) throw new Error(`${path}: another conditional write has held ${lock} for ${Math.round(since)} ms`);
      else await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
    }
  }
  try {
    return await swap();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * Writes `body` to a temporary file beside `path` (synced, so a crash after publishing cannot leave
 * an empty file) and hands it to `publish`, which renames or links it into place. A failure removes
 * the temporary file.
 */
async function writeThroughTemp(path: string, body: WriteBody, publish: (temp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), createTempName());
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx');
    await writeBody(handle, body);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await publish(temp);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
}

/**
 * Unlinks the regular files named like TEMP_NAME below `dir` (a write killed between open and
 * rename leaves one). Symlinks are neither followed nor removed, so nothing outside `dir` is touched.
 */
async function removeTempFiles(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return 0;
    throw e;
  }
  let removed = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removed += await removeTempFiles(path);
    else if (entry.isFile() && TEMP_NAME.test(entry.name)) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * A streamed body's chunks are gathered up to this many bytes before each write: an Arrow file
 * comes as many small chunks (a few bytes of metadata or padding each), and a write a chunk cost
 * one wait on the file system each (docs/performance.md "End to end").
 */
export const WRITE_CHUNK_BYTES = 1 << 20;

async function writeBody(handle: FileHandle, body: WriteBody): Promise<void> {
  if (typeof body === 'string' || body instanceof Uint8Array) return handle.writeFile(body);
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  const flush = async () => {
    const bytes = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    // write() may take fewer bytes than offered; writeFile() would loop for us but is typed for
    // whole bodies only in @types/node 20.
    for (let at = 0; at < bytes.byteLength; ) at += (await handle.write(bytes, at)).bytesWritten;
  };
  for await (const chunk of body) {
    held.push(chunk);
    heldBytes += chunk.byteLength;
    if (heldBytes >= WRITE_CHUNK_BYTES) await flush();
  }
  if (heldBytes > 0) await flush();
}

async function openForReading(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if (isMissing(e)) throw new InputError(path, '', 'a readable file', 'no such file');
    throw e;
  }
  // Opening a directory succeeds on Linux; reading it would fail with a less helpful EISDIR.
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new InputError(path, '', 'a readable file', 'not a regular file');
  }
  return handle;
}

/** Keys of regular files below `dir`; symlinked directories are not followed (no cycles). */
async function listFiles(dir: string, keyPrefix: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
  const keys: string[] = [];
  for (const entry of entries) {
    const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
    if (TEMP_NAME.test(entry.name) || !isValidKey(key)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) keys.push(...(await listFiles(path, key)));
    else if (entry.isFile() || (entry.isSymbolicLink() && (await isFileTarget(path)))) keys.push(key);
  }
  return keys;
}

async function isFileTarget(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
