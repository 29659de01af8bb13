import { SERIES_KINDS, type SeriesKind, type SeriesTable } from '../../domain/series.js';
import { describeTime, type EpochUnit } from '../arrow/columns.js';
import { MAX_SERIES_INPUT_BYTES, openSourceTable, readBoundedFile } from './input-files.js';
import { mergeSeriesParts } from './merge.js';
import { extractTablePart, finishSeriesPart, type CandleAt, type SeriesPart } from './series-parts.js';

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
}

export interface ConvertedSeries {
  table: SeriesTable;
  parts: SeriesPart[];
  duplicatesDropped: number;
}

/** Reads one input file into rows, the way its shape says (extractTablePart). */
export function extractSeriesPart(bytes: Uint8Array, input: SeriesInput, options: ConvertSeriesOptions): SeriesPart {
  return extractTablePart(openSourceTable(bytes, input.path), {
    symbol: input.symbol,
    kind: input.kind,
    column: input.column,
    at: options.at,
    intervalMs: options.intervalMs,
    timeColumn: options.timeColumn,
    timeUnit: options.timeUnit ?? 'auto',
    skipMissing: options.skipMissing ?? false,
    extremes: options.extremes,
  });
}

function roundTimes(times: Float64Array, step: number): void {
  for (let i = 0; i < times.length; i++) times[i] = Math.round(times[i]! / step) * step;
}

/** Reads every input (each at most maxInputBytes) and merges them into one time-sorted table. */
export async function convertSeriesFiles(inputs: readonly SeriesInput[], options: ConvertSeriesOptions = {}): Promise<ConvertedSeries> {
  const parts: SeriesPart[] = [];
  for (const input of inputs) {
    const bytes = await readBoundedFile(input.path, options.maxInputBytes ?? MAX_SERIES_INPUT_BYTES);
    const part = finishSeriesPart(extractSeriesPart(bytes, input, options));
    if (options.roundToMs !== undefined) roundTimes(part.times, options.roundToMs);
    parts.push(part);
  }
  const { table, duplicatesDropped } = mergeSeriesParts(parts);
  return { table, parts, duplicatesDropped };
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
