import { CompressionType, makeData, RecordBatch, RecordBatchFileWriter, RecordBatchReader, Struct, vectorFromArray, type Schema } from 'apache-arrow';
import { encodeLz4Frame, encodeZstd, loadZstdEncoder, registerArrowCodecs } from './codecs.js';
import { SequentialReadableFileWriter } from './ipc.js';

// The job's output tables as files. Their rows, schemas and column writers are owned by the
// records (src/records/timeline.ts, src/records/events/arrow.ts); this is the IPC file framing.

type CompressedBody = ReturnType<RecordBatchFileWriter['_compressBodyBuffers']>;

/**
 * Writes record batches with body compression (ZSTD for the job's batch files, LZ4 frame what they
 * were written with before), each buffer compressed on its own as the Arrow format says: an 8-byte little-endian prefix holding the buffer's uncompressed length (−1
 * when it is stored as it is, compression not making it smaller), then the frame. apache-arrow 21's
 * own writer puts the compressed length in that prefix, which its reader ignores but pyarrow and
 * Arrow C++ take as the size to decode into and then fail on; this writer puts the uncompressed
 * one. The schema message is also written inline (SequentialReadableFileWriter): a file whose
 * schema has dictionary columns must carry it for a reader that reads the file as a stream.
 */
export class CompressedFileWriter extends SequentialReadableFileWriter {
  /**
   * `encode` is the frame encoder of `codec` (encodeZstd once loadZstdEncoder has run, or
   * encodeLz4Frame): tests pass one that writes damaged frames.
   */
  constructor(codec: CompressionType, private readonly encode: (src: Uint8Array) => Uint8Array) {
    super({ compressionType: codec });
  }

  protected override _compressBodyBuffers(buffers: ArrayBufferView[]): CompressedBody {
    const out: Uint8Array[] = [];
    const bufferRegions: CompressedBody['bufferRegions'] = [];
    let offset = 0;
    for (const buffer of buffers) {
      const raw = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      if (raw.length === 0) {
        out.push(new Uint8Array(0), new Uint8Array(0));
        bufferRegions.push({ offset, length: 0 });
        continue;
      }
      const packed = this.encode(raw);
      const body = packed.length < raw.length ? packed : raw;
      const prefix = new Uint8Array(8);
      new DataView(prefix.buffer).setBigInt64(0, body === raw ? -1n : BigInt(raw.length), true);
      out.push(prefix, body);
      // Each prefix-and-body starts 8-byte aligned (the writer pads after each pair).
      offset = (offset + 7) & ~7;
      bufferRegions.push({ offset, length: 8 + body.length });
      offset += 8 + body.length;
    }
    return { byteLength: (offset + 7) & ~7, bufferRegions, buffers: out };
  }
}

/** A job's batch files before ZSTD: LZ4-frame bodies (tests write them to check they are still read). */
export const lz4FileWriter = () => new CompressedFileWriter(CompressionType.LZ4_FRAME, encodeLz4Frame);

/**
 * Encodes record batches as one Arrow IPC file, chunk by chunk (memory holds one batch).
 * `compress`: ZSTD bodies and an inline schema (CompressedFileWriter), what a job's batch files are
 * written as; without it, plain bodies, what `pmbt export` writes.
 */
export async function* encodeArrowFile(schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, options: { compress?: boolean } = {}): AsyncIterable<Uint8Array> {
  if (options.compress === true) await loadZstdEncoder();
  const writer = options.compress === true ? new CompressedFileWriter(CompressionType.ZSTD, encodeZstd) : new RecordBatchFileWriter();
  const chunks: Uint8Array[] = [];
  const pump = (async () => {
    for await (const c of writer) chunks.push(c);
  })();
  let wrote = false;
  for await (const b of batches) {
    if (b.numRows === 0) continue;
    writer.write(b);
    wrote = true;
    // Hand over what the writer has produced so far before building the next batch.
    await new Promise((r) => setImmediate(r));
    while (chunks.length > 0) yield chunks.shift()!;
  }
  // A file needs its schema even with no rows.
  if (!wrote) writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children: schema.fields.map((f) => vectorFromArray([], f.type).data[0]!) })));
  writer.close();
  await pump;
  while (chunks.length > 0) yield chunks.shift()!;
}

/** The record batches of an Arrow IPC file or stream held in memory (compressed bodies too). */
export function* readArrowBatches(bytes: Uint8Array): Iterable<RecordBatch> {
  registerArrowCodecs();
  yield* RecordBatchReader.from(bytes);
}
