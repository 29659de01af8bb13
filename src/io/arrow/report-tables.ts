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
  type DataType,
} from 'apache-arrow';
import { EVENT_RECORD_FIELDS, type EventRecord } from '../../report/events.js';
import type { TimelineRow } from '../../replay/timeline.js';

// The job's output tables (README "Outputs"). Strings are plain Utf8, not dictionaries, so the
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

function batchOf(schema: Schema, columns: Record<string, unknown[]>, length: number): RecordBatch {
  const children = schema.fields.map((f) => vectorFromArray(columns[f.name]!, f.type).data[0]!);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

export function buildTimelineBatch(rows: readonly TimelineRow[]): RecordBatch {
  const n = rows.length;
  // Numbers straight into typed arrays (the bulk of a job's output); strings through the builder.
  const numbers = (pick: (r: TimelineRow) => number) => Float64Array.from(rows, pick);
  const times = (pick: (r: TimelineRow) => number) => BigInt64Array.from(rows, (r) => BigInt(pick(r)));
  const uniMMR = vectorFromArray(rows.map((r) => r.uniMMR), new Float64()).data[0]!;
  const f = TIMELINE_SCHEMA.fields;
  const children = [
    vectorFromArray(rows.map((r) => r.portfolioId), new Utf8()).data[0]!,
    makeData({ type: f[1]!.type, length: n, nullCount: 0, data: times((r) => r.time) }),
    uniMMR,
    makeData({ type: new Float64(), length: n, nullCount: 0, data: numbers((r) => r.accountEquity) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: numbers((r) => r.actualEquity) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: numbers((r) => r.maintMargin) }),
    vectorFromArray(rows.map((r) => r.status), new Utf8()).data[0]!,
    makeData({ type: f[7]!.type, length: n, nullCount: 0, data: times((r) => r.worstTime) }),
    makeData({ type: new Int32(), length: n, nullCount: 0, data: Int32Array.from(rows, (r) => r.steps) }),
  ];
  return new RecordBatch(TIMELINE_SCHEMA, makeData({ type: new Struct(TIMELINE_SCHEMA.fields), length: n, nullCount: 0, children }));
}

export function buildEventsBatch(records: readonly EventRecord[]): RecordBatch {
  const columns: Record<string, unknown[]> = {};
  for (const name of EVENT_RECORD_FIELDS) columns[name] = records.map((r) => r[name] ?? null);
  return batchOf(EVENTS_SCHEMA, columns, records.length);
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
