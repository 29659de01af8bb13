import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { decodeZstd } from '../../../src/io/arrow/codecs.js';
import { writePortfoliosArrow } from '../../../src/io/arrow/portfolios.js';
import { readSeriesArrow, writeSeriesArrow } from '../../../src/io/arrow/series.js';
import { mutateBytes, type ByteMutation } from '../../helpers/byte-mutations.js';
import { everyMinute, seriesOf } from '../../helpers/series.js';
import { ROOT } from '../../helpers/pmbt.js';

// Byte-mutated series files that hung or stalled the job's price reader (issue 15; found by the
// series-file property of test/fuzz/inputs.test.ts). Each is the valid file of that property with
// the mutation fast-check drew, kept as the mutation so the bytes stay readable here.

const T0 = Date.UTC(2024, 2, 1);
/** The fuzz property's uncompressed file: 5 minutes of a BTC index and a BTCUSDT mark. */
const VALID = writeSeriesArrow(seriesOf([...everyMinute(T0, 5, 'BTC', 'index', (m) => 40000 + m), ...everyMinute(T0, 5, 'BTCUSDT', 'mark', (m) => 40010 + m)]));
/** The ZSTD-compressed fixture (3 record batches, one dictionary batch). */
const ZSTD = new Uint8Array(readFileSync('test/fixtures/arrow/series-zstd-us.arrow'));

function inserted(bytes: Uint8Array, at: number, add: number[]): Uint8Array {
  return Uint8Array.from([...bytes.subarray(0, at), ...add, ...bytes.subarray(at)]);
}

function withInt32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  new DataView(out.buffer).setInt32(at, value, true);
  return out;
}

const HANGS: [name: string, bytes: () => Uint8Array][] = [
  // 8 bytes inserted inside the first record batch's metadata: the footer's first record batch
  // block now holds a message whose header type is no known one. apache-arrow's file reader
  // advances its batch index only on a record batch, so it read that block forever.
  ['a footer block at a message that is not a record batch', () => {
    const flipped = Uint8Array.from(ZSTD);
    flipped[1641] = flipped[1641]! ^ 1;
    return inserted(flipped, 292, [25, 142, 255, 255, 60, 88, 52, 234]);
  }],
  // Inserted bytes shift the record batch's flatbuffer: its nodes vector claims 67,108,864
  // entries, which apache-arrow decoded one by one, past the buffer, for minutes.
  ['a record batch claiming 2^26 field nodes', () => inserted(VALID, 628, [189, 78, 3, 12, 238, 211, 199, 111])],
  // An int32 written over a dictionary batch: its buffers vector claims 132,201,238 entries.
  ['a dictionary batch claiming 132 million buffers', () => withInt32(VALID, 796, 132201238)],
];

describe('byte-mutated series files that hung the reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pmbt-ipc-bounds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, bytes] of HANGS) {
    test(`${name}: an InputError naming the file`, () => {
      // In a child process with a time limit: the old reader looped in synchronous code, which no
      // test timeout can interrupt.
      const file = join(dir, 'prices.arrow');
      writeFileSync(file, bytes());
      const script = "import { readFileSync } from 'node:fs'; import { readSeriesArrow } from './src/io/arrow/series.ts'; import { InputError } from './src/domain/errors.ts';" +
        "try { readSeriesArrow(readFileSync(process.argv[1]), 'prices.arrow'); console.log('read'); } catch (e) { console.log(e instanceof InputError ? 'InputError ' + e.message : 'other ' + String(e)); }";
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(child.error, 'finished within 60 s').toBeUndefined();
      expect(child.stdout.trim()).toMatch(/^InputError prices\.arrow: \(document\): expected an Arrow IPC file or stream \(Feather v2\), got Arrow file, [^\n]+$/);
    });
  }
});

describe('corrupted buffers inside a well-formed file', () => {
  test('string offsets that run backwards name the column and row, in one short line', () => {
    // -1 over the ZSTD fixture's kind offsets: each row re-read most of the string data (4 s),
    // and the error quoted a string of megabytes.
    const e = (() => {
      try {
        readSeriesArrow(withInt32(ZSTD, 2472, -1), 'prices.arrow');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message.length).toBeLessThan(300);
    expect((e as InputError).message).toMatch(/^prices\.arrow: /);
  });

  test('a ZSTD frame claiming 335 MB of content is not turned into a string', () => {
    // fzstd, handed an output buffer, tests it with `w == 1`, joining its bytes into a string: for
    // 335 MB that is past V8's longest string ("Invalid string length", after a second or more).
    // The frame: content size 0x14000000 (4 bytes), then an empty last raw block.
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x80, 0x00, 0x00, 0x00, 0x00, 0x14, 0x01, 0x00, 0x00]);
    expect(() => decodeZstd(frame)).not.toThrow(/Invalid string length/);
  });
});

// The same for Arrow portfolio files (found by the portfolio-file property of the fuzz tests, at
// the default seed), read as `pmbt convert` reads them (bytes), as a local job does (a file
// handle) and as a job on S3 does (a stream).
const PORTFOLIOS = writePortfoliosArrow(Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, balances: [{ asset: 'USDT', umWalletBalance: String(1000 + i) }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.1', entryPrice: '40000' }] })), { batchSize: 2 });
const PORTFOLIO_HANGS: [name: string, mutations: ByteMutation[], paths: ('bytes' | 'handle' | 'stream')[]][] = [
  // A footer block at a message that is not a record batch, as above (the file reader's loop).
  ['a footer block at a message that is not a record batch', [{ kind: 'flip', at: 1469886788, bit: 2 }, { kind: 'insert', at: 959595013, bytes: [27] }, { kind: 'set', at: 1027452035, byte: 45 }], ['bytes', 'handle']],
  // A balances list offset of 1.2 billion over a list of 2 entries: the row's reader walked them.
  ['a list offset past its entries', [{ kind: 'set', at: 970704309, byte: 72 }], ['bytes', 'handle', 'stream']],
  // The magic's padding changed: taken for a stream by our reader, for a file by apache-arrow's.
  ['"ARROW1" followed by other padding', [{ kind: 'insert', at: 6, bytes: [12, 238, 211, 199] }], ['stream']],
];

describe('byte-mutated Arrow portfolio files that hung the reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pmbt-ipc-bounds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (path: string) =>
    "import { readFileSync } from 'node:fs'; import { open } from 'node:fs/promises'; import { readPortfolioDocuments } from './src/io/arrow/portfolios.ts';" +
    "const file = process.argv[1]; const bytes = new Uint8Array(readFileSync(file)); async function* chunks() { for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000); }" +
    `const source = '${path}' === 'bytes' ? bytes : '${path}' === 'handle' ? await open(file) : chunks();` +
    "let n = 0; try { for await (const item of readPortfolioDocuments(source, 'desk.arrow')) n++; console.log('read ' + n); } catch (e) { console.log(e.name + ' ' + e.message); }";

  for (const [name, mutations, paths] of PORTFOLIO_HANGS) {
    for (const path of paths) {
      test(`${name}, read as ${path}: an InputError naming the file`, () => {
        const file = join(dir, 'desk.arrow');
        writeFileSync(file, mutateBytes(PORTFOLIOS, mutations));
        const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(path), file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
        expect(child.error, 'finished within 60 s').toBeUndefined();
        expect(child.stdout.trim()).toMatch(/^InputError desk\.arrow: [^\n]+$/);
      });
    }
  }
});
