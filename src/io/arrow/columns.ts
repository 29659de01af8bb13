import { DataType, makeVector, Precision, TimeUnit, type Data, type Schema, type Table, type Vector } from 'apache-arrow';
import { InputError } from '../../domain/errors.js';

/**
 * Column readers for Arrow tables other tools wrote. They walk each chunk's typed arrays (never
 * `get(i)` or row objects: 10–500× slower, docs/performance.md) and name the file, the column and the row
 * (counted from 1 across record batches, like every row in a message: docs/formats.md#errors) of
 * the first value they reject.
 */

export type EpochUnit = 's' | 'ms' | 'us' | 'ns';
export const EPOCH_UNITS: readonly EpochUnit[] = ['s', 'ms', 'us', 'ns'];
const TIME_UNIT_NAMES: Record<TimeUnit, EpochUnit> = { [TimeUnit.SECOND]: 's', [TimeUnit.MILLISECOND]: 'ms', [TimeUnit.MICROSECOND]: 'us', [TimeUnit.NANOSECOND]: 'ns' };

/** JavaScript Dates end at ±8.64e15 ms; the model has no use for times before 1970. */
export const MAX_TIME_MS = 8.64e15;

/** Names a cell in messages: its column and row, the row counted from 1 (`index` is 0-based). */
export function cellPath(column: string, index: number): string {
  return `${column}, row ${index + 1}`;
}

/** Index of a column by exact name, else by case-insensitive name; -1 when absent. */
export function findColumnIndex(schema: Schema, name: string): number {
  const exact = schema.fields.findIndex((f) => f.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return schema.fields.findIndex((f) => f.name.toLowerCase() === lower);
}

export function requireColumn(table: Table, name: string, src: string, expected: string): { name: string; vector: Vector } {
  const i = findColumnIndex(table.schema, name);
  if (i < 0) throw new InputError(src, name, `a column "${name}" (${expected})`, `columns ${table.schema.fields.map((f) => f.name).join(', ') || '(none)'}`);
  const field = table.schema.fields[i]!;
  return { name: field.name, vector: table.getChildAt(i)! };
}

/** Throws at the first null of a chunk; `base` is the chunk's first row in the table. */
export function rejectNulls(data: Data, base: number, src: string, column: string, expected: string): void {
  if (data.nullCount === 0) return;
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) throw new InputError(src, cellPath(column, base + i), expected, 'null');
  }
}

/**
 * Checks that each chunk's buffers hold its claimed length, before any reader sizes an output by
 * `vector.length` or walks the rows: apache-arrow takes a record batch's length and offsets from
 * the file as they are, so a corrupted file could claim a billion rows over a few bytes (an
 * allocation that fails or takes seconds) or string offsets that run backwards or past the data
 * (each row re-reading the whole buffer). Fixed-width values need `length` entries (the typed
 * array's own element counting: a dictionary's keys, a timestamp's int64s); string offsets must
 * be non-decreasing from ≥ 0 to at most the data's size.
 */
export function checkColumnChunks(vector: Vector, src: string, column: string): void {
  let base = 0;
  for (const data of vector.data) {
    checkChunkBuffers(data, base, src, column);
    base += data.length;
  }
}

/**
 * One chunk of checkColumnChunks (`base`: its first row in the table). List columns need
 * `length + 1` offsets within their child (the portfolio table's lists).
 */
export function checkChunkBuffers(data: Data, base: number, src: string, column: string): void {
  const type = data.type as DataType;
  const values = data.values as ArrayLike<unknown> | undefined;
  if (data.nullCount > 0 && (data.nullBitmap?.length ?? 0) < Math.ceil(data.length / 8)) throw new InputError(src, column, `a validity bitmap for the ${data.length} rows from row ${base + 1}`, `${data.nullBitmap?.length ?? 0} bytes`);
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) checkStringOffsets(data, base, src, column, (data.values as Uint8Array | undefined)?.length ?? 0);
  else if (DataType.isList(type) || DataType.isLargeList(type)) checkStringOffsets(data, base, src, column, data.children[0]?.length ?? 0);
  else if ((DataType.isInt(type) || DataType.isFloat(type) || DataType.isTimestamp(type) || DataType.isDictionary(type)) && (values?.length ?? 0) < data.length) {
    throw new InputError(src, column, `values for the ${data.length} rows from row ${base + 1}`, `${values?.length ?? 0} values`);
  }
}

/**
 * checkChunkBuffers over a chunk and its nested children (a list's entries, a struct's fields,
 * each as long as the struct): the portfolio table's list<struct> columns.
 */
export function checkChunkTree(data: Data, base: number, src: string, column: string): void {
  checkChunkBuffers(data, base, src, column);
  const isStruct = DataType.isStruct(data.type as DataType);
  for (const child of data.children as Data[]) {
    if (isStruct && child.length < data.length) throw new InputError(src, column, `struct fields of ${data.length} entries`, `${child.length}`);
    checkChunkTree(child, 0, src, column);
  }
}

/** Offsets (of strings, or of a list's entries) non-decreasing from ≥ 0 to at most `size`. */
function checkStringOffsets(data: Data, base: number, src: string, column: string, size: number): void {
  const offsets = data.valueOffsets as ArrayLike<number | bigint> | undefined;
  if ((offsets?.length ?? 0) < data.length + 1) throw new InputError(src, column, `offsets for the ${data.length} rows from row ${base + 1}`, `${offsets?.length ?? 0} offsets`);
  let previous = 0;
  for (let i = 0; i <= data.length; i++) {
    const at = Number(offsets![i]);
    if (!(at >= (i === 0 ? 0 : previous) && at <= size)) throw new InputError(src, cellPath(column, base + Math.max(i, 1) - 1), `offsets rising from 0 to at most the ${size} entries of its data`, `offset ${at} after ${previous}`);
    previous = at;
  }
}

/** Guesses the unit of epoch numbers from their size: seconds < 1e11 ≤ ms < 1e14 ≤ us < 1e17 ≤ ns. */
export function guessEpochUnit(sample: number): EpochUnit {
  const a = Math.abs(sample);
  return a < 1e11 ? 's' : a < 1e14 ? 'ms' : a < 1e17 ? 'us' : 'ns';
}

const UNIT_DIVISOR: Record<EpochUnit, bigint> = { s: 1n, ms: 1n, us: 1000n, ns: 1000000n };
const UNIT_MS: Record<EpochUnit, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

/** Epoch value → ms since 1970, floored (sub-millisecond times fall into their millisecond). */
export function epochBigIntToMs(v: bigint, unit: EpochUnit): number {
  if (unit === 's') return Number(v) * 1000;
  if (unit === 'ms') return Number(v);
  const d = UNIT_DIVISOR[unit];
  let q = v / d;
  if (v % d < 0n) q -= 1n;
  return Number(q);
}

export function epochNumberToMs(v: number, unit: EpochUnit): number {
  return Math.floor(unit === 'us' ? v / 1000 : unit === 'ns' ? v / 1e6 : v * UNIT_MS[unit]);
}

/** floor(2^32 / d) and 2^32 mod d for the sub-millisecond divisors. */
const SPLIT_DIVISORS: Partial<Record<EpochUnit, [d: number, a: number, b: number]>> = { us: [1000, 4294967, 296], ns: [1e6, 4294, 967296] };

/**
 * int64 epoch values → ms, floored, without a BigInt per row (10× faster). Each value is read as
 * two 32-bit halves v = hi·2^32 + lo and, with 2^32 = a·d + b, floor(v / d) = hi·a + floor((hi·b + lo) / d):
 * every intermediate stays below 2^53, so the result is exact for every in-range time.
 */
export function int64ToMs(values: BigInt64Array, length: number, unit: EpochUnit, out: Float64Array, at: number): void {
  const words = new Int32Array(values.buffer, values.byteOffset, length * 2);
  const split = SPLIT_DIVISORS[unit];
  if (split === undefined) {
    const scale = unit === 's' ? 1000 : 1;
    for (let i = 0; i < length; i++) out[at + i] = (words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0)) * scale;
    return;
  }
  const [d, a, b] = split;
  for (let i = 0; i < length; i++) {
    const hi = words[2 * i + 1]!;
    const x = hi * b + (words[2 * i]! >>> 0);
    const r = x % d;
    out[at + i] = hi * a + (x - r) / d - (r < 0 ? 1 : 0);
  }
}

/** The inverse, for the tables we write: owned by the records' column writers. */
export { msToInt64 } from '../../records/arrow.js';

export function isTimeInRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS;
}

export const TIME_RANGE_TEXT = 'a time from 1970 on (at most 8.64e15 ms)';

/**
 * The times a job's inputs can plausibly hold (docs/formats.md): from 2009-01-01 (before any crypto
 * market) to before 2100-01-01. Outside it a time column's values are almost surely in another unit
 * than the column claims (epoch seconds typed as milliseconds replay in 1970), so they are refused
 * instead of replayed.
 */
export const PLAUSIBLE_TIME_FROM_MS = Date.UTC(2009, 0, 1);
export const PLAUSIBLE_TIME_BEFORE_MS = Date.UTC(2100, 0, 1);
const EPOCH_UNIT_WORDS: Record<EpochUnit, string> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' };

export function isTimePlausible(ms: number): boolean {
  return ms >= PLAUSIBLE_TIME_FROM_MS && ms < PLAUSIBLE_TIME_BEFORE_MS;
}

/** The InputError for a time outside the plausible window: what the raw value looks like. */
export function implausibleTimeError(src: string, path: string, raw: number | bigint, unit: EpochUnit, ms: number): InputError {
  const looksLike = guessEpochUnit(Number(raw));
  const hint = ms < 0 ? 'a time before 1970' : looksLike === unit ? `a time ${ms < PLAUSIBLE_TIME_FROM_MS ? 'before 2009' : 'from 2100 on'}` : `the values look like epoch ${EPOCH_UNIT_WORDS[looksLike]}`;
  return new InputError(src, path, `a time from 2009-01-01 to before 2100-01-01 in the column's unit ${unit}`, `${String(raw)} ${unit} (${describeTime(ms)}; ${hint})`);
}

/**
 * A time column as ms since 1970. Timestamps of any unit (a missing time zone is read as UTC);
 * integer or float columns are epoch numbers in `numericUnit` ('auto': guessed from the first
 * value with guessEpochUnit).
 */
export function readTimeColumnMs(vector: Vector, src: string, column: string, numericUnit: EpochUnit | 'auto', options: { plausibleOnly?: boolean } = {}): Float64Array {
  const type = vector.type as DataType;
  const isTimestamp = DataType.isTimestamp(type);
  if (!isTimestamp && !DataType.isInt(type) && !DataType.isFloat(type)) {
    throw new InputError(src, column, 'a timestamp column (or epoch numbers)', String(type));
  }
  if (DataType.isFloat(type) && type.precision === Precision.HALF) throw new InputError(src, column, 'a timestamp column (or epoch numbers)', String(type));
  checkColumnChunks(vector, src, column);
  const out = new Float64Array(vector.length);
  let unit: EpochUnit | undefined = isTimestamp ? TIME_UNIT_NAMES[type.unit] : numericUnit === 'auto' ? undefined : numericUnit;
  let base = 0;
  for (const data of vector.data) {
    rejectNulls(data, base, src, column, 'a time');
    const values = data.values as ArrayLike<number | bigint>;
    if (data.length > 0) unit ??= guessEpochUnit(Number(values[0]));
    if (values instanceof BigInt64Array) {
      int64ToMs(values, data.length, unit!, out, base);
    } else {
      for (let i = 0; i < data.length; i++) out[base + i] = typeof values[i] === 'bigint' ? epochBigIntToMs(values[i] as bigint, unit!) : epochNumberToMs(values[i] as number, unit!);
    }
    for (let i = 0; i < data.length; i++) {
      if (options.plausibleOnly === true && !isTimePlausible(out[base + i]!)) throw implausibleTimeError(src, cellPath(column, base + i), values[i]!, unit!, out[base + i]!);
      if (!isTimeInRange(out[base + i]!)) throw new InputError(src, cellPath(column, base + i), TIME_RANGE_TEXT, `${String(values[i])} ${unit}`);
    }
    base += data.length;
  }
  return out;
}

/** A numeric column (float or integer of any width) as float64; nulls are rejected, or read as NaN. */
export function readNumberColumn(vector: Vector, src: string, column: string, nullsAsNaN = false): Float64Array {
  const type = vector.type as DataType;
  if (!(DataType.isFloat(type) && type.precision !== Precision.HALF) && !DataType.isInt(type)) throw new InputError(src, column, 'a float64 column', String(type));
  checkColumnChunks(vector, src, column);
  const out = new Float64Array(vector.length);
  let base = 0;
  for (const data of vector.data) {
    if (!nullsAsNaN) rejectNulls(data, base, src, column, 'a number');
    const values = data.values as ArrayLike<number | bigint>;
    if (values instanceof Float64Array || values instanceof Float32Array) {
      out.set(values.subarray(0, data.length), base);
    } else {
      for (let i = 0; i < data.length; i++) out[base + i] = Number(values[i]);
    }
    if (nullsAsNaN && data.nullCount > 0) {
      for (let i = 0; i < data.length; i++) if (!data.getValid(i)) out[base + i] = NaN;
    }
    base += data.length;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8');

/** Decodes row `i` of a Utf8 or LargeUtf8 chunk. */
function decodeUtf8At(data: Data, i: number): string {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const start = Number(offsets[i]);
  const end = Number(offsets[i + 1]);
  return utf8.decode((data.values as Uint8Array).subarray(start, end));
}

/** All strings of a (non-dictionary) string chunk, null rows as undefined. */
export function decodeStringChunk(data: Data): (string | undefined)[] {
  const out = new Array<string | undefined>(data.length);
  const type = data.type as DataType;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    for (let i = 0; i < data.length; i++) out[i] = data.nullCount > 0 && !data.getValid(i) ? undefined : decodeUtf8At(data, i);
    return out;
  }
  // Utf8View (recent polars) keeps strings in variadic buffers; it is rare enough here that the
  // slower generic accessor is fine.
  const vector = makeVector(data);
  for (let i = 0; i < data.length; i++) {
    const v = vector.get(i) as unknown;
    out[i] = typeof v === 'string' ? v : undefined;
  }
  return out;
}

export function isStringType(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type);
}

/** A plain or dictionary-encoded string column. */
export function isStringLikeType(type: DataType): boolean {
  return isStringType(type) || (DataType.isDictionary(type) && isStringType(type.dictionary));
}

/** The entries of a dictionary vector (all its chunks: delta batches append to it). */
function decodeDictionary(dictionary: Vector): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const chunk of dictionary.data) for (const s of decodeStringChunk(chunk)) out.push(s);
  return out;
}

/**
 * Codes of a plain string chunk without decoding every row (a long table repeats a few symbols
 * millions of times; TextDecoder per row costs ~0.3 µs): rows are matched by their bytes through
 * an FNV-1a hash, and only the first occurrence of each string is decoded.
 */
function codeUtf8Chunk(data: Data, base: number, out: Int32Array, codeOf: (text: string, row: number) => number): void {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  const byHash = new Map<number, { start: number; end: number; code: number }[]>();
  for (let i = 0; i < data.length; i++) {
    const start = Number(offsets[i]);
    const end = Number(offsets[i + 1]);
    let h = 0x811c9dc5;
    for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
    let seen = byHash.get(h);
    let code = -1;
    if (seen !== undefined) {
      for (const e of seen) {
        if (e.end - e.start !== end - start) continue;
        let k = 0;
        while (k < end - start && bytes[e.start + k] === bytes[start + k]) k++;
        if (k === end - start) {
          code = e.code;
          break;
        }
      }
    } else {
      seen = [];
      byHash.set(h, seen);
    }
    if (code < 0) {
      code = codeOf(utf8.decode(bytes.subarray(start, end)), base + i);
      seen.push({ start, end, code });
    }
    out[base + i] = code;
  }
}

/**
 * Codes for a string column: `encode(text, row)` is called once per distinct string (per
 * dictionary entry for dictionary columns, at the first row that uses it) and may throw.
 */
export function readStringColumnCodes(vector: Vector, src: string, column: string, expected: string, encode: (text: string, row: number) => number): Int32Array {
  const type = vector.type as DataType;
  if (!isStringLikeType(type)) throw new InputError(src, column, `a string or dictionary-of-string column (${expected})`, String(type));
  checkColumnChunks(vector, src, column);
  const out = new Int32Array(vector.length);
  const seen = new Map<string, number>();
  const codeOf = (text: string, row: number): number => {
    let code = seen.get(text);
    if (code === undefined) {
      code = encode(text, row);
      seen.set(text, code);
    }
    return code;
  };
  let base = 0;
  for (const data of vector.data) {
    rejectNulls(data, base, src, column, expected);
    if (DataType.isDictionary(data.type as DataType)) {
      checkColumnChunks(data.dictionary!, src, `${column} (dictionary)`);
      const entries = decodeDictionary(data.dictionary!);
      const codes = new Int32Array(entries.length).fill(-1);
      const keys = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < data.length; i++) {
        const key = Number(keys[i]);
        let code = codes[key];
        if (code === undefined) throw new InputError(src, cellPath(column, base + i), `a dictionary key below ${entries.length}`, String(key));
        if (code < 0) {
          const text = entries[key];
          if (text === undefined) throw new InputError(src, cellPath(column, base + i), expected, 'null');
          code = codeOf(text, base + i);
          codes[key] = code;
        }
        out[base + i] = code;
      }
    } else if (DataType.isUtf8(data.type as DataType) || DataType.isLargeUtf8(data.type as DataType)) {
      codeUtf8Chunk(data, base, out, codeOf);
    } else {
      const texts = decodeStringChunk(data);
      for (let i = 0; i < data.length; i++) out[base + i] = codeOf(texts[i]!, base + i);
    }
    base += data.length;
  }
  return out;
}

export function describeTime(ms: number): string {
  return isTimeInRange(ms) ? new Date(ms).toISOString() : String(ms);
}
