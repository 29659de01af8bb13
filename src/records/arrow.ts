import { DataType, Dictionary, Field, Float64, Int32, makeData, RecordBatch, RecordBatchReader, Schema, Struct, Table, tableToIPC, TimestampMillisecond, Utf8, Vector, type Data, type Int8 } from 'apache-arrow';
import { InputError } from '../domain/errors.js';

// Column writers and readers shared by the output tables (timeline.arrow, events.arrow). Columns
// are filled straight into their buffers and read straight from them: apache-arrow's builders
// (vectorFromArray) and row objects cost more than the replay that produced the rows. A job's batch
// files may hold a column of few distinct strings (a portfolio's id on each of its rows) as a
// dictionary, one file one batch; readers see it as plain Utf8 (requireColumnData), and the single
// files `pmbt export` writes hold plain Utf8 (plainBatch), so their batches append without
// reconciling dictionaries.

export const field = (name: string, type: DataType, nullable = false) => new Field(name, type, nullable);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whole ms (|ms| < 2^53) as int64, written as the two 32-bit halves: no BigInt per row. */
export function msToInt64(ms: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(ms.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < ms.length; i++) {
    const t = ms[i]!;
    const hi = Math.floor(t / 4294967296);
    words[2 * i] = t - hi * 4294967296; // 0 ≤ lo < 2^32, stored modulo 2^32
    words[2 * i + 1] = hi;
  }
  return out;
}

/** A Utf8 column; `null` marks an absent value, allowed only where the field is nullable. */
export function utf8Data(name: string, values: readonly (string | null | undefined)[], nullable: boolean): Data<Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  let bytes = new Uint8Array(Math.max(64, n * 8));
  let used = 0;
  let nulls = 0;
  // Columns repeat themselves (a portfolio's id on each of its rows): a repeat is a byte copy.
  let previous: string | undefined;
  let previousStart = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      if (!nullable) throw new Error(`${name}: row ${i + 1} has no value, and the column is not nullable`);
      nulls++;
      offsets[i + 1] = used;
      continue;
    }
    validity[i >> 3]! |= 1 << (i & 7);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (bytes.length - used < 3 * v.length) {
      const grown = new Uint8Array(Math.max(2 * bytes.length, used + 3 * v.length));
      grown.set(bytes.subarray(0, used));
      bytes = grown;
    }
    if (v === previous) {
      const length = offsets[i]! - previousStart;
      bytes.copyWithin(used, previousStart, previousStart + length);
      previousStart = used;
      used += length;
    } else {
      previousStart = used;
      used += encoder.encodeInto(v, bytes.subarray(used)).written;
      previous = v;
    }
    offsets[i + 1] = used;
  }
  return makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : undefined, valueOffsets: offsets, data: bytes.subarray(0, used) });
}

/**
 * A dictionary-encoded string column of `type` (no nulls): each distinct value once, each row its
 * index. Rows repeat their neighbour's value (a portfolio's rows are consecutive): a repeat is no lookup.
 */
export function dictionaryUtf8Data(name: string, values: readonly string[], type: Dictionary<Utf8, Int32 | Int8>): Data<Dictionary<Utf8, Int32 | Int8>> {
  const indices = new type.indices.ArrayType(values.length);
  const limit = 2 ** (type.indices.bitWidth - 1);
  const index = new Map<string, number>();
  const distinct: string[] = [];
  let previous: string | undefined;
  let previousIndex = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== previous) {
      let k = index.get(v);
      if (k === undefined) {
        k = distinct.length;
        if (k >= limit) throw new Error(`${name}: more than ${limit} distinct values for a ${String(type.indices)} dictionary index`);
        index.set(v, k);
        distinct.push(v);
      }
      previous = v;
      previousIndex = k;
    }
    indices[i] = previousIndex;
  }
  const dictionary = new Vector([utf8Data(name, distinct, false)]);
  return makeData({ type, length: values.length, nullCount: 0, data: indices, dictionary });
}

/** A Float64 column where `null` marks an absent value. */
export function nullableFloat64Data(values: readonly (number | null)[]): Data<Float64> {
  const n = values.length;
  const data = new Float64Array(n);
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else {
      data[i] = v;
      validity[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : undefined, data });
}

export const float64Data = (values: Float64Array) => makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
export const int32Data = (values: Int32Array) => makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
export const timestampData = (type: DataType, values: BigInt64Array) => makeData({ type: type as TimestampMillisecond, length: values.length, nullCount: 0, data: values });
export const batchOf = (schema: Schema, length: number, children: Data[]) => new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));

/**
 * The chunk of column `name` in a batch of one of our tables, checked against the schema we write:
 * a file that lacks it or holds another type is not one of ours, and the error says which file.
 */
export function requireColumnData(batch: RecordBatch, expected: Schema, name: string, file: string): Data {
  const want = expected.fields.find((f) => f.name === name);
  if (want === undefined) throw new Error(`${name} is not a column of this table`);
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new InputError(file, name, `a column "${name}" (${String(want.type)})`, `columns ${batch.schema.fields.map((f) => f.name).join(', ') || '(none)'}`);
  const got = batch.schema.fields[i]!.type as DataType;
  // A dictionary of the expected value type reads as that type (what batch files hold for strings).
  const dictionaryOfWanted = DataType.isDictionary(got) && String(got.dictionary) === String(want.type);
  if (String(got) !== String(want.type) && !dictionaryOfWanted) throw new InputError(file, name, `a ${String(want.type)} column`, String(got));
  const child = batch.getChildAt(i)!;
  // A record batch read from IPC holds one chunk per column.
  if (child.data.length !== 1) throw new Error(`${file}: ${name}: expected one chunk in a record batch, got ${child.data.length}`);
  return dictionaryOfWanted ? dictionaryToUtf8(child.data[0] as Data<Dictionary>, file, name) : child.data[0]!;
}

/**
 * A dictionary-encoded string column as plain Utf8: each row's value copied from its dictionary
 * entry. An index outside the dictionary is refused (a damaged file), naming the column.
 */
export function dictionaryToUtf8(data: Data<Dictionary>, file: string, column: string): Data<Utf8> {
  const entries: Uint8Array[] = [];
  for (const chunk of data.dictionary?.data ?? []) {
    const offsets = chunk.valueOffsets as Int32Array;
    const bytes = chunk.values as Uint8Array;
    for (let k = 0; k < chunk.length; k++) entries.push(bytes.subarray(offsets[k]!, offsets[k + 1]!));
  }
  const indices = data.values as ArrayLike<number>;
  const offsets = new Int32Array(data.length + 1);
  let used = 0;
  for (let i = 0; i < data.length; i++) {
    const k = indices[i]!;
    // A null row's index may be anything: it takes no bytes.
    if (data.nullCount > 0 && !data.getValid(i)) {
      offsets[i + 1] = used;
      continue;
    }
    if (!(k >= 0 && k < entries.length)) throw new InputError(file, column, `dictionary indices 0 to ${entries.length - 1}`, `index ${k} in row ${i + 1} of a batch`);
    used += entries[k]!.length;
    offsets[i + 1] = used;
  }
  const bytes = new Uint8Array(used);
  for (let i = 0; i < data.length; i++) if (offsets[i + 1]! > offsets[i]!) bytes.set(entries[indices[i]!]!, offsets[i]!);
  return makeData({ type: new Utf8(), length: data.length, nullCount: data.nullCount, nullBitmap: data.nullCount > 0 ? data.nullBitmap : undefined, valueOffsets: offsets, data: bytes });
}

/**
 * A batch of one of our tables with its dictionary columns as plain Utf8, under the plain `schema`
 * (same columns, same order): what `pmbt export` writes, so its single files append batches of
 * every batch file, and are the bytes an export wrote before batch files held dictionaries.
 */
export function plainBatch(batch: RecordBatch, schema: Schema, file: string): RecordBatch {
  const names = batch.schema.fields.map((f) => f.name);
  if (names.join(',') !== schema.fields.map((f) => f.name).join(',')) throw new InputError(file, '', `columns ${schema.fields.map((f) => f.name).join(', ')}`, `columns ${names.join(', ')}`);
  if (!batch.schema.fields.some((f) => DataType.isDictionary(f.type))) return batch;
  return batchOf(schema, batch.numRows, schema.fields.map((f) => requireColumnData(batch, schema, f.name, file)));
}

/** "row N" for messages: rows are counted from 1 across the file's batches, like lines. */
export const rowPath = (row: number, column?: string) => (column === undefined ? `row ${row + 1}` : `row ${row + 1}.${column}`);

function rejectNulls(data: Data, file: string, column: string, firstRow: number): void {
  if (data.nullCount === 0) return;
  for (let i = 0; i < data.length; i++) if (!data.getValid(i)) throw new InputError(file, rowPath(firstRow + i, column), 'a value', 'null');
}

/** A millisecond timestamp column as ms since 1970 (nulls rejected). */
export function readTimestampMs(data: Data, file: string, column: string, firstRow: number): Float64Array {
  rejectNulls(data, file, column, firstRow);
  const values = data.values as BigInt64Array;
  const words = new Int32Array(values.buffer, values.byteOffset, data.length * 2);
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0);
  return out;
}

/** A Float64 column; a null is NaN where the column may hold nulls, and an error elsewhere. */
export function readFloat64(data: Data, nullable: boolean, file: string, column: string, firstRow: number): Float64Array {
  if (!nullable) rejectNulls(data, file, column, firstRow);
  const out = Float64Array.from((data.values as Float64Array).subarray(0, data.length));
  if (data.nullCount > 0) for (let i = 0; i < data.length; i++) if (!data.getValid(i)) out[i] = Number.NaN;
  return out;
}

export function readInt32(data: Data, file: string, column: string, firstRow: number): Int32Array {
  rejectNulls(data, file, column, firstRow);
  return Int32Array.from((data.values as Int32Array).subarray(0, data.length));
}

/** A Utf8 column's raw offsets and bytes, for loops that compare bytes before decoding. */
export interface Utf8Column {
  offsets: Int32Array;
  bytes: Uint8Array;
}

export function readUtf8Raw(data: Data, file: string, column: string, firstRow: number): Utf8Column {
  rejectNulls(data, file, column, firstRow);
  return { offsets: data.valueOffsets as Int32Array, bytes: data.values as Uint8Array };
}

/** A Utf8 column decoded, a null row as undefined. */
export function readUtf8(data: Data): (string | undefined)[] {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const out = new Array<string | undefined>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data.getValid(i) ? decoder.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!)) : undefined;
  return out;
}

const ARROW_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/** The IPC message that declares `schema` (what a stream starts with). */
function encodeSchemaMessage(schema: Schema): Uint8Array {
  const bytes = tableToIPC(new Table(schema), 'stream');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getInt32(0, true) !== -1) throw new Error('unexpected Arrow stream framing');
  return bytes.slice(0, 8 + view.getInt32(4, true));
}

/**
 * The record batches of an Arrow IPC file or stream as its bytes arrive, one batch in memory at a
 * time. A file is magic, the stream of messages with its end-of-stream marker, then the footer: it
 * is read as the stream it contains, so the footer at the end is never needed. apache-arrow's file
 * writer keeps the schema in the footer only, so for a file the known `schema` of what we wrote is
 * put in front (a file that has its own schema message replaces it).
 */
export async function* streamArrowBatches(chunks: AsyncIterable<Uint8Array>, schema: Schema): AsyncIterable<RecordBatch> {
  const source = chunks[Symbol.asyncIterator]();
  let head = new Uint8Array(0);
  while (head.length < 8) {
    const next = await source.next();
    if (next.done) break;
    const joined = new Uint8Array(head.length + next.value.length);
    joined.set(head);
    joined.set(next.value, head.length);
    head = joined;
  }
  const isFile = ARROW_MAGIC.every((b, i) => head[i] === b);
  async function* body(): AsyncIterable<Uint8Array> {
    if (isFile) yield encodeSchemaMessage(schema);
    const first = isFile ? head.subarray(8) : head;
    if (first.length > 0) yield first;
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield next.value;
    }
  }
  try {
    const reader = await RecordBatchReader.from(body());
    for await (const batch of reader) yield batch;
  } finally {
    await source.return?.();
  }
}
