import { Message, MessageHeader, RecordBatchFileWriter, RecordBatchReader, Table, tableFromIPC, type RecordBatch, type Schema } from 'apache-arrow';
import type { FileHandle } from 'node:fs/promises';
import { InputError } from '../../domain/errors.js';
import { checkFooter, checkIpcFile, checkIpcStream, checkMessageMetadata, readFooterLength } from './ipc-bounds.js';

/**
 * The Arrow file format is a magic prefix, a complete IPC stream (schema message first, ending in
 * an end-of-stream marker) and a footer. pyarrow writes it so; apache-arrow JS leaves the inline
 * schema message out, which random-access readers do not mind but a sequential reader (a file
 * read as a stream from S3) cannot start without. This writer puts it back.
 */
export class SequentialReadableFileWriter extends RecordBatchFileWriter {
  protected override _writeSchema(schema: Schema): this {
    super._writeSchema(schema);
    return this._writeMessage(Message.from(schema));
  }
}

/** A table as Arrow IPC file bytes that sequential readers can also read. */
export function encodeArrowFile(table: Table): Uint8Array {
  return new SequentialReadableFileWriter().writeAll(table).toUint8Array(true);
}

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31, 0, 0]; // "ARROW1" + 2 bytes padding
const MAGIC_LENGTH = 6;

function hasMagicAt(bytes: Uint8Array, at: number): boolean {
  if (at < 0 || bytes.length < at + MAGIC_LENGTH) return false;
  for (let i = 0; i < MAGIC_LENGTH; i++) if (bytes[at + i] !== FILE_MAGIC[i]) return false;
  return true;
}

/** Whether the bytes start with the Arrow file magic (a file, not a stream). */
export function hasArrowFileMagic(bytes: Uint8Array): boolean {
  return hasMagicAt(bytes, 0);
}

/**
 * An Arrow IPC file starts and ends with "ARROW1"; its stream part alone reads as a valid stream,
 * so a file cut before its footer would silently give fewer rows. `head` and `tail` are the
 * file's first and last bytes (at least 6 of each when the file has them); a stream (starting
 * with the 0xFFFFFFFF continuation marker) has no footer and passes.
 */
export function rejectTruncatedArrowFile(head: Uint8Array, tail: Uint8Array, size: number, src: string): void {
  if (!hasMagicAt(head, 0)) return;
  if (size >= 2 * MAGIC_LENGTH && hasMagicAt(tail, tail.length - MAGIC_LENGTH)) return;
  throw new InputError(src, '', 'an Arrow file ending with its footer (magic "ARROW1")', `a file that ends before it (${size} bytes: truncated?)`);
}

/**
 * Reads Arrow IPC bytes, a file (magic at both ends: rejectTruncatedArrowFile first) or a stream,
 * into a Table. Every message's metadata is bounds-checked first (ipc-bounds.ts). A file is read
 * batch by batch through its footer: apache-arrow's own iteration (tableFromIPC) loops forever
 * when a footer block points at a message that is not a record batch — its batch index advances
 * only on a record batch, so it re-reads the same block — which a byte-mutated file made happen
 * (test/io/arrow/ipc-bounds.test.ts); readRecordBatch demands that message type instead. Failures
 * are plain Errors for the caller to name the file in.
 */
export function readArrowIpcTable(bytes: Uint8Array): Table {
  if (!hasArrowFileMagic(bytes)) {
    checkIpcStream(bytes);
    return checkColumnsMake(tableFromIPC(bytes));
  }
  checkIpcFile(bytes);
  const reader = RecordBatchReader.from(bytes);
  if (!reader.isFile() || !reader.isSync()) throw new Error('not an Arrow IPC file');
  reader.open();
  const batches: RecordBatch[] = [];
  for (let i = 0; i < reader.numRecordBatches; i++) {
    const batch = reader.readRecordBatch(i);
    if (batch === null) throw new Error(`Arrow file footer block ${i + 1} holds no record batch`);
    batches.push(batch);
  }
  return checkColumnsMake(new Table(reader.schema, batches));
}

/**
 * Builds each column once: apache-arrow checks some types (an Int of a bit width Arrow has not)
 * only when a column is first made, and the error should come from here, where the caller names
 * the file, not from a column reader.
 */
function checkColumnsMake(table: Table): Table {
  for (let i = 0; i < table.numCols; i++) table.getChildAt(i);
  return table;
}

/** Passes a byte stream through, keeping its first and last bytes for rejectTruncatedArrowFile. */
export class StreamEnds {
  head = new Uint8Array(0);
  tail = new Uint8Array(0);
  size = 0;

  async *watch(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.size += chunk.length;
      if (this.head.length < MAGIC_LENGTH) this.head = concatBytes([this.head, chunk]).slice(0, MAGIC_LENGTH);
      this.tail = concatBytes([this.tail, chunk.subarray(Math.max(0, chunk.length - MAGIC_LENGTH))]).slice(-MAGIC_LENGTH);
      yield chunk;
    }
  }
}

/** Pulls exact byte counts from an async chunk stream; the rest stays readable. */
class ChunkReader {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly iterator: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** `n` bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Uint8Array> {
    while (this.pendingBytes < n) {
      const next = await this.iterator.next();
      if (next.done) break;
      this.pending.push(next.value);
      this.pendingBytes += next.value.length;
    }
    const all = concatBytes(this.pending);
    const out = all.subarray(0, Math.min(n, all.length));
    this.pending = all.length > n ? [all.subarray(n)] : [];
    this.pendingBytes = Math.max(0, all.length - n);
    return out;
  }

  async *rest(): AsyncIterable<Uint8Array> {
    yield* this.pending.splice(0);
    this.pendingBytes = 0;
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Passes an IPC stream's bytes through, checking each message's metadata (ipc-bounds.ts) before
 * apache-arrow's sequential reader sees it. Bytes after the end-of-stream marker (a file's footer)
 * pass unchecked: the reader stops there. Framing it cannot follow (a short read) is passed on
 * for apache-arrow to report.
 */
export async function* checkStreamMessages(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = new ChunkReader(source);
  const int32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
  for (;;) {
    let prefix = await reader.read(4);
    if (prefix.length < 4) return yield prefix;
    let length = int32(prefix);
    if (length === -1) {
      const more = await reader.read(4);
      prefix = concatBytes([prefix, more]);
      if (more.length < 4) return yield prefix;
      length = int32(more);
    }
    yield prefix;
    if (length <= 0) return yield* reader.rest();
    const metadata = await reader.read(length);
    if (metadata.length < length) return yield metadata;
    let left = checkMessageMetadata(metadata, Number.MAX_SAFE_INTEGER, 'Arrow stream');
    yield metadata;
    while (left > 0) {
      const part = await reader.read(Math.min(left, 1 << 20));
      if (part.length === 0) return;
      yield part;
      left -= part.length;
    }
  }
}

/**
 * The record batches of an Arrow file read through a file handle (batch by batch at the offsets
 * its footer lists), with readArrowIpcTable's guards, all before apache-arrow decodes anything:
 * the footer and every block's message metadata are bounds-checked (read from the file: both are
 * small), and each record batch block must hold a record batch.
 */
export async function* readArrowFileHandleBatches(handle: FileHandle): AsyncGenerator<RecordBatch> {
  const { size } = await handle.stat();
  const readAt = async (offset: number, length: number) => {
    const out = new Uint8Array(length);
    const { bytesRead } = await handle.read(out, 0, length, offset);
    return out.subarray(0, bytesRead);
  };
  const footerLength = readFooterLength(await readAt(Math.max(0, size - 10), 10), size);
  const footerStart = size - 10 - footerLength;
  for (const block of checkFooter(await readAt(footerStart, footerLength), footerStart)) {
    const metadata = await readAt(block.offset, block.metaDataLength);
    const framing = new DataView(metadata.buffer).getInt32(0, true) === -1 ? 8 : 4;
    checkMessageMetadata(metadata.subarray(framing), footerStart - block.offset - block.metaDataLength, `Arrow file, ${block.list} block ${block.number}`);
  }
  const reader = await RecordBatchReader.from(handle);
  if (!reader.isFile() || !reader.isAsync()) throw new Error('not an Arrow IPC file');
  await reader.open();
  for (let i = 0; i < reader.numRecordBatches; i++) {
    const batch = await reader.readRecordBatch(i);
    if (batch === null) throw new Error(`Arrow file footer block ${i + 1} holds no record batch`);
    yield batch;
  }
}

async function* prepend(head: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (head.length > 0) yield head;
  yield* rest;
}

/**
 * Prepares an IPC byte stream for sequential reading. A stream, or a file whose stream part opens
 * with its schema, is returned as chunks to read one message at a time (the file's magic prefix
 * dropped; the reader stops at the end-of-stream marker before the footer). A file without the
 * inline schema (written by apache-arrow JS) can only be read from its footer: it is collected
 * whole, up to `maxWholeBytes`.
 */
export async function openSequentialIpc(source: AsyncIterable<Uint8Array>, src: string, maxWholeBytes: number): Promise<AsyncIterable<Uint8Array> | Uint8Array> {
  const reader = new ChunkReader(source);
  const head = await reader.read(FILE_MAGIC.length);
  // The 6-byte magic alone makes a file, as apache-arrow decides: bytes starting "ARROW1" with other
  // padding, handed on as a stream, made it open them as a file and loop (readArrowIpcTable).
  if (!hasMagicAt(head, 0)) return prepend(head, reader.rest());
  const prefix = await reader.read(8);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (prefix.length === 8 && view.getInt32(0, true) === -1) {
    const metadataLength = view.getInt32(4, true);
    const metadata = await reader.read(metadataLength);
    let isSchema = false;
    try {
      isSchema = metadata.length === metadataLength && Message.decode(metadata).headerType === MessageHeader.Schema;
    } catch {
      isSchema = false;
    }
    if (isSchema) return prepend(concatBytes([prefix, metadata]), reader.rest());
    return collectWhole([head, prefix, metadata], reader.rest(), src, maxWholeBytes);
  }
  return collectWhole([head, prefix], reader.rest(), src, maxWholeBytes);
}

async function collectWhole(first: Uint8Array[], rest: AsyncIterable<Uint8Array>, src: string, maxBytes: number): Promise<Uint8Array> {
  const chunks = [...first];
  let size = chunks.reduce((n, c) => n + c.length, 0);
  for await (const chunk of rest) {
    size += chunk.length;
    if (size > maxBytes) {
      throw new InputError(src, '', `an Arrow IPC stream, or a file of at most ${maxBytes} bytes whose stream part opens with its schema (this one must be read whole)`, 'a larger file without an inline schema');
    }
    chunks.push(chunk);
  }
  return concatBytes(chunks);
}
