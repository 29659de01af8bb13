import { readFileSync } from 'node:fs';
import { compress, init as initZstd } from '@bokuweb/zstd-wasm';
import {
  compressionRegistry,
  CompressionType,
  Dictionary,
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { beforeAll, describe, expect, test } from 'vitest';
import { readSeriesArrow } from '../../../src/io/arrow/series.js';

// A ZSTD-compressed series file. apache-arrow JS writes compressed batches once an encoder is
// registered. The committed fixture was written by apache-arrow with the zstd command-line tool as
// its encoder, half the buffers with a frame content size (--stream-size) and half without, so the
// reader meets both header forms. The first test writes the same table again with the reference
// zstd library compiled to WebAssembly (@bokuweb/zstd-wasm, a dev dependency: no tool outside npm)
// and checks it reads back as the committed file.
const FIXTURE = 'test/fixtures/arrow/series-zstd-us.arrow';
const BATCHES = 3;
const ROWS_PER_BATCH = 200;
const T0_US = 1_637_193_600_000_000n; // 2021-11-18T00:00:00Z
const SYMBOLS = ['XRP', 'XRPUSDT'];

/** Row r of the fixture: alternating index (XRP) and mark (XRPUSDT) rows a minute apart. */
function fixtureRow(r: number) {
  return { timeUs: T0_US + BigInt(Math.floor(r / 2)) * 60_000_000n + 1_500n, symbolId: r % 2, kind: r % 2 === 0 ? 'index' : 'mark', value: 1 + (r % 50) / 100 };
}

function buildFixtureTable(): Table {
  const timeType = new TimestampMicrosecond('UTC');
  const symbolType = new Dictionary(new Utf8(), new Int32());
  const fields = [new Field('time', timeType, false), new Field('symbol', symbolType, false), new Field('kind', new Utf8(), false), new Field('value', new Float64(), false)];
  const schema = new Schema(fields);
  const dictionary = vectorFromArray(SYMBOLS, new Utf8());
  const batches = Array.from({ length: BATCHES }, (_, b) => {
    const rows = Array.from({ length: ROWS_PER_BATCH }, (_, i) => fixtureRow(b * ROWS_PER_BATCH + i));
    const children = [
      makeData({ type: timeType, length: rows.length, nullCount: 0, data: BigInt64Array.from(rows, (r) => r.timeUs) }),
      makeData({ type: symbolType, length: rows.length, nullCount: 0, data: Int32Array.from(rows, (r) => r.symbolId), dictionary }),
      vectorFromArray(rows.map((r) => r.kind), new Utf8()).data[0]!,
      makeData({ type: new Float64(), length: rows.length, nullCount: 0, data: Float64Array.from(rows, (r) => r.value) }),
    ];
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }));
  });
  return new Table(schema, batches);
}

describe('ZSTD-compressed Arrow', () => {
  beforeAll(() => initZstd());

  test('writes compressed batches with a ZSTD encoder, which read back as the committed fixture', () => {
    const previous = compressionRegistry.get(CompressionType.ZSTD);
    compressionRegistry.set(CompressionType.ZSTD, { encode: (data: Uint8Array) => compress(data, 19), decode: previous?.decode });
    let bytes: Uint8Array;
    try {
      const writer = new RecordBatchFileWriter({ compressionType: CompressionType.ZSTD });
      bytes = writer.writeAll(buildFixtureTable()).toUint8Array(true);
    } finally {
      compressionRegistry.set(CompressionType.ZSTD, previous ?? {});
    }
    const fresh = readSeriesArrow(bytes, 'fresh');
    const committed = readSeriesArrow(new Uint8Array(readFileSync(FIXTURE)), FIXTURE);
    // The fresh file really is compressed: smaller than the same table written uncompressed.
    const plain = new RecordBatchFileWriter().writeAll(buildFixtureTable()).toUint8Array(true);
    expect(bytes.length).toBeLessThan(plain.length * 0.75);
    expect(Array.from(fresh.times)).toEqual(Array.from(committed.times));
    expect(Array.from(fresh.values)).toEqual(Array.from(committed.values));
    expect(fresh.symbols).toEqual(committed.symbols);
  });

  test('reads a ZSTD file with compressed dictionary and record batches (microsecond times)', () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    const table = readSeriesArrow(bytes, FIXTURE);
    expect(table.times.length).toBe(BATCHES * ROWS_PER_BATCH);
    expect(table.symbols).toEqual(SYMBOLS);
    for (const r of [0, 1, 199, 200, 201, 599]) {
      const row = fixtureRow(r);
      // 1.5 ms past the minute: floored to 1 ms.
      expect(table.times[r]).toBe(Number(row.timeUs / 1000n));
      expect(table.symbols[table.symbolIds[r]!]).toBe(SYMBOLS[row.symbolId]);
      expect(table.kinds[r]).toBe(row.kind === 'index' ? 0 : 1);
      expect(table.values[r]).toBe(row.value);
    }
    expect(table.times[0]).toBe(1_637_193_600_001);
  });
});
