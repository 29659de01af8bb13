// Behaviour every ObjectStore must share, run against the local store and the S3 store so the CLI
// and the Lambdas can swap them without noticing.
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import type { ObjectStore } from '../../../src/io/store/types.js';

export interface StoreFixture {
  store: ObjectStore;
  /** A fresh folder key per call, so tests do not see each other's objects. */
  freshPrefix(): string;
}

export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function* chunksOf(bytes: Uint8Array, chunkBytes: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += chunkBytes) yield bytes.slice(at, at + chunkBytes);
}

export async function* failingAfter(bytes: Uint8Array, chunkBytes: number, error: Error): AsyncIterable<Uint8Array> {
  yield* chunksOf(bytes, chunkBytes);
  throw error;
}

export async function collectAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Sorted, because list order is not part of the contract (s3rver does not list in S3's order). */
export async function listSorted(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await collectAll(store.list(prefix))).sort();
}

export function expectSameBytes(got: Uint8Array, want: Uint8Array): void {
  // toEqual on multi-MB arrays is slow and prints megabytes on failure; compare, then locate.
  expect(got.byteLength).toBe(want.byteLength);
  const diff = Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(want.buffer, want.byteOffset, want.byteLength));
  if (diff !== 0) {
    const at = got.findIndex((b, i) => b !== want[i]);
    expect.fail(`bytes differ first at offset ${at}`);
  }
}

async function expectInputError(p: Promise<unknown>, ...fragments: string[]): Promise<InputError> {
  const e = await p.then(
    () => expect.fail('expected an InputError'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  for (const f of fragments) expect((e as InputError).message).toContain(f);
  return e as InputError;
}

export function describeStoreContract(name: string, fixture: () => StoreFixture): void {
  describe(`${name}: ObjectStore contract`, () => {
    test('binary bytes and UTF-8 text round-trip exactly; a write replaces the object', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/all-bytes.bin`;
      const bytes = new Uint8Array(256 * 4).map((_, i) => i % 256);
      await store.write(key, bytes);
      expectSameBytes(await store.read(key, { maxBytes: 1 << 20 }), bytes);

      await store.write(key, 'π ≈ 3.14159 — 𝄞\n');
      expect(new TextDecoder().decode(await store.read(key, { maxBytes: 1 << 20 }))).toBe('π ≈ 3.14159 — 𝄞\n');

      await store.write(key, new Uint8Array(0));
      expect((await store.read(key, { maxBytes: 0 })).byteLength).toBe(0);
    });

    test('readStream delivers a multi-MB object in several chunks, byte-identical', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/big.bin`;
      const bytes = patternBytes(3 * 1024 * 1024 + 17, 7);
      await store.write(key, bytes);
      const chunks = await collectAll(store.readStream(key));
      expect(chunks.length).toBeGreaterThan(1);
      expectSameBytes(Buffer.concat(chunks), bytes);
    });

    test('stopping a readStream early releases it', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/big.bin`;
      await store.write(key, patternBytes(2 * 1024 * 1024, 3));
      for await (const chunk of store.readStream(key)) {
        expect(chunk.byteLength).toBeGreaterThan(0);
        break;
      }
      // The store still works (no exhausted sockets or leaked handles blocking it).
      expect(await store.exists(key)).toBe(true);
    });

    test('a streamed body of many small chunks round-trips', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/streamed.bin`;
      const bytes = patternBytes(300_001, 11);
      await store.write(key, chunksOf(bytes, 4096));
      expectSameBytes(await store.read(key, { maxBytes: bytes.byteLength }), bytes);
    });

    test('list yields every key below a folder and no keys of sibling folders', async () => {
      const { store, freshPrefix } = fixture();
      const root = freshPrefix();
      const keys = [`${root}/job-a/b/2.json`, `${root}/job-a/a.json`, `${root}/job-a/b/10.json`, `${root}/job-ab/x.json`, `${root}/job-a.json`];
      for (const key of keys) await store.write(key, key);
      expect(await listSorted(store, `${root}/job-a`)).toEqual([`${root}/job-a/a.json`, `${root}/job-a/b/10.json`, `${root}/job-a/b/2.json`]);
      expect(await listSorted(store, root)).toEqual([...keys].sort());
      expect(await collectAll(store.list(`${root}/nothing-here`))).toEqual([]);
    });

    test('list goes through many keys (several pages on S3)', async () => {
      const { store, freshPrefix } = fixture();
      const root = freshPrefix();
      const keys = Array.from({ length: 45 }, (_, i) => `${root}/k${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((key) => store.write(key, key)));
      expect(await listSorted(store, root)).toEqual(keys);
    });

    test('exists and delete; deleting a missing object is fine', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/x.json`;
      expect(await store.exists(key)).toBe(false);
      await store.write(key, '{}');
      expect(await store.exists(key)).toBe(true);
      await store.delete(key);
      expect(await store.exists(key)).toBe(false);
      await store.delete(key);
      expect(await store.exists(key)).toBe(false);
    });

    test('read refuses an object over maxBytes, naming the URI and the size', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/ten.bin`;
      await store.write(key, patternBytes(10));
      expect((await store.read(key, { maxBytes: 10 })).byteLength).toBe(10);
      const e = await expectInputError(store.read(key, { maxBytes: 9 }), store.uriOf(key), '10 bytes', 'at most 9 bytes');
      expect(e.source).toBe(store.uriOf(key));
    });

    test('reading a missing object is an InputError naming the URI', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/missing.json`;
      await expectInputError(store.read(key, { maxBytes: 100 }), store.uriOf(key));
      await expectInputError(collectAll(store.readStream(key)), store.uriOf(key));
    });

    test('a streamed write that fails leaves no object and keeps the previous one', async () => {
      const { store, freshPrefix } = fixture();
      const folder = freshPrefix();
      const fresh = `${folder}/fresh.bin`;
      const boom = new Error('producer failed');
      await expect(store.write(fresh, failingAfter(patternBytes(100_000), 10_000, boom))).rejects.toBe(boom);
      expect(await store.exists(fresh)).toBe(false);

      const old = `${folder}/old.bin`;
      await store.write(old, 'previous');
      await expect(store.write(old, failingAfter(patternBytes(100_000), 10_000, boom))).rejects.toBe(boom);
      expect(new TextDecoder().decode(await store.read(old, { maxBytes: 100 }))).toBe('previous');
      expect(await collectAll(store.list(folder))).toEqual([old]);
    });

    test('writeIf absent: exactly one of many concurrent creators wins, and a second create is refused', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/_lease.json`;
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.writeIf(key, `writer ${i}`, { absent: true })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(new TextDecoder().decode(await store.read(key, { maxBytes: 100 }))).toBe(`writer ${winner}`);
      expect(await store.writeIf(key, 'late', { absent: true })).toBe(false);
      expect(new TextDecoder().decode(await store.read(key, { maxBytes: 100 }))).toBe(`writer ${winner}`);
    });

    test('writeIf tag: replaces only the object that was read; a stale or missing tag writes nothing', async () => {
      const { store, freshPrefix } = fixture();
      const key = `${freshPrefix()}/record.json`;
      await store.write(key, 'first');
      const first = await store.readTagged(key, { maxBytes: 100 });
      expect(new TextDecoder().decode(first.bytes)).toBe('first');
      expect(await store.writeIf(key, 'second', { tag: first.tag })).toBe(true);
      const second = await store.readTagged(key, { maxBytes: 100 });
      expect(second.tag).not.toBe(first.tag);
      // A writer still holding the first tag lost the race: its write must not land.
      expect(await store.writeIf(key, 'stale', { tag: first.tag })).toBe(false);
      expect(new TextDecoder().decode(await store.read(key, { maxBytes: 100 }))).toBe('second');
      await store.delete(key);
      expect(await store.writeIf(key, 'gone', { tag: second.tag })).toBe(false);
      expect(await store.exists(key)).toBe(false);
      expect(await collectAll(store.list(key.slice(0, key.lastIndexOf('/'))))).toEqual([]);
    });

    test('keys that could escape their folder are refused before any I/O', async () => {
      const { store, freshPrefix } = fixture();
      const folder = freshPrefix();
      for (const key of [`${folder}/../x`, `/${folder}/x`, `${folder}//x`, `${folder}/a\\b`, `${folder}/a\u0000b`, '', `${folder}/`]) {
        await expectInputError(store.write(key, 'x'));
        await expectInputError(store.read(key, { maxBytes: 10 }));
        await expectInputError(store.exists(key));
        await expectInputError(store.delete(key));
      }
      await expectInputError(collectAll(store.list(`${folder}/..`)));
    });
  });
}
