import { InputError } from '../../domain/errors.js';
import { describeValue } from '../../domain/json-fields.js';
import { BINANCE_KLINE_COLUMNS, CCXT_OHLCV_COLUMNS } from '../binance/klines.js';
import { textSourceTable, type SourceTable } from './source-table.js';

// JSON tables as users save them: an array of records (Binance's funding-rate history, pandas
// to_json(orient="records")), JSON Lines of records, or an array of arrays — Binance's REST kline
// responses and ccxt's fetchOHLCV — whose columns are named by position.

/** Column names of an array-of-arrays table by its width: the layouts whose rows are bare arrays. */
const POSITIONAL_LAYOUTS: ReadonlyMap<number, { name: string; columns: readonly string[] }> = new Map([
  [BINANCE_KLINE_COLUMNS.length, { name: 'Binance kline arrays (REST /fapi|/dapi klines, mark/index/premium-index klines)', columns: BINANCE_KLINE_COLUMNS }],
  [CCXT_OHLCV_COLUMNS.length, { name: 'OHLCV arrays (ccxt fetchOHLCV)', columns: CCXT_OHLCV_COLUMNS }],
]);

export function firstNonBlank(text: string): string | undefined {
  const m = /[^\s\uFEFF]/.exec(text);
  return m?.[0];
}

export function jsonTable(text: string, src: string): SourceTable {
  if (firstNonBlank(text) !== '[') return jsonLinesTable(text, src);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InputError(src, '', 'a JSON array of records or of kline arrays', e instanceof Error ? e.message : String(e));
  }
  if (!Array.isArray(parsed)) throw new InputError(src, '', 'a JSON array of records', describeValue(parsed));
  return jsonRowsTable(parsed, src);
}

/**
 * Parsed JSON rows (a REST response, an array file) as a table: arrays by position, records by
 * name; no rows give a table of `emptyColumns` (what the caller expects), so an empty answer reads
 * as no data rather than as a table without its columns.
 */
export function jsonRowsTable(rows: readonly unknown[], src: string, emptyColumns: readonly string[] = []): SourceTable {
  if (rows.length === 0) return textSourceTable(src, emptyColumns, emptyColumns.map(() => []), 0, (column) => column);
  if (Array.isArray(rows[0])) return arrayRowsTable(rows, src);
  return recordsTable(rows.map((v, i) => [v, `row ${i + 1}`] as const), src);
}

function jsonLinesTable(text: string, src: string): SourceTable {
  const rows: (readonly [unknown, string])[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      rows.push([JSON.parse(line), `line ${i + 1}`]);
    } catch (e) {
      throw new InputError(src, `line ${i + 1}`, 'one JSON record per line', e instanceof Error ? e.message : String(e));
    }
  });
  return recordsTable(rows, src);
}

function recordsTable(rows: readonly (readonly [unknown, string])[], src: string): SourceTable {
  const records: Record<string, unknown>[] = [];
  for (const [value, path] of rows) {
    if (typeof value !== 'object' || value === null) throw new InputError(src, path, 'an object, like the first row', describeValue(value));
    if (Array.isArray(value)) throw new InputError(src, path, 'an object, like the first row (arrays of arrays are read only when every row is an array)', 'an array');
    records.push(value as Record<string, unknown>);
  }
  const names: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!names.includes(k)) names.push(k);
  const cells = names.map((n) => records.map((r) => r[n]));
  return textSourceTable(src, names, cells, records.length, (column, row) => `${column}, ${rows[row]![1]}`);
}

/** Rows that are arrays, named by position when their width is a known layout. */
function arrayRowsTable(rows: readonly unknown[], src: string): SourceTable {
  const width = (rows[0] as unknown[]).length;
  const layout = POSITIONAL_LAYOUTS.get(width);
  if (layout === undefined) {
    const known = [...POSITIONAL_LAYOUTS].map(([w, l]) => `${w} (${l.name})`).join(' or ');
    throw new InputError(src, 'row 1', `rows of ${known} values`, `${width} values`);
  }
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new InputError(src, `row ${i + 1}`, `an array of ${width} values like the first row`, describeValue(row));
    if (row.length !== width) throw new InputError(src, `row ${i + 1}`, `${width} values like the first row (${layout.name})`, `${row.length}`);
  });
  const cells = layout.columns.map((_, c) => rows.map((r) => (r as unknown[])[c]));
  return textSourceTable(src, layout.columns, cells, rows.length, (column, row) => `${column}, row ${row + 1}`);
}
