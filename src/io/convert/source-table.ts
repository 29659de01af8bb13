import type { Table } from 'apache-arrow';
import { InputError } from '../../domain/errors.js';
import {
  cellPath,
  epochBigIntToMs,
  epochNumberToMs,
  findColumnIndex,
  guessEpochUnit,
  isTimeInRange,
  readNumberColumn,
  readStringColumnCodes,
  readTimeColumnMs,
  TIME_RANGE_TEXT,
  type EpochUnit,
} from '../arrow/columns.js';
import { describeValue } from '../../domain/json-fields.js';
import { parseDateTimeText } from './time-text.js';

/**
 * A user's table (Arrow, CSV or JSON records) seen column by column, so candle and long-format
 * extraction is written once. Every reader names the file, the column and the row it rejects.
 */
export interface SourceTable {
  src: string;
  rowCount: number;
  columnNames: readonly string[];
  /** The column's name as the file spells it (exact match first, then case-insensitive). */
  findColumn(name: string): string | undefined;
  cellPath(column: string, row: number): string;
  /** Times as ms since 1970; epoch numbers are in `unit` ('auto': guessed from the first one). */
  readTimes(column: string, unit: EpochUnit | 'auto'): Float64Array;
  /** Numbers; a missing cell (null, empty, NaN) is an error unless `allowMissing` (then NaN). */
  readNumbers(column: string, allowMissing: boolean): Float64Array;
  /** Codes of a string column; `encode` is called once per distinct string, at its first row. */
  readStringCodes(column: string, expected: string, encode: (text: string, row: number) => number): Int32Array;
}

export const TIME_TEXT_EXPECTED = 'a time: YYYY-MM-DD HH:MM:SS (UTC), ISO 8601, or epoch seconds/ms/us/ns';

export function arrowSourceTable(table: Table, src: string): SourceTable {
  const vectorOf = (column: string) => table.getChildAt(findColumnIndex(table.schema, column))!;
  return {
    src,
    rowCount: table.numRows,
    columnNames: table.schema.fields.map((f) => f.name),
    findColumn: (name) => table.schema.fields[findColumnIndex(table.schema, name)]?.name,
    cellPath,
    readTimes: (column, unit) => readTimeColumnMs(vectorOf(column), src, column, unit),
    readNumbers: (column, allowMissing) => readNumberColumn(vectorOf(column), src, column, allowMissing),
    readStringCodes: (column, expected, encode) => readStringColumnCodes(vectorOf(column), src, column, expected, encode),
  };
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_TEXT = /^-?\d+$/;

const isMissing = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && (v.trim() === '' || v.trim().toLowerCase() === 'nan'));

/** Cells by column (`cells[c][r]`), or by row (`{ rows }`, `rows[r][c]`: a CSV parser's records, not copied). */
export type TextCells = readonly ArrayLike<unknown>[] | { rows: readonly (readonly unknown[])[] };

/**
 * A table of text or JSON cells. `pathOf` names a cell the way the file's format counts (CSV
 * lines, JSON Lines lines, JSON array indexes).
 */
export function textSourceTable(src: string, columnNames: readonly string[], cells: TextCells, rowCount: number, pathOf: (column: string, row: number) => string): SourceTable {
  const lowerIndex = new Map<string, number>();
  columnNames.forEach((n, i) => lowerIndex.has(n.toLowerCase()) || lowerIndex.set(n.toLowerCase(), i));
  const indexOf = (name: string) => (columnNames.includes(name) ? columnNames.indexOf(name) : lowerIndex.get(name.toLowerCase()) ?? -1);
  const columnCells = (name: string): ((row: number) => unknown) => {
    const c = indexOf(name);
    if (Array.isArray(cells)) {
      const column = (cells as readonly ArrayLike<unknown>[])[c] ?? [];
      return (r) => column[r];
    }
    const rows = (cells as { rows: readonly (readonly unknown[])[] }).rows;
    return (r) => rows[r]?.[c];
  };

  return {
    src,
    rowCount,
    columnNames,
    findColumn: (name) => columnNames[indexOf(name)],
    cellPath: pathOf,
    readTimes: (column, unit) => readTextTimes(src, column, columnCells(column), rowCount, unit, pathOf),
    readNumbers(column, allowMissing) {
      const cell = columnCells(column);
      const out = new Float64Array(rowCount);
      for (let r = 0; r < rowCount; r++) {
        const v = cell(r);
        if (isMissing(v)) {
          if (!allowMissing) throw new InputError(src, pathOf(column, r), 'a number', v === null ? 'null' : 'nothing');
          out[r] = NaN;
        } else if (typeof v === 'number' || typeof v === 'bigint') {
          out[r] = Number(v);
        } else if (typeof v === 'string' && NUMBER_TEXT.test(v.trim())) {
          out[r] = Number(v);
        } else {
          throw new InputError(src, pathOf(column, r), 'a number', describeValue(v));
        }
      }
      return out;
    },
    readStringCodes(column, expected, encode) {
      const cell = columnCells(column);
      const out = new Int32Array(rowCount);
      const seen = new Map<string, number>();
      for (let r = 0; r < rowCount; r++) {
        const v = cell(r);
        const text = typeof v === 'string' ? v.trim() : undefined;
        if (text === undefined || text === '') throw new InputError(src, pathOf(column, r), expected, describeValue(v));
        let code = seen.get(text);
        if (code === undefined) {
          code = encode(text, r);
          seen.set(text, code);
        }
        out[r] = code;
      }
      return out;
    },
  };
}

/** Times of a text column as ms since 1970; epoch numbers in `unit` ('auto': guessed from the first). */
function readTextTimes(src: string, column: string, cell: (row: number) => unknown, rowCount: number, unit: EpochUnit | 'auto', pathOf: (column: string, row: number) => string): Float64Array {
  const out = new Float64Array(rowCount);
  let epochUnit = unit === 'auto' ? undefined : unit;
  for (let r = 0; r < rowCount; r++) {
    const v = cell(r);
    const text = typeof v === 'string' ? v.trim() : undefined;
    let ms: number | undefined;
    let epoch = false;
    if (typeof v === 'bigint') {
      // Parquet's int64 epochs: exact, whatever their unit.
      epochUnit ??= guessEpochUnit(Number(v));
      ms = epochBigIntToMs(v, epochUnit);
      epoch = true;
    } else if (typeof v === 'number' || (text !== undefined && NUMBER_TEXT.test(text))) {
      const n = Number(v);
      epochUnit ??= guessEpochUnit(n);
      // Nanosecond integers pass 2^53: divide them exactly.
      ms = text !== undefined && text.length > 15 && INTEGER_TEXT.test(text) ? epochBigIntToMs(BigInt(text), epochUnit) : epochNumberToMs(n, epochUnit);
      epoch = true;
    } else if (text !== undefined) {
      ms = parseDateTimeText(text);
    }
    if (ms !== undefined && isTimeInRange(ms)) {
      out[r] = ms;
      continue;
    }
    const raw = epoch ? `${String(v)} ${epochUnit}` : describeValue(v);
    if (ms === undefined) throw new InputError(src, pathOf(column, r), TIME_TEXT_EXPECTED, isMissing(v) ? 'nothing' : raw);
    throw new InputError(src, pathOf(column, r), TIME_RANGE_TEXT, raw);
  }
  return out;
}
