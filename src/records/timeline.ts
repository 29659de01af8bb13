import { Dictionary, Float64, Int32, Int8, Schema, TimestampMillisecond, Utf8, type RecordBatch } from 'apache-arrow';
import { InputError, InvariantError } from '../domain/errors.js';
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

/** The columns a timeline batch is built from, in TIMELINE_SCHEMA's order (uniMMR null where none). */
interface TimelineBatchColumns {
  length: number;
  portfolioId: string[];
  time: Float64Array;
  uniMMR: (number | null)[];
  accountEquity: Float64Array;
  actualEquity: Float64Array;
  maintMargin: Float64Array;
  status: string[];
  worstTime: Float64Array;
  steps: Int32Array;
  cashFlowUSD: Float64Array;
}

/** One batch of rows, under TIMELINE_SCHEMA, or with `dictionaries` under STORED_TIMELINE_SCHEMA. */
export function buildTimelineBatch(rows: readonly TimelineRow[], dictionaries = false): RecordBatch {
  const numbers = (value: (r: TimelineRow) => number) => pick(new Float64Array(rows.length), rows, value);
  return buildBatchOfColumns({
    length: rows.length, portfolioId: rows.map((r) => r.portfolioId), time: numbers((r) => r.time), uniMMR: rows.map((r) => r.uniMMR),
    accountEquity: numbers((r) => r.accountEquity), actualEquity: numbers((r) => r.actualEquity), maintMargin: numbers((r) => r.maintMargin),
    status: rows.map((r) => r.status), worstTime: numbers((r) => r.worstTime), steps: pick(new Int32Array(rows.length), rows, (r) => r.steps), cashFlowUSD: numbers((r) => r.cashFlowUSD),
  }, dictionaries);
}

/** buildTimelineBatch of the blocks' rows, in order, without a row object: the same batch. */
export function buildTimelineBatchOfBlocks(blocks: readonly TimelineBlock[], dictionaries = false): RecordBatch {
  const n = blocks.reduce((sum, b) => sum + b.length, 0);
  const c: TimelineBatchColumns = {
    length: n, portfolioId: new Array<string>(n), time: new Float64Array(n), uniMMR: new Array<number | null>(n), accountEquity: new Float64Array(n), actualEquity: new Float64Array(n),
    maintMargin: new Float64Array(n), status: new Array<string>(n), worstTime: new Float64Array(n), steps: new Int32Array(n), cashFlowUSD: new Float64Array(n),
  };
  let i = 0;
  for (const b of blocks) {
    const v = b.values;
    for (let r = 0, o = 0; r < b.length; r++, i++, o += ROW_STRIDE) {
      c.portfolioId[i] = b.portfolioId;
      c.time[i] = v[o + ROW_TIME]!;
      const u = v[o + ROW_UNIMMR]!;
      c.uniMMR[i] = u === u ? u : null;
      c.accountEquity[i] = v[o + ROW_EQUITY]!;
      c.actualEquity[i] = v[o + ROW_ACTUAL]!;
      c.maintMargin[i] = v[o + ROW_MARGIN]!;
      c.status[i] = TIMELINE_STATUSES[v[o + ROW_STATUS]!]!;
      c.worstTime[i] = v[o + ROW_WORST_TIME]!;
      c.steps[i] = v[o + ROW_STEPS]!;
      c.cashFlowUSD[i] = v[o + ROW_CASH_FLOW]!;
    }
  }
  return buildBatchOfColumns(c, dictionaries);
}

function buildBatchOfColumns(c: TimelineBatchColumns, dictionaries: boolean): RecordBatch {
  const schema = dictionaries ? STORED_TIMELINE_SCHEMA : TIMELINE_SCHEMA;
  const f = schema.fields;
  const strings = (i: number, values: string[]) => (dictionaries ? dictionaryUtf8Data(f[i]!.name, values, f[i]!.type as Dictionary<Utf8, Int32 | Int8>) : utf8Data(f[i]!.name, values, false));
  return batchOf(schema, c.length, [
    strings(0, c.portfolioId),
    timestampData(f[1]!.type, msToInt64(c.time)),
    nullableFloat64Data(c.uniMMR),
    float64Data(c.accountEquity),
    float64Data(c.actualEquity),
    float64Data(c.maintMargin),
    strings(6, c.status),
    timestampData(f[7]!.type, msToInt64(c.worstTime)),
    int32Data(c.steps),
    float64Data(c.cashFlowUSD),
  ]);
}

/** The five statuses, a row's status code being its index here (TimelineBlock). */
export const TIMELINE_STATUSES: readonly AccountStatus[] = ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED'];

// A block row's fields, at these offsets from its start (row i starts at i × ROW_STRIDE).
export const ROW_TIME = 0;
/** NaN: none (the row's uniMMR null). */
export const ROW_UNIMMR = 1;
export const ROW_EQUITY = 2;
export const ROW_ACTUAL = 3;
export const ROW_MARGIN = 4;
export const ROW_WORST_TIME = 5;
export const ROW_STEPS = 6;
export const ROW_CASH_FLOW = 7;
/** The status's index in TIMELINE_STATUSES. */
export const ROW_STATUS = 8;
export const ROW_STRIDE = 9;

/**
 * One portfolio's timeline rows in one Float64Array, ROW_STRIDE numbers a row: what a replay
 * yields. A batch's rows live until it is written; as objects (ten fields, six of them boxed
 * numbers) they were most of what the replay's young-generation collections copied and promoted,
 * where a typed array's numbers sit outside the collected heap (docs/performance.md).
 */
export class TimelineBlock {
  length = 0;
  values: Float64Array;
  constructor(readonly portfolioId: string, capacity = 32) {
    this.values = new Float64Array(Math.max(1, capacity) * ROW_STRIDE);
  }

  /** A new last row: bucket `time`, `status`, no step yet (uniMMR none, the rest 0). Returns its offset in `values`. */
  addRow(time: number, status: AccountStatus, worstTime: number): number {
    if ((this.length + 1) * ROW_STRIDE > this.values.length) {
      const grown = new Float64Array(2 * this.values.length);
      grown.set(this.values);
      this.values = grown;
    }
    const o = this.length++ * ROW_STRIDE;
    const v = this.values;
    v[o + ROW_TIME] = time;
    v[o + ROW_UNIMMR] = Number.NaN;
    v[o + ROW_EQUITY] = 0;
    v[o + ROW_ACTUAL] = 0;
    v[o + ROW_MARGIN] = 0;
    v[o + ROW_WORST_TIME] = worstTime;
    v[o + ROW_STEPS] = 0;
    v[o + ROW_CASH_FLOW] = 0;
    v[o + ROW_STATUS] = statusCode(status);
    return o;
  }

  /** Row i as an object. */
  row(i: number): TimelineRow {
    const v = this.values;
    const o = i * ROW_STRIDE;
    const u = v[o + ROW_UNIMMR]!;
    return {
      portfolioId: this.portfolioId, time: v[o + ROW_TIME]!, uniMMR: u === u ? u : null, accountEquity: v[o + ROW_EQUITY]!, actualEquity: v[o + ROW_ACTUAL]!, maintMargin: v[o + ROW_MARGIN]!,
      status: TIMELINE_STATUSES[v[o + ROW_STATUS]!]!, worstTime: v[o + ROW_WORST_TIME]!, steps: v[o + ROW_STEPS]!, cashFlowUSD: v[o + ROW_CASH_FLOW]!,
    };
  }

  /** Every row as an object (tests, tools; the batch writes the block itself). */
  rows(): TimelineRow[] {
    return Array.from({ length: this.length }, (_, i) => this.row(i));
  }
}

/** A status's code in a TimelineBlock. */
export function statusCode(status: AccountStatus): number {
  const code = TIMELINE_STATUSES.indexOf(status);
  if (code < 0) throw new InvariantError(`timeline: no status ${JSON.stringify(status)}`);
  return code;
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
