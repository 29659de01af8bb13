import {
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
} from 'apache-arrow';
import { EVENT_RECORD_FIELDS, type EventRecord } from '../../report/events.js';
import { msToInt64 } from './columns.js';
import type { TimelineRow } from '../../replay/timeline.js';

// The job's output tables (docs/formats.md "Outputs"). Strings are plain Utf8, not dictionaries, so the
// batches of every part can be appended into one file without reconciling dictionaries.

const field = (name: string, type: DataType, nullable = false) => new Field(name, type, nullable);

export const TIMELINE_SCHEMA = new Schema([
  field('portfolioId', new Utf8()),
  field('time', new TimestampMillisecond('UTC')),
  field('uniMMR', new Float64(), true),
  field('accountEquity', new Float64()),
  field('actualEquity', new Float64()),
  field('maintMargin', new Float64()),
  field('status', new Utf8()),
  field('worstTime', new TimestampMillisecond('UTC')),
  field('steps', new Int32()),
]);

export const EVENTS_SCHEMA = new Schema(
  EVENT_RECORD_FIELDS.map((name) => (name === 'time' ? field(name, new TimestampMillisecond('UTC')) : field(name, new Utf8(), name !== 'portfolioId' && name !== 'type'))),
);

// Columns are filled straight into their buffers: apache-arrow's builders (vectorFromArray) cost
// more than the replay that produced the rows.

const encoder = new TextEncoder();

/** A Utf8 column; `null` marks an absent value, allowed only where the field is nullable. */
function utf8Data(name: string, values: readonly (string | null | undefined)[], nullable: boolean): Data<Utf8> {
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
      if (!nullable) throw new Error(`${name}: row ${i} has no value, and the column is not nullable`);
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

/** A Float64 column where `null` marks an absent value. */
function nullableFloat64Data(values: readonly (number | null)[]): Data<Float64> {
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

const float64Data = (values: Float64Array) => makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
const timestampData = (type: DataType, values: BigInt64Array) => makeData({ type: type as TimestampMillisecond, length: values.length, nullCount: 0, data: values });
const batchOf = (schema: Schema, length: number, children: Data[]) => new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));

export function buildTimelineBatch(rows: readonly TimelineRow[]): RecordBatch {
  const n = rows.length;
  const numbers = (pick: (r: TimelineRow) => number) => Float64Array.from(rows, pick);
  const times = (pick: (r: TimelineRow) => number) => msToInt64(Float64Array.from(rows, pick));
  const f = TIMELINE_SCHEMA.fields;
  return batchOf(TIMELINE_SCHEMA, n, [
    utf8Data('portfolioId', rows.map((r) => r.portfolioId), false),
    timestampData(f[1]!.type, times((r) => r.time)),
    nullableFloat64Data(rows.map((r) => r.uniMMR)),
    float64Data(numbers((r) => r.accountEquity)),
    float64Data(numbers((r) => r.actualEquity)),
    float64Data(numbers((r) => r.maintMargin)),
    utf8Data('status', rows.map((r) => r.status), false),
    timestampData(f[7]!.type, times((r) => r.worstTime)),
    makeData({ type: new Int32(), length: n, nullCount: 0, data: Int32Array.from(rows, (r) => r.steps) }),
  ]);
}

export function buildEventsBatch(records: readonly EventRecord[]): RecordBatch {
  return batchOf(EVENTS_SCHEMA, records.length, EVENTS_SCHEMA.fields.map((f) => {
    const name = f.name as keyof EventRecord;
    if (name === 'time') return timestampData(f.type, msToInt64(Float64Array.from(records, (r) => r.time)));
    return utf8Data(name, records.map((r) => r[name] as string | undefined), f.nullable);
  }));
}

/** Encodes record batches as one Arrow IPC file, chunk by chunk (memory holds one batch). */
export async function* encodeArrowFile(schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>): AsyncIterable<Uint8Array> {
  const writer = new RecordBatchFileWriter();
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

/** The record batches of an Arrow IPC file or stream held in memory. */
export function* readArrowBatches(bytes: Uint8Array): Iterable<RecordBatch> {
  yield* RecordBatchReader.from(bytes);
}
