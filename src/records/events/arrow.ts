import { Schema, TimestampMillisecond, Utf8, type RecordBatch } from 'apache-arrow';
import { batchOf, field, msToInt64, readTimestampMs, readUtf8, requireColumnData, rowPath, timestampData, utf8Data } from '../arrow.js';
import { checkEventRecord } from './index.js';
import { EVENT_RECORD_FIELDS, type EventRecord } from './record.js';

// events.arrow: one event record a row, absent fields null (docs/formats.md "Outputs").

export const EVENTS_SCHEMA = new Schema(
  EVENT_RECORD_FIELDS.map((name) => (name === 'time' ? field(name, new TimestampMillisecond('UTC')) : field(name, new Utf8(), name !== 'portfolioId' && name !== 'type'))),
);

export function buildEventsBatch(records: readonly EventRecord[]): RecordBatch {
  return batchOf(EVENTS_SCHEMA, records.length, EVENTS_SCHEMA.fields.map((f) => {
    const name = f.name as keyof EventRecord;
    if (name === 'time') return timestampData(f.type, msToInt64(Float64Array.from(records, (r) => r.time)));
    return utf8Data(name, records.map((r) => r[name] as string | undefined), f.nullable);
  }));
}

/**
 * The records of one batch of `file`, each checked like an events.jsonl line; `firstRow` (0-based)
 * is the batch's first row in the file, so errors name the row counted from 1 across the file.
 */
export function readEventRecords(batch: RecordBatch, file: string, firstRow = 0): EventRecord[] {
  const columns = EVENT_RECORD_FIELDS.map((name) => {
    const data = requireColumnData(batch, EVENTS_SCHEMA, name, file);
    return name === 'time' ? Array.from(readTimestampMs(data, file, name, firstRow)) : readUtf8(data);
  });
  const records: EventRecord[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    EVENT_RECORD_FIELDS.forEach((name, c) => { row[name] = columns[c]![i]; });
    records.push(checkEventRecord(row, file, rowPath(firstRow + i)));
  }
  return records;
}
