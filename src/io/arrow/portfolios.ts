/**
 * Portfolios as Arrow (IPC file or stream; the same model as the JSON document of docs/formats.md
 * plus its scheduled `actions`). ONE ROW PER PORTFOLIO:
 *
 *   column            type                                   null means
 *   id                utf8, not null                         (never null)
 *   mode              utf8 or dictionary<utf8>: PM | PM_PRO  absent (PM)
 *   marginLeverage    int32                                  absent
 *   description       utf8                                   absent
 *   balances          list<struct<                           absent (no balances)
 *                       asset utf8,
 *                       crossMarginFree utf8, crossMarginLocked utf8, crossMarginBorrowed utf8,
 *                       crossMarginInterest utf8, umWalletBalance utf8, cmWalletBalance utf8,
 *                       marginLeverage int32>>
 *   umPositions       list<struct<symbol utf8, positionAmt utf8, entryPrice utf8,
 *   cmPositions                   positionSide utf8>>
 *   marginOpenOrders  list<struct<symbol utf8, side utf8, price utf8, origQty utf8,
 *                                 executedQty utf8, baseAsset utf8, quoteAsset utf8>>
 *   actions           list<struct<time timestamp[ms, UTC], type utf8, market utf8, symbol utf8,
 *                                 side utf8, qty utf8, price utf8, positionSide utf8, asset utf8,
 *                                 amount utf8, from utf8, to utf8>>
 *
 * Amounts and prices are decimal strings, exact as written ("0.1", not 0.1000000000000000055).
 * A null struct field means the field is absent from the document (so its JSON default applies);
 * an empty list is an empty array. Schema metadata: pmbt.portfolios.version = "1".
 * Readers also accept: any column or struct field left out (absent everywhere), dictionary<utf8>
 * for any string, float/int columns for decimals (read as JSON numbers), any integer type for
 * int32, any timestamp unit or int64 epoch ms for `time`, large_list and large_utf8. Unknown
 * columns or struct fields are rejected, so a misspelt name is an error instead of a silent zero.
 * Writers should keep record batches small (the default is 1,000 portfolios): a reader holds one
 * batch in memory at a time.
 */
import type { FileHandle } from 'node:fs/promises';
import {
  DataType,
  Field,
  Int32,
  List,
  makeBuilder,
  makeData,
  RecordBatch,
  RecordBatchReader,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  type Data,
} from 'apache-arrow';
import { InputError } from '../../domain/errors.js';
import { readTime } from '../../domain/json-fields.js';
import { describePortfolioAt, describeValue, joinPath, portfolioFieldPath, readDecimal } from '../../domain/json-fields.js';
import type { PortfolioDocumentItem } from '../convert/documents.js';
import { registerArrowCodecs } from './codecs.js';
import { checkChunkTree } from './columns.js';
import { checkStreamMessages, encodeArrowFile, openSequentialIpc, readArrowFileHandleBatches, readArrowIpcTable, rejectTruncatedArrowFile, SequentialReadableFileWriter, StreamEnds } from './ipc.js';
import { FIELD_KIND_TYPES, makeScalarReader, makeStructListReader, type CellReader, type FieldKind } from './portfolio-cells.js';

export const PORTFOLIOS_FORMAT_VERSION = '1';
export const DEFAULT_PORTFOLIO_BATCH_SIZE = 1000;

type FieldSpec = readonly (readonly [name: string, kind: FieldKind])[];

const SCALAR_COLUMNS: FieldSpec = [['id', 'string'], ['mode', 'string'], ['marginLeverage', 'int'], ['description', 'string']];
const BALANCE_FIELDS: FieldSpec = [
  ['asset', 'string'], ['crossMarginFree', 'decimal'], ['crossMarginLocked', 'decimal'], ['crossMarginBorrowed', 'decimal'],
  ['crossMarginInterest', 'decimal'], ['umWalletBalance', 'decimal'], ['cmWalletBalance', 'decimal'], ['marginLeverage', 'int'],
];
const POSITION_FIELDS: FieldSpec = [['symbol', 'string'], ['positionAmt', 'decimal'], ['entryPrice', 'decimal'], ['positionSide', 'string']];
const ORDER_FIELDS: FieldSpec = [
  ['symbol', 'string'], ['side', 'string'], ['price', 'decimal'], ['origQty', 'decimal'], ['executedQty', 'decimal'], ['baseAsset', 'string'], ['quoteAsset', 'string'],
];
const ACTION_FIELDS: FieldSpec = [
  ['time', 'time'], ['type', 'string'], ['market', 'string'], ['symbol', 'string'], ['side', 'string'], ['qty', 'decimal'], ['price', 'decimal'],
  ['positionSide', 'string'], ['asset', 'string'], ['amount', 'decimal'], ['from', 'string'], ['to', 'string'],
];
const LIST_COLUMNS: Readonly<Record<string, FieldSpec>> = {
  balances: BALANCE_FIELDS,
  umPositions: POSITION_FIELDS,
  cmPositions: POSITION_FIELDS,
  marginOpenOrders: ORDER_FIELDS,
  actions: ACTION_FIELDS,
};
const COLUMN_NAMES = [...SCALAR_COLUMNS.map(([n]) => n), ...Object.keys(LIST_COLUMNS)];

// ---------------------------------------------------------------------------------------------
// Writing

const arrowTypeOf = (kind: FieldKind): DataType => (kind === 'int' ? new Int32() : kind === 'time' ? new TimestampMillisecond('UTC') : new Utf8());
const structOf = (spec: FieldSpec) => new Struct(spec.map(([name, kind]) => new Field(name, arrowTypeOf(kind), true)));

export function buildPortfolioSchema(): Schema {
  const fields = [
    ...SCALAR_COLUMNS.map(([name, kind]) => new Field(name, arrowTypeOf(kind), name !== 'id')),
    ...Object.entries(LIST_COLUMNS).map(([name, spec]) => new Field(name, new List(new Field('item', structOf(spec), true)), true)),
  ];
  return new Schema(fields, new Map([['pmbt.portfolios.version', PORTFOLIOS_FORMAT_VERSION]]));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON value → the value stored in its column, validated by type only (parsePortfolio checks meaning). */
function encodeCell(src: string, path: string, kind: FieldKind, v: unknown): string | number | undefined {
  if (v === undefined || v === null) return undefined;
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw new InputError(src, path, 'a string', describeValue(v));
      return v;
    case 'decimal':
      readDecimal(src, path, v);
      // Keep the text the user wrote: the decimal is exact only as a string.
      return typeof v === 'string' ? v.trim() : String(v);
    case 'int': {
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > 0x7fffffff) throw new InputError(src, path, 'a whole number (int32)', describeValue(v));
      return n;
    }
    case 'time':
      return readTime(src, path, v);
  }
}

function encodeObject(src: string, path: string, spec: FieldSpec, raw: unknown): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new InputError(src, path, 'an object', describeValue(raw));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (!spec.some(([name]) => name === key)) throw new InputError(src, joinPath(path, key), `one of the fields ${spec.map(([n]) => n).join(', ')} (the Arrow portfolio schema)`, `unknown field "${key}"`);
  }
  for (const [name, kind] of spec) out[name] = encodeCell(src, joinPath(path, name), kind, raw[name]);
  return out;
}

/** One raw document → one row of plain values for the builders. */
/** `label` names the document in messages (describePortfolioAt). */
function encodeRow(src: string, label: string, doc: unknown): Record<string, unknown> {
  const path = (key: string) => portfolioFieldPath(label, key);
  if (!isPlainObject(doc)) throw new InputError(src, label, 'an object', describeValue(doc));
  const row: Record<string, unknown> = {};
  for (const key of Object.keys(doc)) {
    if (key !== 'version' && !COLUMN_NAMES.includes(key)) throw new InputError(src, path(key), `one of the fields version, ${COLUMN_NAMES.join(', ')}`, `unknown field "${key}"`);
  }
  if (doc.version !== undefined && doc.version !== 1) throw new InputError(src, path('version'), '1', describeValue(doc.version));
  for (const [name, kind] of SCALAR_COLUMNS) row[name] = encodeCell(src, path(name), kind, doc[name]);
  if (typeof row.id !== 'string' || row.id.length === 0) throw new InputError(src, path('id'), 'a non-empty string', describeValue(doc.id));
  for (const [name, spec] of Object.entries(LIST_COLUMNS)) {
    const list = doc[name];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new InputError(src, path(name), 'an array', describeValue(list));
    row[name] = list.map((item, k) => encodeObject(src, joinPath(path(name), k), spec, item));
  }
  return row;
}

function buildBatch(schema: Schema, rows: readonly Record<string, unknown>[]): RecordBatch {
  const children: Data[] = schema.fields.map((field) => {
    const builder = makeBuilder({ type: field.type, nullValues: [null, undefined] });
    for (const row of rows) builder.append(row[field.name]);
    return builder.finish().flush();
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/**
 * Writes raw portfolio documents (as in JSON; numbers become decimal strings) as an Arrow IPC
 * file, `batchSize` portfolios per record batch. Fields outside the schema are rejected.
 */
export function writePortfoliosArrow(docs: readonly unknown[], options: { src?: string; batchSize?: number } = {}): Uint8Array {
  const src = options.src ?? 'portfolios';
  const batchSize = options.batchSize ?? DEFAULT_PORTFOLIO_BATCH_SIZE;
  const schema = buildPortfolioSchema();
  const rows = docs.map((doc, i) => encodeRow(src, describePortfolioAt(i, isPlainObject(doc) ? doc.id : undefined), doc));
  const batches: RecordBatch[] = [];
  for (let start = 0; start < rows.length; start += batchSize) batches.push(buildBatch(schema, rows.slice(start, start + batchSize)));
  return encodeArrowFile(new Table(schema, batches));
}

/**
 * Streams portfolios into an Arrow IPC file, `batchSize` per record batch, handing the bytes to
 * `write` as they are produced: memory holds one batch, not the whole set. Throws (after
 * aborting the writer) at the first document that cannot be encoded.
 */
export async function writePortfoliosArrowStream(
  docs: AsyncIterable<unknown>,
  write: (chunk: Uint8Array) => Promise<void>,
  options: { src?: string; batchSize?: number } = {},
): Promise<{ count: number }> {
  const src = options.src ?? 'portfolios';
  const batchSize = options.batchSize ?? DEFAULT_PORTFOLIO_BATCH_SIZE;
  const schema = buildPortfolioSchema();
  const writer = new SequentialReadableFileWriter();
  const drained = (async () => {
    for await (const chunk of writer) await write(chunk);
  })();
  let count = 0;
  try {
    let rows: Record<string, unknown>[] = [];
    for await (const doc of docs) {
      rows.push(encodeRow(src, describePortfolioAt(count, isPlainObject(doc) ? doc.id : undefined), doc));
      count++;
      if (rows.length === batchSize) {
        writer.write(buildBatch(schema, rows));
        rows = [];
      }
    }
    // A file needs its schema even with no portfolios: write an empty batch then.
    if (rows.length > 0 || count === 0) writer.write(buildBatch(schema, rows));
    writer.close();
  } catch (e) {
    writer.abort(e);
    await drained.catch(() => undefined);
    throw e;
  }
  await drained;
  return { count };
}

// ---------------------------------------------------------------------------------------------
// Reading

interface ColumnPlan {
  name: string;
  index: number;
  /** Builds the column's cell reader for one record batch. */
  readerFor: (data: Data) => CellReader;
}

/** Checks the schema once and plans how to read each column; a wrong schema fails the whole file. */
function planColumns(schema: Schema, src: string): ColumnPlan[] {
  const plans: ColumnPlan[] = [];
  schema.fields.forEach((field, index) => {
    const type = field.type as DataType;
    const scalar = SCALAR_COLUMNS.find(([n]) => n === field.name);
    if (scalar !== undefined) {
      const [, kind] = scalar;
      if (!FIELD_KIND_TYPES[kind].accepts(type)) throw new InputError(src, field.name, `a column of ${FIELD_KIND_TYPES[kind].text}`, String(type));
      plans.push({ name: field.name, index, readerFor: (data) => makeScalarReader(data, kind, src) });
      return;
    }
    const spec = LIST_COLUMNS[field.name];
    if (spec === undefined) throw new InputError(src, field.name, `one of the columns ${COLUMN_NAMES.join(', ')}`, `unknown column "${field.name}"`);
    const itemType = (DataType.isList(type) || DataType.isLargeList(type)) ? (type.children[0]?.type as DataType | undefined) : undefined;
    if (itemType === undefined || !DataType.isStruct(itemType)) throw new InputError(src, field.name, 'a list<struct> column', String(type));
    const kinds = new Map<string, FieldKind>();
    for (const child of itemType.children) {
      const kind = spec.find(([n]) => n === child.name)?.[1];
      const path = `${field.name}.${child.name}`;
      if (kind === undefined) throw new InputError(src, path, `one of the fields ${spec.map(([n]) => n).join(', ')}`, `unknown field "${child.name}"`);
      if (!FIELD_KIND_TYPES[kind].accepts(child.type as DataType)) throw new InputError(src, path, `a field of ${FIELD_KIND_TYPES[kind].text}`, String(child.type));
      kinds.set(child.name, kind);
    }
    plans.push({ name: field.name, index, readerFor: (data) => makeStructListReader(data, kinds, src) });
  });
  if (!plans.some((p) => p.name === 'id')) throw new InputError(src, 'id', 'a column "id" (utf8)', `columns ${schema.fields.map((f) => f.name).join(', ') || '(none)'}`);
  return plans;
}

function* decodeBatch(batch: RecordBatch, plans: readonly ColumnPlan[], firstIndex: number, src: string): Generator<PortfolioDocumentItem> {
  // A corrupted batch length would otherwise yield a failed portfolio per claimed row, billions of them.
  for (const p of plans) checkChunkTree(batch.data.children[p.index]!, firstIndex, src, p.name);
  const readers = plans.map((p) => [p.name, p.readerFor(batch.data.children[p.index]!)] as const);
  for (let row = 0; row < batch.numRows; row++) {
    const index = firstIndex + row;
    try {
      const doc: Record<string, unknown> = { version: 1 };
      for (const [name, read] of readers) {
        const v = read(row, portfolioFieldPath(describePortfolioAt(index), name));
        if (v !== undefined) doc[name] = v;
      }
      if (typeof doc.id !== 'string' || doc.id.length === 0) throw new InputError(src, portfolioFieldPath(describePortfolioAt(index), 'id'), 'a non-empty string', describeValue(doc.id));
      yield { index, doc };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      yield { index, error: e };
    }
  }
}

function wrapArrowError(src: string, e: unknown): unknown {
  if (e instanceof InputError) return e;
  return new InputError(src, '', 'an Arrow IPC file or stream of portfolios', e instanceof Error ? e.message : String(e));
}

/** Above this, an Arrow portfolio file that cannot be streamed (see openSequentialIpc) is refused. */
export const MAX_WHOLE_PORTFOLIO_ARROW_BYTES = 512 * 1024 * 1024;

function isFileHandle(x: unknown): x is FileHandle {
  return typeof x === 'object' && x !== null && typeof (x as FileHandle).stat === 'function' && typeof (x as FileHandle).fd === 'number';
}

async function* batchesOf(table: Table): AsyncGenerator<RecordBatch> {
  yield* table.batches;
}

async function openBatches(source: Uint8Array | AsyncIterable<Uint8Array> | FileHandle, src: string): Promise<AsyncIterator<RecordBatch>> {
  // Never apache-arrow's own iteration over untrusted bytes: it can loop forever on a corrupted
  // file (readArrowIpcTable, checkStreamMessages, readArrowFileHandleBatches say how).
  if (source instanceof Uint8Array) return batchesOf(readArrowIpcTable(source));
  // A local file is read at the offsets its footer lists: one batch in memory, whoever wrote it.
  if (isFileHandle(source)) return readArrowFileHandleBatches(source);
  const sequential = await openSequentialIpc(source, src, MAX_WHOLE_PORTFOLIO_ARROW_BYTES);
  if (sequential instanceof Uint8Array) return batchesOf(readArrowIpcTable(sequential));
  return (await RecordBatchReader.from(checkStreamMessages(sequential)))[Symbol.asyncIterator]();
}

/**
 * How to tell, once the batches are read (or failed), whether the input was an Arrow file cut
 * before its footer: bytes are checked at once; a stream is watched as it passes and then read to
 * its end (a sequential reader stops at the end-of-stream marker, before the footer).
 */
function watchForTruncation(source: Uint8Array | AsyncIterable<Uint8Array> | FileHandle, src: string): { source: typeof source; check: () => Promise<void> } {
  if (source instanceof Uint8Array) {
    return { source, check: () => Promise.resolve(rejectTruncatedArrowFile(source.subarray(0, 6), source.subarray(Math.max(0, source.length - 6)), source.length, src)) };
  }
  if (isFileHandle(source)) return { source, check: () => Promise.resolve() };
  const ends = new StreamEnds();
  const watched = ends.watch(source);
  const check = async () => {
    for (let next = await watched.next(); next.done !== true; next = await watched.next());
    rejectTruncatedArrowFile(ends.head, ends.tail, ends.size, src);
  };
  return { source: { [Symbol.asyncIterator]: () => watched }, check };
}

/** A failure reading the batches: a truncated file says so, anything else is wrapped. */
async function readFailure(check: () => Promise<void>, src: string, e: unknown): Promise<unknown> {
  try {
    await check();
  } catch (truncated) {
    if (truncated instanceof InputError) return truncated;
  }
  return wrapArrowError(src, e);
}

/**
 * Reads portfolios from Arrow bytes, a byte stream or an open file, one record batch in memory at
 * a time, yielding each row as a raw document (version 1, absent fields left out) for
 * parsePortfolio, or the InputError that row fails with. File-level problems (a file cut before
 * its footer among them) are thrown.
 */
export async function* readPortfolioDocuments(source: Uint8Array | AsyncIterable<Uint8Array> | FileHandle, src: string): AsyncIterable<PortfolioDocumentItem> {
  registerArrowCodecs();
  const watched = watchForTruncation(source, src);
  if (source instanceof Uint8Array) await watched.check();
  let batches: AsyncIterator<RecordBatch>;
  try {
    batches = await openBatches(watched.source, src);
  } catch (e) {
    throw await readFailure(watched.check, src, e);
  }
  let plans: ColumnPlan[] | undefined;
  let index = 0;
  for (;;) {
    let next: IteratorResult<RecordBatch>;
    try {
      next = await batches.next();
    } catch (e) {
      throw await readFailure(watched.check, src, e);
    }
    if (next.done) break;
    plans ??= planColumns(next.value.schema, src);
    yield* decodeBatch(next.value, plans, index, src);
    index += next.value.numRows;
  }
  await watched.check();
}
