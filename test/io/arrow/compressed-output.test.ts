import { tableFromIPC } from 'apache-arrow';
import lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { encodeZstd, loadZstdEncoder, MAX_DECODED_BUFFER_BYTES } from '../../../src/io/arrow/codecs.js';
import { CompressedFileWriter, encodeArrowFile, lz4FileWriter, readArrowBatches } from '../../../src/io/arrow/report-tables.js';
import { dictionaryToUtf8, plainBatch, streamArrowBatches } from '../../../src/records/arrow.js';
import { buildTimelineBatch, readTimelineColumns, readTimelineRows, STORED_TIMELINE_SCHEMA, TIMELINE_SCHEMA, type TimelineRow } from '../../../src/records/timeline.js';
import { InputError } from '../../../src/domain/errors.js';
import { CompressionType, type Data, type Dictionary } from 'apache-arrow';

// A job's batch files: ZSTD bodies (LZ4 frames before), the timeline's ids and statuses as dictionaries
// (docs/formats.md "Outputs"). Readers take them and the plain files written before.

async function fileOf(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** 3 portfolios × 200 hourly rows: ids and statuses repeat, equities vary. */
const ROWS: TimelineRow[] = Array.from({ length: 600 }, (_, i) => {
  const p = Math.floor(i / 200);
  const h = i % 200;
  return {
    portfolioId: ['fund-α', '基金', 'p3'][p]!, time: h * 3_600_000, uniMMR: h % 7 === 0 ? null : 1 + h / 64, accountEquity: 1000 + h * 1.5, actualEquity: 1000 - h / 3, maintMargin: 10 + p,
    status: h < 150 ? 'NORMAL' : 'MARGIN_CALL', worstTime: h * 3_600_000 + 60_000 * (h % 60), steps: 60, cashFlowUSD: -h / 100,
  };
});

const storedFile = () => fileOf(encodeArrowFile(STORED_TIMELINE_SCHEMA, [buildTimelineBatch(ROWS, true)], { compress: true }));
const plainFile = () => fileOf(encodeArrowFile(TIMELINE_SCHEMA, [buildTimelineBatch(ROWS)]));

/** Whether `bytes` holds `needle` anywhere. */
function contains(bytes: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

describe('compressed, dictionary-encoded timeline batch files', () => {
  it('read back through the timeline readers as the rows written, whole and as a stream of small chunks', async () => {
    const file = await storedFile();
    const batches = [...readArrowBatches(file)];
    expect(batches.map((b) => b.numRows)).toEqual([600]);
    expect(String(batches[0]!.schema.fields[0]!.type)).toBe('Dictionary<Int32, Utf8>');
    expect(readTimelineRows(batches[0]!, 'timeline/batch-000000.arrow')).toEqual(ROWS);
    // The report reads a file as a stream with the plain schema put in front (streamArrowBatches):
    // the file's own inline schema, with its dictionaries, replaces it.
    const streamed = [];
    for await (const b of streamArrowBatches(chunksOf(file, 100), TIMELINE_SCHEMA)) streamed.push(b);
    const c = readTimelineColumns(streamed[0]!, 'timeline/batch-000000.arrow');
    expect(c.length).toBe(600);
    const idOf = (i: number) => new TextDecoder().decode(c.portfolioId.bytes.subarray(c.portfolioId.offsets[i], c.portfolioId.offsets[i + 1]));
    expect([idOf(0), idOf(199), idOf(200), idOf(599)]).toEqual(['fund-α', 'fund-α', '基金', 'p3']);
    expect(c.accountEquity[599]).toBe(1000 + 199 * 1.5);
  });

  it('are smaller than the plain file, and each compressed buffer is prefixed by its uncompressed length (the Arrow format; pyarrow decodes into it)', async () => {
    const file = await storedFile();
    expect(file.length).toBeLessThan((await plainFile()).length / 2);
    // maintMargin is 10, 11, 12 in runs of 200 rows: 600 × 8 = 4,800 bytes that ZSTD shrinks. Its
    // prefix is 4,800 as a little-endian int64 followed by the ZSTD frame's magic (28 B5 2F FD).
    const prefix = new Uint8Array(12);
    new DataView(prefix.buffer).setBigInt64(0, 4800n, true);
    prefix.set([0x28, 0xb5, 0x2f, 0xfd], 8);
    expect(contains(file, prefix)).toBe(true);
    // The schema says ZSTD (BodyCompression.codec 1), which pyarrow reads; apache-arrow reads it back here.
    expect(tableFromIPC(file).numRows).toBe(600);
  });

  it('written with LZ4 frames before still read back as the rows written', () => {
    const file = lz4FileWriter().writeAll([buildTimelineBatch(ROWS, true)]).toUint8Array(true);
    const prefix = new Uint8Array(12);
    new DataView(prefix.buffer).setBigInt64(0, 4800n, true);
    prefix.set([0x04, 0x22, 0x4d, 0x18], 8); // the LZ4 frame's magic
    expect(contains(file, prefix)).toBe(true);
    expect(readTimelineRows([...readArrowBatches(file)][0]!, 'timeline/batch-000000.arrow')).toEqual(ROWS);
  });

  it('store a buffer as it is (prefix −1) when ZSTD would not make it smaller', async () => {
    await loadZstdEncoder();
    // 16 random bytes: a ZSTD frame of them is ≥ 16 + its header, so the writer keeps them raw.
    const raw = Uint8Array.from([7, 201, 33, 90, 155, 2, 248, 61, 119, 14, 230, 77, 180, 5, 99, 142]);
    expect(encodeZstd(raw).length).toBeGreaterThan(raw.length);
    const writer = new CompressedFileWriter(CompressionType.ZSTD, encodeZstd);
    const body = writer['_compressBodyBuffers']([raw]);
    expect(Array.from(body.buffers[0] as Uint8Array)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(Array.from(body.buffers[1] as Uint8Array)).toEqual(Array.from(raw));
  });

  it('export as the bytes of the plain file: plainBatch undoes the dictionaries', async () => {
    const read = [...readArrowBatches(await storedFile())].map((b) => plainBatch(b, TIMELINE_SCHEMA, 'timeline/batch-000000.arrow'));
    expect(Buffer.from(await fileOf(encodeArrowFile(TIMELINE_SCHEMA, read)))).toEqual(Buffer.from(await plainFile()));
    // A plain batch (a file written before) passes as it is.
    const plain = [...readArrowBatches(await plainFile())][0]!;
    expect(plainBatch(plain, TIMELINE_SCHEMA, 'old.arrow')).toBe(plain);
  });

  it('with no rows still carry the schema and its dictionaries', async () => {
    const file = await fileOf(encodeArrowFile(STORED_TIMELINE_SCHEMA, [buildTimelineBatch([], true)], { compress: true }));
    const t = tableFromIPC(file);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(TIMELINE_SCHEMA.fields.map((f) => f.name));
  });

  it('refuse a compressed buffer that claims to decode to more than the limit, before allocating it', () => {
    // A valid LZ4 frame with a content-size field claiming 2^40 bytes (1 TiB), over MAX_DECODED_BUFFER_BYTES.
    const claimHuge = (src: Uint8Array) => {
      const frame = lz4.compress(src);
      const out = new Uint8Array(frame.length + 8);
      out.set(frame.subarray(0, 6));
      out[4] = frame[4]! | 0x08; // FLG: content size present
      new DataView(out.buffer).setBigUint64(6, 2n ** 40n, true);
      out.set(frame.subarray(6), 14);
      return out;
    };
    expect(2 ** 40).toBeGreaterThan(MAX_DECODED_BUFFER_BYTES);
    const file = new CompressedFileWriter(CompressionType.LZ4_FRAME, claimHuge).writeAll([buildTimelineBatch(ROWS, true)]).toUint8Array(true);
    expect(() => [...readArrowBatches(file)]).toThrow(/LZ4 buffer would decode to 1099511627776 bytes, over the limit/);
  });

  it('refuse a dictionary index outside the dictionary, naming the file and the column', () => {
    const batch = buildTimelineBatch(ROWS.slice(0, 3), true);
    const data = batch.getChildAt(0)!.data[0]! as Data<Dictionary>;
    (data.values as Int32Array)[2] = 7;
    expect(() => dictionaryToUtf8(data, 'timeline/batch-000003.arrow', 'portfolioId')).toThrow(InputError);
    expect(() => dictionaryToUtf8(data, 'timeline/batch-000003.arrow', 'portfolioId')).toThrow(/^timeline\/batch-000003\.arrow: portfolioId: expected dictionary indices 0 to 0, got index 7 in row 3 of a batch$/);
  });
});
