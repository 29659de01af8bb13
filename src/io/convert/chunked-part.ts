import type { SeriesPart } from './series-parts.js';
import type { TableChunk } from './csv-stream.js';
import type { SourceTable } from './source-table.js';

type NumberArray = Float64Array | Int32Array | Uint8Array;

/** A typed array that doubles as it fills. */
class Growing<T extends NumberArray> {
  length = 0;
  private data: T;
  constructor(private readonly make: (size: number) => T) {
    this.data = make(1024);
  }
  append(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.data.set(values, this.length);
    this.length += values.length;
  }
  fill(value: number, count: number): void {
    this.reserve(count);
    this.data.fill(value, this.length, this.length + count);
    this.length += count;
  }
  push(value: number): void {
    this.reserve(1);
    this.data[this.length++] = value;
  }
  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const next = this.make(Math.max(this.data.length * 2, this.length + extra));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  /** The filled prefix (a view: no copy of a large column at the end). */
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const float64 = (n: number) => new Float64Array(n);

interface Segment {
  start: number;
  where: string;
}

/**
 * Concatenates the parts extracted from a file's chunks into one part. A chunk's part names its
 * rows through the chunk's table, which holds every cell of the chunk; keeping that alive would
 * keep the whole file in memory. So each row's position (line or row number) and value column are
 * copied out when the chunk is added, and the joined part's `rowPath` is built from those alone.
 */
export class ChunkedPartBuilder {
  private readonly times = new Growing(float64);
  private readonly values = new Growing(float64);
  private readonly symbolIds = new Growing((n) => new Int32Array(n));
  private readonly kinds = new Growing((n) => new Uint8Array(n));
  /** Each row's line or row number in the file (NaN: see `spelled`). */
  private readonly positions = new Growing(float64);
  /** Each row's value column, as an index into `columns` (a ticker file's rows come from several). */
  private readonly columnIds = new Growing((n) => new Int32Array(n));
  private readonly columns: string[] = [];
  private highs: Growing<Float64Array> | undefined;
  private lows: Growing<Float64Array> | undefined;
  private readonly symbols: string[] = [];
  private readonly symbolIndex = new Map<string, number>();
  private readonly segments: Segment[] = [];
  /** Row paths that could not be told by position (a part whose rowPath does not go through cellPath). */
  private readonly spelled = new Map<number, string>();
  private skipped = 0;
  private repeatsCombine = false;
  note: string | undefined;

  constructor(private readonly src: string) {}

  /** Extracts a chunk with `extract` and appends its rows; the chunk may then be dropped. */
  add(chunk: TableChunk, extract: (table: SourceTable) => SeriesPart): SeriesPart {
    // While recording, the table's cellPath notes which chunk row a part's row came from (its value
    // cell) instead of naming it: that is all a row path needs once the chunk is gone.
    let recording: ((column: string, row: number) => void) | undefined;
    const table: SourceTable = { ...chunk.table, cellPath: (column, row) => (recording === undefined ? chunk.table.cellPath(column, row) : (recording(column, row), '')) };
    const part = extract(table);
    const base = this.times.length;
    let column = '';
    let position = NaN;
    const record = (c: string, row: number) => {
      column = c;
      position = chunk.position(row);
    };
    recording = record;
    for (let i = 0; i < part.times.length; i++) {
      position = NaN;
      part.rowPath(i);
      if (Number.isNaN(position)) {
        recording = undefined;
        this.spelled.set(base + i, part.rowPath(i));
        recording = record;
      }
      this.positions.push(position);
      let id = this.columns.indexOf(column);
      if (id < 0) id = this.columns.push(column) - 1;
      this.columnIds.push(id);
    }
    recording = undefined;
    this.segments.push({ start: base, where: chunk.where });
    this.appendRows(part);
    return part;
  }

  private appendRows(part: SeriesPart): void {
    const n = part.times.length;
    const ids = part.symbols.map((s) => {
      let id = this.symbolIndex.get(s);
      if (id === undefined) {
        id = this.symbols.push(s) - 1;
        this.symbolIndex.set(s, id);
      }
      return id;
    });
    this.times.append(part.times);
    this.values.append(part.values);
    this.symbolIds.append(part.symbolIds.map((id) => ids[id]!));
    this.kinds.append(part.kinds);
    if (part.highs !== undefined && part.lows !== undefined) {
      if (this.highs === undefined || this.lows === undefined) {
        // Rows before the first part with extremes have none.
        this.highs = new Growing(float64);
        this.lows = new Growing(float64);
        this.highs.fill(NaN, this.times.length - n);
        this.lows.fill(NaN, this.times.length - n);
      }
      this.highs.append(part.highs);
      this.lows.append(part.lows);
    } else if (this.highs !== undefined && this.lows !== undefined) {
      this.highs.fill(NaN, n);
      this.lows.fill(NaN, n);
    }
    this.skipped += part.skipped;
    this.repeatsCombine ||= part.repeatsCombine === true;
    this.note ??= part.note;
  }

  get rowCount(): number {
    return this.times.length;
  }

  /** The joined part (its rows in the order added). */
  finish(): SeriesPart {
    const positions = this.positions.done();
    const columnIds = this.columnIds.done();
    const columns = this.columns;
    const segments = this.segments;
    const spelled = this.spelled;
    const rowPath = (i: number): string => {
      const text = spelled.get(i);
      if (text !== undefined) return text;
      let lo = 0;
      let hi = segments.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (segments[mid]!.start <= i) lo = mid;
        else hi = mid - 1;
      }
      const s = segments[lo]!;
      return `${columns[columnIds[i]!]}, ${s.where} ${positions[i]}`;
    };
    const extremes = this.highs !== undefined && this.lows !== undefined ? { highs: this.highs.done(), lows: this.lows.done() } : {};
    return {
      src: this.src,
      times: this.times.done(),
      values: this.values.done(),
      symbols: this.symbols,
      symbolIds: this.symbolIds.done(),
      kinds: this.kinds.done(),
      ...extremes,
      rowPath,
      skipped: this.skipped,
      ...(this.repeatsCombine ? { repeatsCombine: true } : {}),
      note: this.note ?? '',
    };
  }
}
