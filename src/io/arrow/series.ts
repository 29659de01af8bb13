import {
  Dictionary,
  Field,
  Float64,
  Int32,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { InputError } from '../../domain/errors.js';
import { SERIES_KIND_CODE, SERIES_KINDS, type SeriesKind, type SeriesTable } from '../../domain/series.js';
import { registerArrowCodecs } from './codecs.js';
import { encodeArrowFile, readArrowIpcTable, rejectTruncatedArrowFile } from './ipc.js';
import { cellPath, describeTime, findColumnIndex, readNumberColumn, readStringColumnCodes, readTimeColumnMs, requireColumn, type EpochUnit } from './columns.js';

/**
 * The historical series file (docs/formats.md): one long Arrow table
 *   time   timestamp (any unit; a missing zone is UTC)   — also int64/float64 epoch milliseconds
 *   symbol utf8 or dictionary<utf8>                      — asset (index) or contract (mark, funding)
 *   kind   utf8 or dictionary<utf8>: index | mark | funding
 *   value  float64 (any float or integer type is read) — index/mark prices > 0, funding any finite
 *   high, low  optional float64, nullable — the bar's extremes on index/mark rows (both or neither
 *              on a row; low ≤ value ≤ high); null where a row has none
 * IPC file or stream format, any number of record batches, LZ4 or ZSTD compressed or not. Column
 * names are matched exactly first, then case-insensitively. Times are floored to milliseconds.
 * The writer emits time Timestamp(ms, UTC), symbol Dictionary<Utf8, Int32>, kind
 * Dictionary<Utf8, Int8>, value Float64 (then high, low Float64 nullable, only when the table has
 * them), schema metadata pmbt.series.version = 1.
 */

export const SERIES_FORMAT_VERSION = '1';

/** Parses IPC bytes (file or stream); codec and framing failures become an InputError on the file. */
export function readArrowTable(bytes: Uint8Array, src: string): Table {
  registerArrowCodecs();
  rejectTruncatedArrowFile(bytes.subarray(0, 6), bytes.subarray(Math.max(0, bytes.length - 6)), bytes.length, src);
  try {
    // Not tableFromIPC: it can hang or allocate without bound on corrupted metadata (readArrowIpcTable).
    return readArrowIpcTable(bytes);
  } catch (e) {
    throw new InputError(src, '', 'an Arrow IPC file or stream (Feather v2)', e instanceof Error ? e.message : String(e));
  }
}

export interface DecodeSeriesOptions {
  /** Reject a row earlier than the row before it (the series file contract); the converter sorts instead. */
  requireSorted: boolean;
  /** Unit of integer/float time columns. */
  numericTimeUnit: EpochUnit | 'auto';
  /** Refuse times outside 2009..2100 (a column in another unit than it claims): the job reader. */
  plausibleTimes?: boolean;
}

function encodeKind(src: string, column: string) {
  return (text: string, row: number): number => {
    if (!(SERIES_KINDS as readonly string[]).includes(text)) throw new InputError(src, cellPath(column, row), `one of ${SERIES_KINDS.join(', ')}`, JSON.stringify(text));
    return SERIES_KIND_CODE[text as SeriesKind];
  };
}

/** Checks the values of a long table: finite, and prices above zero. */
export function validateSeriesValues(kinds: Uint8Array, values: Float64Array, describeRow: (row: number) => [src: string, path: string]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      const [src, path] = describeRow(i);
      throw new InputError(src, path, 'a finite number', String(v));
    }
    if (v <= 0 && kinds[i] !== SERIES_KIND_CODE.funding) {
      const [src, path] = describeRow(i);
      throw new InputError(src, path, `a price > 0 for kind ${SERIES_KINDS[kinds[i]!]}`, String(v));
    }
  }
}

/**
 * Checks a long table's bar extremes: given on index and mark rows only, both or neither, finite,
 * and low ≤ value ≤ high (so low > 0).
 */
export function validateSeriesExtremes(kinds: Uint8Array, values: Float64Array, highs: Float64Array, lows: Float64Array, describeRow: (row: number, column: 'high' | 'low') => [src: string, path: string]): void {
  for (let i = 0; i < values.length; i++) {
    const high = highs[i]!;
    const low = lows[i]!;
    if (high !== high && low !== low) continue;
    const fail = (column: 'high' | 'low', expected: string, got: number): never => {
      const [src, path] = describeRow(i, column);
      throw new InputError(src, path, expected, Number.isNaN(got) ? 'null' : String(got));
    };
    if (kinds[i] === SERIES_KIND_CODE.funding) fail(high === high ? 'high' : 'low', 'null on a funding row (high and low are for index and mark rows)', high === high ? high : low);
    if (high !== high) fail('high', 'a high beside the low (both or neither)', high);
    if (low !== low) fail('low', 'a low beside the high (both or neither)', low);
    if (!Number.isFinite(high) || high < values[i]!) fail('high', `a finite number ≥ the row's value ${values[i]}`, high);
    if (!Number.isFinite(low) || low > values[i]! || low <= 0) fail('low', `a number > 0 and ≤ the row's value ${values[i]}`, low);
  }
}

/** The optional high and low columns (NaN where null), or undefined when the table has neither. */
function readExtremeColumns(table: Table, src: string, kinds: Uint8Array, values: Float64Array): { highs: Float64Array; lows: Float64Array } | undefined {
  const hasHigh = findColumnIndex(table.schema, 'high') >= 0;
  const hasLow = findColumnIndex(table.schema, 'low') >= 0;
  if (!hasHigh && !hasLow) return undefined;
  const high = requireColumn(table, 'high', src, 'float64, beside low');
  const low = requireColumn(table, 'low', src, 'float64, beside high');
  const highs = readNumberColumn(high.vector, src, high.name, true);
  const lows = readNumberColumn(low.vector, src, low.name, true);
  validateSeriesExtremes(kinds, values, highs, lows, (row, column) => [src, cellPath(column === 'high' ? high.name : low.name, row)]);
  return { highs, lows };
}

/** Reads and validates the columns of a long table, in file order. */
export function decodeSeriesTable(table: Table, src: string, options: DecodeSeriesOptions): SeriesTable {
  const time = requireColumn(table, 'time', src, 'timestamp');
  const symbol = requireColumn(table, 'symbol', src, 'dictionary or utf8 string');
  const kind = requireColumn(table, 'kind', src, `${SERIES_KINDS.join(' | ')}`);
  const value = requireColumn(table, 'value', src, 'float64');

  const times = readTimeColumnMs(time.vector, src, time.name, options.numericTimeUnit, { plausibleOnly: options.plausibleTimes });
  if (options.requireSorted) {
    for (let i = 1; i < times.length; i++) {
      if (times[i]! < times[i - 1]!) throw new InputError(src, cellPath(time.name, i), `a time no earlier than row ${i}'s ${describeTime(times[i - 1]!)} (sorted by time)`, describeTime(times[i]!));
    }
  }
  const symbols: string[] = [];
  const symbolIds = readStringColumnCodes(symbol.vector, src, symbol.name, 'a symbol', (text, row) => {
    if (text.length === 0) throw new InputError(src, cellPath(symbol.name, row), 'a non-empty symbol', '""');
    symbols.push(text);
    return symbols.length - 1;
  });
  const kinds = Uint8Array.from(readStringColumnCodes(kind.vector, src, kind.name, `one of ${SERIES_KINDS.join(', ')}`, encodeKind(src, kind.name)));
  const values = readNumberColumn(value.vector, src, value.name);
  validateSeriesValues(kinds, values, (row) => [src, cellPath(value.name, row)]);
  const extremes = readExtremeColumns(table, src, kinds, values);
  return extremes === undefined ? { times, symbolIds, symbols, kinds, values } : { times, symbolIds, symbols, kinds, values, ...extremes };
}

/**
 * Reads a series file (see the top of this file). Fails with an InputError naming the file, the
 * column and the row: missing column, wrong type, null, unknown kind, non-finite value, price ≤ 0
 * on an index or mark row, a time earlier than the previous row's, or a high/low that breaks
 * validateSeriesExtremes.
 */
export function readSeriesArrow(bytes: Uint8Array, src: string): SeriesTable {
  const table = decodeSeriesTable(readArrowTable(bytes, src), src, { requireSorted: true, numericTimeUnit: 'ms', plausibleTimes: true });
  // An empty history would replay nothing and still write a complete-looking report.
  if (table.times.length === 0) throw new InputError(src, '', 'at least one price row', 'none');
  rejectRepeatedSeriesKeys(table, src);
  return table;
}

/**
 * Rejects a (time, symbol, kind) given twice in a table sorted by time: with another value the
 * last would silently win, and with the same value a funding row would be charged twice. Keys
 * are compared within each run of equal times only, so memory stays small.
 */
export function rejectRepeatedSeriesKeys(table: SeriesTable, src: string): void {
  const { times, symbolIds, kinds, values } = table;
  const seen = new Map<number, number>();
  let groupStart = 0;
  for (let i = 1; i < times.length; i++) {
    if (times[i] !== times[i - 1]) {
      groupStart = i;
      if (seen.size > 0) seen.clear();
      continue;
    }
    if (i === groupStart + 1) seen.set(symbolIds[groupStart]! * 8 + kinds[groupStart]!, groupStart);
    const key = symbolIds[i]! * 8 + kinds[i]!;
    const first = seen.get(key);
    if (first !== undefined) {
      const what = `${describeTime(times[i]!)} ${table.symbols[symbolIds[i]!]} ${SERIES_KINDS[kinds[i]!]}`;
      throw new InputError(src, `row ${i + 1}`, 'each (time, symbol, kind) once', `${what} again with value ${values[i]} (row ${first + 1} has ${values[first]})`);
    }
    seen.set(key, i);
  }
}

/** Writes the series table as an Arrow IPC file, one record batch. */
export function writeSeriesArrow(table: SeriesTable): Uint8Array {
  const n = table.times.length;
  const timeMs = new BigInt64Array(n);
  for (let i = 0; i < n; i++) timeMs[i] = BigInt(table.times[i]!);
  const timeType = new TimestampMillisecond('UTC');
  // Fixed dictionary ids: apache-arrow otherwise numbers them from a process-wide counter, and a
  // second file written in the same process would differ in bytes.
  const symbolType = new Dictionary(new Utf8(), new Int32(), 0);
  const kindType = new Dictionary(new Utf8(), new Int8(), 1);
  const fields = [
    new Field('time', timeType, false),
    new Field('symbol', symbolType, false),
    new Field('kind', kindType, false),
    new Field('value', new Float64(), false),
  ];
  const extremes = table.highs !== undefined && table.lows !== undefined ? [table.highs, table.lows] : [];
  if (extremes.length > 0) fields.push(new Field('high', new Float64(), true), new Field('low', new Float64(), true));
  const schema = new Schema(fields, new Map([['pmbt.series.version', SERIES_FORMAT_VERSION]]));
  const children = [
    makeData({ type: timeType, length: n, nullCount: 0, data: timeMs }),
    makeData({ type: symbolType, length: n, nullCount: 0, data: table.symbolIds, dictionary: vectorFromArray([...table.symbols], new Utf8()) }),
    makeData({ type: kindType, length: n, nullCount: 0, data: Int8Array.from(table.kinds), dictionary: vectorFromArray([...SERIES_KINDS], new Utf8()) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: table.values }),
    ...extremes.map((values) => makeNullableFloats(values)),
  ];
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
  return encodeArrowFile(new Table(schema, [batch]));
}

/** A nullable float64 column from values with NaN for null. */
function makeNullableFloats(values: Float64Array) {
  const n = values.length;
  const valid = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] === values[i]) valid[i >> 3] = valid[i >> 3]! | (1 << (i & 7));
    else nullCount++;
  }
  return makeData({ type: new Float64(), length: n, nullCount, nullBitmap: nullCount === 0 ? undefined : valid, data: values });
}
