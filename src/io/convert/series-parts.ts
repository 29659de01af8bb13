import { InputError } from '../../domain/errors.js';
import { SERIES_KIND_CODE, SERIES_KINDS, type SeriesKind } from '../../domain/series.js';
import type { EpochUnit } from '../arrow/columns.js';
import { validateSeriesExtremes, validateSeriesValues } from '../arrow/series.js';
import type { SeriesPart } from './series-part.js';
import type { SourceTable } from './source-table.js';
export type { SeriesPart } from './series-part.js';
import { DEFAULT_TICKER_BAR_MS, extractTardisTicker, isTardisTicker } from './tardis.js';
import { formatDuration } from './time-text.js';

/**
 * When a candle's value is known. A candle's timestamp is its open time; its `open` is observed
 * then, but `close`, `high` and `low` only once the candle has ended. 'close' stamps the value at
 * open time + interval so a replay never sees a price before it existed.
 */
export type CandleAt = 'open' | 'close';

export interface CandleSpec {
  symbol: string;
  kind: SeriesKind;
  /** Value column; default: close for index/mark, the funding-rate column (or open) for funding. */
  column?: string;
  /** Default: 'close' for close/high/low columns of index/mark series, else 'open'. */
  at?: CandleAt;
  /** Candle length in ms; inferred from the most common spacing of the rows when omitted. */
  intervalMs?: number;
  /** Default: the first of TIME_COLUMNS present. */
  timeColumn?: string;
  timeUnit: EpochUnit | 'auto';
  /** Drop rows whose value is missing (null, empty, NaN) instead of failing. */
  skipMissing: boolean;
  /** Also take each candle's `high` and `low` columns as the bar's extremes (index and mark series). */
  extremes?: boolean;
}

// calc_time: Binance's fundingRate archive files; fundingTime: its REST funding history.
export const TIME_COLUMNS = ['time', 'date', 'timestamp', 'datetime', 'open_time', 'opentime', 'open time', 'calc_time', 'fundingTime', 'funding_time'];
const VALUE_COLUMNS: Record<SeriesKind, readonly string[]> = {
  index: ['close', 'value', 'price'],
  mark: ['close', 'value', 'price'],
  // freqtrade's -funding_rate files keep the rate in `open`.
  funding: ['fundingRate', 'funding_rate', 'last_funding_rate', 'rate', 'value', 'open'],
};
const OBSERVED_AT_CLOSE = new Set(['close', 'high', 'low']);

function listColumns(table: SourceTable): string {
  return `columns ${table.columnNames.join(', ') || '(none)'}`;
}

export function findTimeColumn(table: SourceTable, override: string | undefined): string {
  const name = override === undefined ? TIME_COLUMNS.map((c) => table.findColumn(c)).find((c) => c !== undefined) : table.findColumn(override);
  if (name === undefined) throw new InputError(table.src, override ?? 'time', override === undefined ? `a time column (one of ${TIME_COLUMNS.join(', ')}; or --time-column)` : `a column "${override}"`, listColumns(table));
  return name;
}

/** The most common spacing of the sorted distinct times: robust to gaps in the data. */
export function inferIntervalMs(times: Float64Array): number | undefined {
  const sorted = Float64Array.from(times).sort();
  const counts = new Map<number, number>();
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]! - sorted[i - 1]!;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [d, n] of counts) {
    if (n > bestCount || (n === bestCount && d < best!)) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/**
 * Binance klines carry their close time (open time + interval − 1 ms): the interval is read from
 * the first row rather than guessed from the spacing, so a file of one candle converts too.
 */
function closeTimeInterval(table: SourceTable, openTimes: Float64Array): number | undefined {
  const column = table.findColumn('close_time');
  if (column === undefined || openTimes.length === 0) return undefined;
  const interval = table.readTimes(column, 'auto')[0]! + 1 - openTimes[0]!;
  return interval > 0 ? interval : undefined;
}

/** Row indexes whose value is present; all rows unless missing values are skipped. */
function keptRows(values: Float64Array, skipMissing: boolean): Int32Array {
  const kept = new Int32Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!skipMissing || !Number.isNaN(values[i])) kept[n++] = i;
  return kept.subarray(0, n);
}

function pick(source: Float64Array, rows: Int32Array): Float64Array {
  if (rows.length === source.length) return source;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = source[rows[i]!]!;
  return out;
}

/** One series (symbol, kind) from a candle table: a time column and a chosen value column. */
export function extractCandleSeries(table: SourceTable, spec: CandleSpec): SeriesPart {
  const src = table.src;
  const timeColumn = findTimeColumn(table, spec.timeColumn);
  const valueColumn = spec.column === undefined ? VALUE_COLUMNS[spec.kind].map((c) => table.findColumn(c)).find((c) => c !== undefined) : table.findColumn(spec.column);
  if (valueColumn === undefined) {
    throw new InputError(src, spec.column ?? VALUE_COLUMNS[spec.kind][0]!, spec.column === undefined ? `a value column (one of ${VALUE_COLUMNS[spec.kind].join(', ')}; or name it)` : `a column "${spec.column}"`, listColumns(table));
  }
  const at = spec.at ?? (spec.kind !== 'funding' && OBSERVED_AT_CLOSE.has(valueColumn.toLowerCase()) ? 'close' : 'open');

  const rawTimes = table.readTimes(timeColumn, spec.timeUnit);
  const rawValues = table.readNumbers(valueColumn, spec.skipMissing);
  const rows = keptRows(rawValues, spec.skipMissing);
  const times = pick(rawTimes, rows);
  const values = pick(rawValues, rows);
  const rowPath = (i: number) => table.cellPath(valueColumn, rows[i]!);
  const kinds = new Uint8Array(times.length).fill(SERIES_KIND_CODE[spec.kind]);
  validateSeriesValues(kinds, values, (i) => [src, rowPath(i)]);
  const extremes = spec.extremes === true ? readExtremes(table, rows, kinds, values) : undefined;

  let note = `${valueColumn} at candle open`;
  if (at === 'close') {
    const fromCloseTime = spec.intervalMs === undefined ? closeTimeInterval(table, rawTimes) : undefined;
    const interval = spec.intervalMs ?? fromCloseTime ?? inferIntervalMs(rawTimes);
    if (interval === undefined) throw new InputError(src, timeColumn, 'two or more candles to infer the interval from (or give --interval)', `${rawTimes.length} row(s)`);
    for (let i = 0; i < times.length; i++) times[i] = times[i]! + interval;
    note = `${valueColumn} at candle close (open time + ${formatDuration(interval)}${spec.intervalMs !== undefined ? '' : fromCloseTime !== undefined ? ', from close_time' : ', inferred'})`;
  }
  return {
    src, times, values, symbols: [spec.symbol], symbolIds: new Int32Array(times.length), kinds, ...extremes, rowPath,
    skipped: rawValues.length - rows.length, note: extremes === undefined ? note : `${note}, with high and low`,
  };
}

/**
 * What is done to a part once all its rows are read (a streamed file is extracted chunk by chunk
 * and the chunks' parts concatenated first): shapes whose rows depend on each other are reduced here.
 */
export function finishSeriesPart(part: SeriesPart): SeriesPart {
  const finished = part.repeatsCombine === true ? combineRepeats(part) : part;
  checkFundingSpacing(finished);
  return finished;
}

/** One row per (symbol, kind, time): the last one's value, the extremes of all (first-row order kept). */
function combineRepeats(part: SeriesPart): SeriesPart {
  const first = new Map<string, number>();
  const keep: number[] = [];
  const values = Float64Array.from(part.values);
  const highs = part.highs === undefined ? undefined : Float64Array.from(part.highs);
  const lows = part.lows === undefined ? undefined : Float64Array.from(part.lows);
  const source = new Int32Array(part.times.length);
  for (let i = 0; i < part.times.length; i++) {
    const key = `${part.symbolIds[i]}/${part.kinds[i]}/${part.times[i]}`;
    const at = first.get(key);
    source[i] = i;
    if (at === undefined) {
      first.set(key, i);
      keep.push(i);
      continue;
    }
    values[at] = part.values[i]!;
    source[at] = i;
    if (highs !== undefined && lows !== undefined) {
      highs[at] = Math.max(highs[at]!, part.highs![i]!);
      lows[at] = Math.min(lows[at]!, part.lows![i]!);
    }
  }
  const pickF = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return {
    ...part,
    times: pickF(part.times),
    values: pickF(values),
    ...(highs !== undefined && lows !== undefined ? { highs: pickF(highs), lows: pickF(lows) } : {}),
    symbolIds: Int32Array.from(keep, (i) => part.symbolIds[i]!),
    kinds: Uint8Array.from(keep, (i) => part.kinds[i]!),
    rowPath: (i) => part.rowPath(source[keep[i]!]!),
    repeatsCombine: false,
  };
}

/**
 * Binance pays funding every 1, 4 or 8 hours: funding rows of one contract closer than this are
 * not realized funding but a ticker, premium-index or predicted-rate file read as funding.
 */
export const MIN_FUNDING_SPACING_MS = 30 * 60_000;

function checkFundingSpacing(part: SeriesPart): void {
  const bySymbol = new Map<number, number[]>();
  for (let i = 0; i < part.times.length; i++) {
    if (part.kinds[i] !== SERIES_KIND_CODE.funding) continue;
    const rows = bySymbol.get(part.symbolIds[i]!) ?? [];
    rows.push(i);
    bySymbol.set(part.symbolIds[i]!, rows);
  }
  for (const [id, rows] of bySymbol) {
    rows.sort((a, b) => part.times[a]! - part.times[b]! || a - b);
    for (let k = 1; k < rows.length; k++) {
      const gap = part.times[rows[k]!]! - part.times[rows[k - 1]!]!;
      if (gap > 0 && gap < MIN_FUNDING_SPACING_MS) {
        throw new InputError(
          part.src,
          part.rowPath(rows[k]!),
          `funding rows of ${part.symbols[id]} at least ${formatDuration(MIN_FUNDING_SPACING_MS)} apart (Binance pays funding every 1, 4 or 8 hours)`,
          `a row ${formatDuration(gap)} after the one at ${part.rowPath(rows[k - 1]!)}: this looks like a ticker or premium-index file, not realized funding`,
        );
      }
    }
  }
}

/** Whether a table is already in the long (time, symbol, kind, value) form. */
export function isLongTable(table: SourceTable): boolean {
  return ['symbol', 'kind', 'value'].every((c) => table.findColumn(c) !== undefined) && TIME_COLUMNS.some((c) => table.findColumn(c) !== undefined);
}

/** All rows of a long table (time, symbol, kind, value), in file order. */
export function extractLongSeries(table: SourceTable, options: { timeColumn?: string; timeUnit: EpochUnit | 'auto'; skipMissing: boolean }): SeriesPart {
  const src = table.src;
  const timeColumn = findTimeColumn(table, options.timeColumn);
  const [symbolColumn, kindColumn, valueColumn] = ['symbol', 'kind', 'value'].map((c) => {
    const name = table.findColumn(c);
    if (name === undefined) throw new InputError(src, c, `a column "${c}"`, listColumns(table));
    return name;
  }) as [string, string, string];
  const rawTimes = table.readTimes(timeColumn, options.timeUnit);
  const symbols: string[] = [];
  const rawSymbolIds = table.readStringCodes(symbolColumn, 'a symbol', (text) => symbols.push(text) - 1);
  const rawKinds = table.readStringCodes(kindColumn, `one of ${SERIES_KINDS.join(', ')}`, (text, row) => {
    if (!(SERIES_KINDS as readonly string[]).includes(text)) throw new InputError(src, table.cellPath(kindColumn, row), `one of ${SERIES_KINDS.join(', ')}`, JSON.stringify(text));
    return SERIES_KIND_CODE[text as SeriesKind];
  });
  const rawValues = table.readNumbers(valueColumn, options.skipMissing);
  const rows = keptRows(rawValues, options.skipMissing);
  const symbolIds = rows.length === rawValues.length ? rawSymbolIds : Int32Array.from(rows, (r) => rawSymbolIds[r]!);
  const kinds = Uint8Array.from(rows, (r) => rawKinds[r]!);
  const values = pick(rawValues, rows);
  const rowPath = (i: number) => table.cellPath(valueColumn, rows[i]!);
  validateSeriesValues(kinds, values, (i) => [src, rowPath(i)]);
  const extremes = table.findColumn('high') !== undefined || table.findColumn('low') !== undefined ? readExtremes(table, rows, kinds, values) : undefined;
  const note = extremes === undefined ? 'long table (time, symbol, kind, value)' : 'long table (time, symbol, kind, value, high, low)';
  return { src, times: pick(rawTimes, rows), values, symbols, symbolIds, kinds, ...extremes, rowPath, skipped: rawValues.length - rows.length, note };
}

/** The kept rows' `high` and `low` (missing cells NaN), checked against their values (validateSeriesExtremes). */
function readExtremes(table: SourceTable, rows: Int32Array, kinds: Uint8Array, values: Float64Array): { highs: Float64Array; lows: Float64Array } {
  const [high, low] = ['high', 'low'].map((c) => {
    const name = table.findColumn(c);
    if (name === undefined) throw new InputError(table.src, c, `a column "${c}" (beside ${c === 'high' ? 'low' : 'high'})`, listColumns(table));
    return name;
  }) as [string, string];
  const highs = pick(table.readNumbers(high, true), rows);
  const lows = pick(table.readNumbers(low, true), rows);
  validateSeriesExtremes(kinds, values, highs, lows, (i, column) => [table.src, table.cellPath(column === 'high' ? high : low, rows[i]!)]);
  return { highs, lows };
}

/** One input file's request: a long table, or one series of a candle file when symbol and kind are given. */
export type PartRequest = Omit<CandleSpec, 'symbol' | 'kind'> & Partial<Pick<CandleSpec, 'symbol' | 'kind'>>;

/** The archive's funding files are named `<SYMBOL>-fundingRate-<YYYY-MM>.zip` (and .csv inside). */
const FUNDING_FILE_NAME = /(?:^|[/\\])([A-Z0-9]+(?:_[A-Z0-9]+)?)-fundingRate-[^/\\]*$/;

/**
 * Reads one table the way its shape says: a Tardis derivative_ticker file, a candle file of the
 * named series, a long table, or Binance's funding history (REST records carry their symbol; an
 * archive file's name does). Anything else is an error saying what the file looks like.
 */
export function extractTablePart(table: SourceTable, request: PartRequest): SeriesPart {
  if (isTardisTicker(table)) return extractTardisTicker(table, { symbol: request.symbol, kind: request.kind, barMs: request.intervalMs ?? DEFAULT_TICKER_BAR_MS });
  if (request.symbol !== undefined && request.kind !== undefined) return extractCandleSeries(table, { ...request, symbol: request.symbol, kind: request.kind });
  if (isLongTable(table)) return extractLongSeries(table, request);
  if (['symbol', 'fundingTime', 'fundingRate'].every((c) => table.findColumn(c) !== undefined)) return extractSymbolFunding(table, request);
  if (table.findColumn('calc_time') !== undefined && table.findColumn('last_funding_rate') !== undefined) {
    const symbol = FUNDING_FILE_NAME.exec(table.src)?.[1];
    if (symbol === undefined) throw new InputError(table.src, '', 'the file name of a Binance fundingRate file (SYMBOL-fundingRate-YYYY-MM.csv), or FILE:SYMBOL:funding', 'a funding file whose name does not say its symbol');
    return extractCandleSeries(table, { ...request, symbol, kind: 'funding' });
  }
  const candles = table.findColumn('close') !== undefined && TIME_COLUMNS.some((c) => table.findColumn(c) !== undefined);
  throw new InputError(
    table.src,
    '',
    candles ? 'the series this candle file holds: FILE:SYMBOL:KIND (e.g. BTCUSDT-1m-2024-03-01.zip:BTCUSDT:mark) or --symbol and --kind' : 'a long table with columns time, symbol, kind, value (or give the symbol and kind of a candle file)',
    `${candles ? 'candles with ' : ''}${listColumns(table)}`,
  );
}

/** Binance's REST funding history, [{symbol, fundingTime, fundingRate, markPrice}]: one funding row per record. */
function extractSymbolFunding(table: SourceTable, request: PartRequest): SeriesPart {
  const symbols: string[] = [];
  const rawIds = table.readStringCodes(table.findColumn('symbol')!, 'a symbol', (text) => symbols.push(text) - 1);
  const rateColumn = table.findColumn('fundingRate')!;
  const rawValues = table.readNumbers(rateColumn, request.skipMissing);
  const rows = keptRows(rawValues, request.skipMissing);
  const kinds = new Uint8Array(rows.length).fill(SERIES_KIND_CODE.funding);
  const values = pick(rawValues, rows);
  const rowPath = (i: number) => table.cellPath(rateColumn, rows[i]!);
  validateSeriesValues(kinds, values, (i) => [table.src, rowPath(i)]);
  return {
    src: table.src,
    times: pick(table.readTimes(table.findColumn('fundingTime')!, request.timeUnit), rows),
    values,
    symbols,
    symbolIds: Int32Array.from(rows, (r) => rawIds[r]!),
    kinds,
    rowPath,
    skipped: rawValues.length - rows.length,
    note: 'Binance funding rate history (symbol, fundingTime, fundingRate)',
  };
}
