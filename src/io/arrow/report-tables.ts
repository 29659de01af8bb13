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
  const col = <K extends keyof TimelineRow>(k: K) => rows.map((r) => r[k]);
  return batchOf(TIMELINE_SCHEMA, {
    portfolioId: col('portfolioId'), time: col('time'), uniMMR: col('uniMMR'), accountEquity: col('accountEquity'), actualEquity: col('actualEquity'),
    maintMargin: col('maintMargin'), status: col('status'), worstTime: col('worstTime'), steps: col('steps'),
  }, rows.length);
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
