/**
 * Bounds checks on Arrow IPC metadata before apache-arrow decodes it. The metadata are
 * flatbuffers, and apache-arrow (like flatbuffers' JS reader) trusts every vector length it finds:
 * a byte-mutated file whose record batch claims 2^31 field nodes made it loop for minutes reading
 * past the buffer (test/io/arrow/ipc-bounds.test.ts). Here every vector apache-arrow iterates over
 * (record batch nodes, buffers and variadic counts, schema fields and their children and metadata,
 * the footer's blocks) must fit inside its flatbuffer, and every message body inside the bytes.
 * Failures are plain Errors; the readers turn them into an InputError naming the file.
 */

/** A flatbuffer with bounds-checked reads (little-endian, as Arrow writes them). */
class Flatbuffer {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly what: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(at: number, size: number): void {
    if (!(at >= 0 && at + size <= this.bytes.length)) throw new Error(`${this.what}: flatbuffer offset ${at} outside its ${this.bytes.length} bytes`);
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }

  root(): number {
    return this.u32(0);
  }

  /** The position of field `index` of the table at `table`, or undefined when absent. */
  field(table: number, index: number): number | undefined {
    this.check(table, 4);
    const vtable = table - this.view.getInt32(table, true);
    const vtableSize = this.u16(vtable);
    if (4 + 2 * index >= vtableSize) return undefined;
    const offset = this.u16(vtable + 4 + 2 * index);
    return offset === 0 ? undefined : table + offset;
  }

  /** The table, vector or string a field's offset points to. */
  target(table: number, index: number): number | undefined {
    const at = this.field(table, index);
    return at === undefined ? undefined : at + this.u32(at);
  }

  /** A vector field's length, checked to fit (elements of `elementSize` bytes); 0 when absent. */
  vector(table: number, index: number, elementSize: number, name: string): { start: number; length: number } {
    const at = this.target(table, index);
    if (at === undefined) return { start: 0, length: 0 };
    const length = this.u32(at);
    if (at + 4 + length * elementSize > this.bytes.length) throw new Error(`${this.what}: ${name} claims ${length} entries, more than its ${this.bytes.length} bytes hold`);
    return { start: at + 4, length };
  }

  /** The tables of a vector of tables. */
  tables(table: number, index: number, name: string): number[] {
    const { start, length } = this.vector(table, index, 4, name);
    return Array.from({ length }, (_, i) => start + 4 * i + this.u32(start + 4 * i));
  }

  /** An int64 field as a Number (0 when absent). */
  i64(table: number, index: number): number {
    const at = this.field(table, index);
    if (at === undefined) return 0;
    this.check(at, 8);
    return Number(this.view.getBigInt64(at, true));
  }

  u8(table: number, index: number): number {
    const at = this.field(table, index);
    if (at === undefined) return 0;
    this.check(at, 1);
    return this.bytes[at]!;
  }
}

// Field indices and struct sizes from Arrow's Message.fbs, Schema.fbs and File.fbs.
const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;
const FIELD_NODE_BYTES = 16;
const BUFFER_BYTES = 16;
const BLOCK_BYTES = 24;
/** Deeper than any real schema; keeps a corrupted self-referencing field from recursing forever. */
const MAX_FIELD_DEPTH = 64;

function checkRecordBatch(fb: Flatbuffer, batch: number): void {
  fb.vector(batch, 1, FIELD_NODE_BYTES, 'record batch nodes');
  fb.vector(batch, 2, BUFFER_BYTES, 'record batch buffers');
  fb.vector(batch, 4, 8, 'record batch variadic buffer counts');
}

function checkField(fb: Flatbuffer, field: number, depth: number): void {
  if (depth > MAX_FIELD_DEPTH) throw new Error(`${fb.what}: schema fields nested over ${MAX_FIELD_DEPTH} deep`);
  fb.tables(field, 6, 'field metadata');
  for (const child of fb.tables(field, 5, 'field children')) checkField(fb, child, depth + 1);
}

function checkSchema(fb: Flatbuffer, schema: number): void {
  for (const field of fb.tables(schema, 1, 'schema fields')) checkField(fb, field, 0);
  fb.tables(schema, 2, 'schema metadata');
  fb.vector(schema, 3, 8, 'schema features');
}

/**
 * Checks one message's metadata flatbuffer and returns its body length, which must fit in
 * `bodyRoom` bytes.
 */
export function checkMessageMetadata(metadata: Uint8Array, bodyRoom: number, what: string): number {
  const fb = new Flatbuffer(metadata, what);
  const message = fb.root();
  const bodyLength = fb.i64(message, 3);
  if (bodyLength < 0 || bodyLength > bodyRoom) throw new Error(`${what}: message body of ${bodyLength} bytes, but ${bodyRoom} remain`);
  const header = fb.target(message, 2);
  if (header === undefined) return bodyLength;
  const type = fb.u8(message, 1);
  if (type === HEADER_SCHEMA) checkSchema(fb, header);
  else if (type === HEADER_RECORD_BATCH) checkRecordBatch(fb, header);
  else if (type === HEADER_DICTIONARY_BATCH) {
    const data = fb.target(header, 1);
    if (data !== undefined) checkRecordBatch(fb, data);
  }
  return bodyLength;
}

/**
 * Checks the encapsulated message at `at` (continuation marker and length, or the legacy bare
 * length; then metadata and body). Returns where the next message starts, or undefined at the
 * end-of-stream marker.
 */
export function checkMessageAt(bytes: Uint8Array, at: number, end: number, what: string): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at + 4 > end) throw new Error(`${what}: message at byte ${at} runs past byte ${end}`);
  let length = view.getInt32(at, true);
  let start = at + 4;
  if (length === -1) {
    if (at + 8 > end) throw new Error(`${what}: message at byte ${at} runs past byte ${end}`);
    length = view.getInt32(at + 4, true);
    start = at + 8;
  }
  if (length === 0) return undefined;
  if (length < 0 || start + length > end) throw new Error(`${what}: message metadata of ${length} bytes at byte ${at} runs past byte ${end}`);
  const bodyLength = checkMessageMetadata(bytes.subarray(start, start + length), end - start - length, `${what}, message at byte ${at}`);
  return start + length + bodyLength;
}

/** Checks every message of an IPC stream (no file magic). */
export function checkIpcStream(bytes: Uint8Array): void {
  let at: number | undefined = 0;
  while (at !== undefined && at < bytes.length) at = checkMessageAt(bytes, at, bytes.length, 'Arrow stream');
}

/** A footer block: where a dictionary or record batch message is in the file. */
export interface FooterBlock {
  list: 'dictionaries' | 'record batches';
  number: number;
  offset: number;
  metaDataLength: number;
}

/**
 * Checks an IPC file's footer flatbuffer (its schema and block lists) and returns its blocks, each
 * inside the file's messages (bytes 8 to `footerStart`).
 */
export function checkFooter(footer: Uint8Array, footerStart: number): FooterBlock[] {
  const fb = new Flatbuffer(footer, 'Arrow file footer');
  const root = fb.root();
  const schema = fb.target(root, 1);
  if (schema !== undefined) checkSchema(fb, schema);
  const blocks: FooterBlock[] = [];
  const view = new DataView(footer.buffer, footer.byteOffset, footer.byteLength);
  for (const [index, list] of [[2, 'dictionaries'], [3, 'record batches']] as const) {
    const { start, length } = fb.vector(root, index, BLOCK_BYTES, `footer ${list}`);
    for (let i = 0; i < length; i++) {
      const at = start + i * BLOCK_BYTES;
      const offset = Number(view.getBigInt64(at, true));
      const metaDataLength = view.getInt32(at + 8, true);
      if (!(offset >= 8 && metaDataLength > 0 && offset + metaDataLength <= footerStart)) throw new Error(`Arrow file footer: block ${i + 1} of ${list} (byte ${offset}, ${metaDataLength} bytes of metadata) outside the file's messages (bytes 8 to ${footerStart})`);
      blocks.push({ list, number: i + 1, offset, metaDataLength });
    }
  }
  return blocks;
}

/** The footer's length from the file's last 10 bytes (int32 length, "ARROW1"), checked to fit in `size`. */
export function readFooterLength(tail: Uint8Array, size: number): number {
  const length = tail.length >= 10 ? new DataView(tail.buffer, tail.byteOffset + tail.length - 10, 4).getInt32(0, true) : -1;
  if (length <= 0 || length > size - 18) throw new Error(`Arrow file footer length ${length} does not fit in the file's ${size} bytes`);
  return length;
}

/**
 * Checks an IPC file's footer (checkFooter) and the message each block points at; the blocks must
 * lie between the magic prefix and the footer.
 */
export function checkIpcFile(bytes: Uint8Array): void {
  const footerLength = readFooterLength(bytes.subarray(Math.max(0, bytes.length - 10)), bytes.length);
  const footerStart = bytes.length - 10 - footerLength;
  for (const block of checkFooter(bytes.subarray(footerStart, bytes.length - 10), footerStart)) {
    checkMessageAt(bytes, block.offset, footerStart, `Arrow file, ${block.list} block ${block.number}`);
  }
}
