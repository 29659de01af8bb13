import { Float64, RecordBatchReader, Schema, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeArrowFile } from '../../src/io/arrow/report-tables.js';
import {
  batchOf, field, msToInt64, nullableFloat64Data, readFloat64, readTimestampMs, readUtf8, requireColumnData, streamArrowBatches, timestampData, utf8Data,
} from '../../src/records/arrow.js';

const SCHEMA = new Schema([field('id', new Utf8()), field('t', new TimestampMillisecond('UTC')), field('x', new Float64(), true)]);
const batch = () => batchOf(SCHEMA, 3, [utf8Data('id', ['a', 'a', 'ü'], false), timestampData(SCHEMA.fields[1]!.type, msToInt64([0, 4294967296, 1_700_000_000_123])), nullableFloat64Data([1.5, null, -2])]);

async function fileOf(): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of encodeArrowFile(SCHEMA, [batch(), batch()])) parts.push(c);
  return Buffer.concat(parts);
}

describe('the records’ Arrow columns', () => {
  it('write and read back strings (repeats, non-ASCII), ms timestamps and nullable floats', () => {
    const b = batch();
    expect(readUtf8(requireColumnData(b, SCHEMA, 'id', 'f'))).toEqual(['a', 'a', 'ü']);
    expect(Array.from(readTimestampMs(requireColumnData(b, SCHEMA, 't', 'f'), 'f', 't', 0))).toEqual([0, 4294967296, 1_700_000_000_123]);
    expect(Array.from(readFloat64(requireColumnData(b, SCHEMA, 'x', 'f'), true, 'f', 'x', 0))).toEqual([1.5, Number.NaN, -2]);
  });
  it('refuse a null where the column may not hold one, naming the file and the row counted from 1', () => {
    expect(() => utf8Data('id', ['a', undefined], false)).toThrow(/id: row 2 has no value/);
    expect(() => readFloat64(requireColumnData(batch(), SCHEMA, 'x', 'f.arrow'), false, 'f.arrow', 'x', 10)).toThrow(/^f\.arrow: row 12\.x: expected a value, got null$/);
  });
  it('refuse a file without a column, or with another type', () => {
    const other = new Schema([field('id', new Float64())]);
    const b = batchOf(other, 1, [nullableFloat64Data([1])]);
    expect(() => requireColumnData(b, SCHEMA, 't', 'g.arrow')).toThrow(/^g\.arrow: t: expected a column "t"/);
    expect(() => requireColumnData(b, SCHEMA, 'id', 'g.arrow')).toThrow(/^g\.arrow: id: expected a Utf8 column, got Float64/);
  });
  it('stream a file’s batches as its bytes arrive, with the known schema put in front', async () => {
    const bytes = await fileOf();
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
    }
    const rows: number[] = [];
    for await (const b of streamArrowBatches(chunks(), SCHEMA)) rows.push(b.numRows);
    expect(rows).toEqual([3, 3]);
    expect([...RecordBatchReader.from(bytes)].map((b) => b.numRows)).toEqual(rows);
  });
});
