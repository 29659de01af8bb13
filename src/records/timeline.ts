import { Dictionary, Float64, Int32, Int8, Schema, TimestampMillisecond, Utf8, type RecordBatch } from 'apache-arrow';
import { InputError } from '../domain/errors.js';
import type { AccountStatus } from '../domain/types.js';
import {
  batchOf, dictionaryUtf8Data, field, float64Data, int32Data, msToInt64, nullableFloat64Data, readFloat64, readInt32, readTimestampMs, readUtf8, readUtf8Raw, requireColumnData, rowPath, timestampData, utf8Data, type Utf8Column,
} from './arrow.js';

// timeline.arrow (docs/formats.md "Outputs"): its row, its schema, its writer and its reader.

/** One portfolio's worst moment in one time bucket. */
export interface TimelineRow {
  portfolioId: string;
  /** Bucket start, ms; buckets are aligned to multiples of the resolution since 1970. */
  time: number;
  /** The bucket's minimum uniMMR; null when no step in it had maintenance margin. */
  uniMMR: number | null;
  /** The rest are taken at the step of that minimum (or the bucket's last step when uniMMR is null). */
  accountEquity: number;
  actualEquity: number;
  maintMargin: number;
  /** The worst status seen in the bucket. */
  status: AccountStatus;
  worstTime: number;
  steps: number;
  /**
   * Funding received less interest charged since the start, USD (each payment at its asset's index
   * price at its time), as of the bucket's last step: the running cash flow of the payments whose
   * totals the portfolio's summary line gives exactly.
   */
  cashFlowUSD: number;
}

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
  field('cashFlowUSD', new Float64()),
]);

/**
 * The schema of a job's timeline batch files: the same columns, the id and the status
 * dictionary-encoded (each distinct value once a file, each row a 4-byte or 1-byte index: 23 of a
 * row's 85 bytes saved before compression). Readers see them as Utf8 (requireColumnData); `pmbt
 * export` writes TIMELINE_SCHEMA.
 */
export const STORED_TIMELINE_SCHEMA = new Schema(TIMELINE_SCHEMA.fields.map((f) => {
  if (f.name === 'portfolioId') return field(f.name, new Dictionary(new Utf8(), new Int32(), 0));
  if (f.name === 'status') return field(f.name, new Dictionary(new Utf8(), new Int8(), 1));
  return f;
}));

/**
 * One column of the rows, filled by a plain loop: `Float64Array.from(rows, pick)` takes the
 * iterator path and cost about 10× as much (a tenth of a replay's CPU; docs/performance.md).
 */
function pick<T extends Float64Array | Int32Array>(out: T, rows: readonly TimelineRow[], value: (r: TimelineRow) => number): T {
  for (let i = 0; i < rows.length; i++) out[i] = value(rows[i]!);
  return out;
}

/** One batch of rows, under TIMELINE_SCHEMA, or with `dictionaries` under STORED_TIMELINE_SCHEMA. */
export function buildTimelineBatch(rows: readonly TimelineRow[], dictionaries = false): RecordBatch {
  const numbers = (value: (r: TimelineRow) => number) => pick(new Float64Array(rows.length), rows, value);
  const times = (value: (r: TimelineRow) => number) => msToInt64(numbers(value));
  const schema = dictionaries ? STORED_TIMELINE_SCHEMA : TIMELINE_SCHEMA;
  const f = schema.fields;
  const strings = (i: number, values: string[]) => (dictionaries ? dictionaryUtf8Data(f[i]!.name, values, f[i]!.type as Dictionary<Utf8, Int32 | Int8>) : utf8Data(f[i]!.name, values, false));
  return batchOf(schema, rows.length, [
    strings(0, rows.map((r) => r.portfolioId)),
    timestampData(f[1]!.type, times((r) => r.time)),
    nullableFloat64Data(rows.map((r) => r.uniMMR)),
    float64Data(numbers((r) => r.accountEquity)),
    float64Data(numbers((r) => r.actualEquity)),
    float64Data(numbers((r) => r.maintMargin)),
    strings(6, rows.map((r) => r.status)),
    timestampData(f[7]!.type, times((r) => r.worstTime)),
    int32Data(pick(new Int32Array(rows.length), rows, (r) => r.steps)),
    float64Data(numbers((r) => r.cashFlowUSD)),
  ]);
}

/**
 * A batch of timeline.arrow as columns (no row objects: the report reads every row of every
 * portfolio). uniMMR is NaN where the row has none; ids and statuses are raw UTF-8 for loops that
 * compare bytes before decoding.
 */
export interface TimelineColumns {
  length: number;
  portfolioId: Utf8Column;
  time: Float64Array;
  uniMMR: Float64Array;
  accountEquity: Float64Array;
  actualEquity: Float64Array;
  maintMargin: Float64Array;
  status: Utf8Column;
  worstTime: Float64Array;
  steps: Int32Array;
  /** NaN throughout for a timeline written before the column existed. */
  cashFlowUSD: Float64Array;
}

/** Reads one batch of `file`; `firstRow` (0-based) is the batch's first row in the file, for messages. */
export function readTimelineColumns(batch: RecordBatch, file: string, firstRow = 0): TimelineColumns {
  const column = (name: string) => requireColumnData(batch, TIMELINE_SCHEMA, name, file);
  const float = (name: string, nullable = false) => readFloat64(column(name), nullable, file, name, firstRow);
  return {
    length: batch.numRows,
    portfolioId: readUtf8Raw(column('portfolioId'), file, 'portfolioId', firstRow),
    time: readTimestampMs(column('time'), file, 'time', firstRow),
    uniMMR: float('uniMMR', true),
    accountEquity: float('accountEquity'),
    actualEquity: float('actualEquity'),
    maintMargin: float('maintMargin'),
    status: readUtf8Raw(column('status'), file, 'status', firstRow),
    worstTime: readTimestampMs(column('worstTime'), file, 'worstTime', firstRow),
    steps: readInt32(column('steps'), file, 'steps', firstRow),
    // Timelines written before the cash flow was recorded lack the column: NaN, not a made-up 0.
    cashFlowUSD: batch.schema.fields.some((x) => x.name === 'cashFlowUSD') ? float('cashFlowUSD') : new Float64Array(batch.numRows).fill(Number.NaN),
  };
}

const STATUSES: ReadonlySet<string> = new Set<AccountStatus>(['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED']);

/** The rows of one batch as written (tests, tools); the status must be one of the five. */
export function readTimelineRows(batch: RecordBatch, file: string, firstRow = 0): TimelineRow[] {
  const c = readTimelineColumns(batch, file, firstRow);
  const ids = readUtf8(requireColumnData(batch, TIMELINE_SCHEMA, 'portfolioId', file));
  const statuses = readUtf8(requireColumnData(batch, TIMELINE_SCHEMA, 'status', file));
  return ids.map((portfolioId, i) => {
    const status = statuses[i]!;
    if (!STATUSES.has(status)) throw new InputError(file, rowPath(firstRow + i, 'status'), [...STATUSES].join(', '), JSON.stringify(status));
    const u = c.uniMMR[i]!;
    return {
      portfolioId: portfolioId!, time: c.time[i]!, uniMMR: Number.isNaN(u) ? null : u, accountEquity: c.accountEquity[i]!, actualEquity: c.actualEquity[i]!, maintMargin: c.maintMargin[i]!,
      status: status as AccountStatus, worstTime: c.worstTime[i]!, steps: c.steps[i]!, cashFlowUSD: c.cashFlowUSD[i]!,
    };
  });
}
