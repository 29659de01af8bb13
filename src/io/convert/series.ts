import { SERIES_KINDS, type SeriesKind, type SeriesTable } from '../../domain/series.js';
import { describeTime, type EpochUnit } from '../arrow/columns.js';
import { ChunkedPartBuilder } from './chunked-part.js';
import type { TableChunk } from './csv-stream.js';
import { detectInputFormat } from './input-formats.js';
import { MAX_SERIES_INPUT_BYTES, openSourceTable, readBoundedFile, readFileHead } from './input-files.js';
import { constantIndexPart, mergeSeriesParts, priceTimes } from './merge.js';
import { extractTablePart, findTimeColumn, finishSeriesPart, inferIntervalMs, type CandleAt, type PartRequest, type SeriesPart } from './series-parts.js';
import type { SourceTable } from './source-table.js';
import { isTardisTicker } from './tardis.js';

/** One input of `pmbt convert series`: a long table, or one series of a candle file. */
export interface SeriesInput {
  path: string;
  /** With kind: read the file as candles of this symbol; without: as a long table. */
  symbol?: string;
  kind?: SeriesKind;
  column?: string;
}

export interface ConvertSeriesOptions {
  at?: CandleAt;
  intervalMs?: number;
  timeColumn?: string;
  timeUnit?: EpochUnit | 'auto';
  skipMissing?: boolean;
  /** Candle files of index and mark series: also take each candle's high and low as the bar's extremes (long tables carry theirs when they have the columns). */
  extremes?: boolean;
  /** Round every time to the nearest multiple of this many ms (funding times carry ms jitter). */
  roundToMs?: number;
  maxInputBytes?: number;
  /** Assets taken as 1 USD (stablecoins): an index row of 1 at every time the table has prices. */
  usdIndex?: readonly string[];
}

export interface ConvertedSeries {
  table: SeriesTable;
  parts: SeriesPart[];
  duplicatesDropped: number;
}

/** What extractTablePart needs of an input and the command's options. */
function requestOf(input: SeriesInput, options: ConvertSeriesOptions): PartRequest {
  return {
    symbol: input.symbol,
    kind: input.kind,
    column: input.column,
    at: options.at,
    intervalMs: options.intervalMs,
    timeColumn: options.timeColumn,
    timeUnit: options.timeUnit ?? 'auto',
    skipMissing: options.skipMissing ?? false,
    extremes: options.extremes,
  };
}

/** Reads one input file held whole into rows, the way its shape says (extractTablePart). */
export function extractSeriesPart(bytes: Uint8Array, input: SeriesInput, options: ConvertSeriesOptions): SeriesPart {
  return extractTablePart(openSourceTable(bytes, input.path), requestOf(input, options));
}

function roundTimes(times: Float64Array, step: number): void {
  for (let i = 0; i < times.length; i++) times[i] = Math.round(times[i]! / step) * step;
}

const spacingGivesInterval = (table: SourceTable) => !isTardisTicker(table) && table.findColumn('close_time') === undefined;

/** The candle interval of a run of chunks' rows (their most common spacing). */
function inferChunksInterval(chunks: readonly TableChunk[], options: ConvertSeriesOptions): number | undefined {
  const times = chunks.map((c) => c.table.readTimes(findTimeColumn(c.table, options.timeColumn), options.timeUnit ?? 'auto'));
  const all = new Float64Array(times.reduce((n, t) => n + t.length, 0));
  times.reduce((at, t) => (all.set(t, at), at + t.length), 0);
  return inferIntervalMs(all);
}

/**
 * A streamed file's rows, extracted chunk by chunk and joined. A candle file's interval (for
 * --at close) is inferred once, from the first chunks holding two rows, and reused for the rest:
 * a chunk's own spacing could differ (a short last chunk, a one-row member of a zip).
 */
async function extractStreamedPart(chunks: AsyncIterable<TableChunk>, input: SeriesInput, options: ConvertSeriesOptions): Promise<SeriesPart> {
  const builder = new ChunkedPartBuilder(input.path);
  const inferOnce = input.symbol !== undefined && input.kind !== undefined && options.intervalMs === undefined;
  let interval = options.intervalMs;
  let pending: TableChunk[] = [];
  let pendingRows = 0;
  const flush = () => {
    interval = inferChunksInterval(pending, options);
    for (const chunk of pending) {
      // A chunk that can infer the interval itself does (its report then says "inferred").
      const own = chunk.table.rowCount >= 2 && pending.length === 1;
      const part = builder.add(chunk, (table) => extractTablePart(table, requestOf(input, { ...options, intervalMs: own ? undefined : interval })));
      if (own) builder.note = part.note;
    }
    pending = [];
  };
  for await (const chunk of chunks) {
    // A ticker file's --interval is its bar, and klines' is in close_time: neither is inferred from the spacing.
    if (!inferOnce || (interval !== undefined && pending.length === 0) || !spacingGivesInterval(chunk.table)) {
      builder.add(chunk, (table) => extractTablePart(table, requestOf(input, { ...options, intervalMs: interval })));
      continue;
    }
    pending.push(chunk);
    pendingRows += chunk.table.rowCount;
    if (pendingRows >= 2) flush();
  }
  if (pending.length > 0) flush();
  return builder.finish();
}

/** One input's rows: streamed when its format can be (CSV, zip, gzip, Parquet), else read whole (at most maxInputBytes). */
async function readSeriesPart(input: SeriesInput, options: ConvertSeriesOptions): Promise<SeriesPart> {
  const format = detectInputFormat(await readFileHead(input.path), input.path, 'table');
  if (format.readTableChunks !== undefined) return extractStreamedPart(format.readTableChunks(input.path, input.path), input, options);
  const bytes = await readBoundedFile(input.path, options.maxInputBytes ?? MAX_SERIES_INPUT_BYTES);
  return extractSeriesPart(bytes, input, options);
}

/**
 * A file already in memory (a download; `input.path` names it in messages) read like
 * convertSeriesFiles reads one input, finished but not merged.
 */
export async function readSeriesBytes(bytes: Uint8Array, input: SeriesInput, options: ConvertSeriesOptions = {}): Promise<SeriesPart> {
  const format = detectInputFormat(bytes, input.path, 'table');
  const part = format.readTableChunks !== undefined ? await extractStreamedPart(format.readTableChunks(bytes, input.path), input, options) : extractSeriesPart(bytes, input, options);
  return finishSeriesPart(part);
}

/** Reads every input and merges them into one time-sorted table. */
export async function convertSeriesFiles(inputs: readonly SeriesInput[], options: ConvertSeriesOptions = {}): Promise<ConvertedSeries> {
  const parts: SeriesPart[] = [];
  for (const input of inputs) {
    const part = finishSeriesPart(await readSeriesPart(input, options));
    if (options.roundToMs !== undefined) roundTimes(part.times, options.roundToMs);
    parts.push(part);
  }
  const merged = mergeSeriesParts(parts);
  if (options.usdIndex === undefined || options.usdIndex.length === 0) return { ...merged, parts };
  const times = priceTimes(merged.table);
  const constant = options.usdIndex.map((asset) => constantIndexPart(asset, times));
  return { ...mergeSeriesParts([...parts, ...constant]), parts: [...parts, ...constant] };
}

/** One line per (symbol, kind): rows and time span, for the command's report. */
export function describeSeriesTable(table: SeriesTable): string[] {
  const stats = new Map<number, { rows: number; first: number; last: number }>();
  for (let i = 0; i < table.times.length; i++) {
    const key = table.symbolIds[i]! * SERIES_KINDS.length + table.kinds[i]!;
    const s = stats.get(key);
    if (s === undefined) stats.set(key, { rows: 1, first: table.times[i]!, last: table.times[i]! });
    else {
      s.rows++;
      s.last = table.times[i]!;
    }
  }
  return [...stats.entries()].map(([key, s]) => {
    const symbol = table.symbols[Math.floor(key / SERIES_KINDS.length)];
    const kind = SERIES_KINDS[key % SERIES_KINDS.length];
    return `${symbol} ${kind}: ${s.rows} rows, ${describeTime(s.first)} → ${describeTime(s.last)}`;
  });
}
