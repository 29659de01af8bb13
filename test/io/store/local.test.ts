import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../src/domain/errors.js';
import { createLocalStore, WRITE_CHUNK_BYTES } from '../../../src/io/store/local.js';
import type { ObjectStore } from '../../../src/io/store/types.js';
import { collectAll, describeStoreContract, expectSameBytes, failingAfter, listSorted, patternBytes } from './contract.js';

let dir: string;
let store: ObjectStore;
let folderCount = 0;
const freshPrefix = () => `t${++folderCount}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pmbt-local-store-'));
  store = createLocalStore(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describeStoreContract('local store', () => ({ store, freshPrefix }));

const tempFilesIn = async (folder: string) => (await readdir(join(dir, folder))).filter((n) => n.startsWith('.pmbt-'));
const decode = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('local store: atomic writes', () => {
  test('while a write is in progress readers see the old file and list hides the temp file', async () => {
    const folder = freshPrefix();
    const key = `${folder}/result.json`;
    await store.write(key, 'old');

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let markHalfway!: () => void;
    const halfway = new Promise<void>((resolve) => (markHalfway = resolve));
    async function* slowBody() {
      yield new Uint8Array(1024 * 1024).fill(0x6e);
      markHalfway(); // runs once the first chunk has been written out
      await gate;
      yield new Uint8Array(1024 * 1024).fill(0x6e);
    }
    const writing = store.write(key, slowBody());
    await halfway;

    expect(decode(await store.read(key, { maxBytes: 10 }))).toBe('old');
    expect(await tempFilesIn(folder)).toHaveLength(1);
    expect(await collectAll(store.list(folder))).toEqual([key]);

    release();
    await writing;
    expect((await store.read(key, { maxBytes: 2 * 1024 * 1024 })).byteLength).toBe(2 * 1024 * 1024);
    expect(await tempFilesIn(folder)).toEqual([]);
  });

  test('a reader racing repeated rewrites only ever sees one whole version', async () => {
    const key = `${freshPrefix()}/raced.bin`;
    const versions = [new Uint8Array(2 * 1024 * 1024).fill(0x61), new Uint8Array(3 * 1024 * 1024).fill(0x62)];
    await store.write(key, versions[0]!);
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 12; i++) await store.write(key, versions[i % 2]!);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const got = await store.read(key, { maxBytes: 4 * 1024 * 1024 });
      expectSameBytes(got, got.byteLength === versions[0]!.byteLength ? versions[0]! : versions[1]!);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  test('a body of many small chunks, gathered into writes of WRITE_CHUNK_BYTES, is written whole and in order', async () => {
    const key = `${freshPrefix()}/chunks.bin`;
    // 300,000 chunks of 7 bytes: 2,100,000 bytes, two full gathers and a rest.
    const whole = patternBytes(300_000 * 7);
    async function* smallChunks() {
      for (let at = 0; at < whole.length; at += 7) yield whole.subarray(at, at + 7);
    }
    expect(whole.length).toBeGreaterThan(2 * WRITE_CHUNK_BYTES);
    await store.write(key, smallChunks());
    expectSameBytes(await store.read(key, { maxBytes: whole.length }), whole);
  });

  test('a failing write leaves neither the file nor a temp file', async () => {
    const folder = freshPrefix();
    await expect(store.write(`${folder}/x.bin`, failingAfter(patternBytes(50_000), 5_000, new Error('boom')))).rejects.toThrow('boom');
    expect(await readdir(join(dir, folder))).toEqual([]);

    // rename() fails when the target is a directory: the temp file must go too.
    await mkdir(join(dir, folder, 'taken'), { recursive: true });
    await expect(store.write(`${folder}/taken`, 'x')).rejects.toMatchObject({ code: expect.stringMatching(/EISDIR|EEXIST|ENOTEMPTY|EPERM/) });
    expect(await readdir(join(dir, folder))).toEqual(['taken']);
  });
});

describe('local store: files on disk', () => {
  test('uriOf is the absolute file path', () => {
    expect(store.uriOf('a/b.json')).toBe(join(dir, 'a', 'b.json'));
  });

  test('list skips temp files and symlinked directories, lists symlinked files', async () => {
    const folder = freshPrefix();
    await store.write(`${folder}/real.json`, '{}');
    await writeFile(join(dir, folder, '.pmbt-0123456789abcdef.tmp'), 'partial');
    await symlink(join(dir, folder), join(dir, folder, 'loop'));
    await symlink(join(dir, folder, 'real.json'), join(dir, folder, 'alias.json'));
    expect(await listSorted(store, folder)).toEqual([`${folder}/alias.json`, `${folder}/real.json`]);
  });

  test('temp-file names cannot be addressed as keys', async () => {
    await expect(store.write(`${freshPrefix()}/.pmbt-0123456789abcdef.tmp`, 'x')).rejects.toBeInstanceOf(InputError);
  });

  test('reading a directory is an InputError, not EISDIR', async () => {
    const folder = freshPrefix();
    await store.write(`${folder}/sub/x`, 'x');
    await expect(store.read(`${folder}/sub`, { maxBytes: 10 })).rejects.toThrow(`${join(dir, folder, 'sub')}: (document): expected a readable file, got not a regular file`);
  });

  test('list orders keys by UTF-8 bytes, as S3 does', async () => {
    const folder = freshPrefix();
    const names = ['b', 'a.json', 'a/z', 'A', 'é', '\uffff', '😀'];
    for (const name of names) await store.write(`${folder}/${name}`, name);
    expect(await collectAll(store.list(folder))).toEqual(['A', 'a.json', 'a/z', 'b', 'é', '\uffff', '😀'].map((n) => `${folder}/${n}`));
  });
});
