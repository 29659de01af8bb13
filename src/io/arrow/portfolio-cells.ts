import { DataType, Precision, TimeUnit, type Data, type Field } from 'apache-arrow';
import { InputError } from '../../domain/errors.js';
import { decodeStringChunk, epochBigIntToMs, epochNumberToMs, implausibleTimeError, isStringLikeType, isTimeInRange, isTimePlausible, TIME_RANGE_TEXT, type EpochUnit } from './columns.js';

/**
 * Readers of one cell of a portfolio column, built once per record batch from the batch's Data
 * (typed arrays and offsets, no row objects). A reader returns undefined for a null cell ("field
 * absent") and throws an InputError naming `path` for a value it cannot represent.
 */
export type CellReader = (row: number, path: string) => unknown;

/** How a field of the portfolio model is stored; each accepts the Arrow types listed in `accepts`. */
export type FieldKind = 'string' | 'decimal' | 'int' | 'time';

const isNumeric = (t: DataType) => DataType.isInt(t) || (DataType.isFloat(t) && t.precision !== Precision.HALF);

export const FIELD_KIND_TYPES: Record<FieldKind, { accepts: (t: DataType) => boolean; text: string }> = {
  string: { accepts: isStringLikeType, text: 'utf8 (or dictionary<utf8>)' },
  // Decimal strings keep prices exact; a float column from pandas is accepted and read as numbers.
  decimal: { accepts: (t) => isStringLikeType(t) || isNumeric(t), text: 'utf8 decimal strings (or a float/int column)' },
  int: { accepts: isNumeric, text: 'int32 (or any integer/float column holding whole numbers)' },
  time: { accepts: (t) => DataType.isTimestamp(t) || DataType.isInt(t), text: 'timestamp (any unit) or int64 epoch milliseconds' },
};

const UNITS: Record<TimeUnit, EpochUnit> = { [TimeUnit.SECOND]: 's', [TimeUnit.MILLISECOND]: 'ms', [TimeUnit.MICROSECOND]: 'us', [TimeUnit.NANOSECOND]: 'ns' };

function isNull(data: Data, row: number): boolean {
  return data.nullCount > 0 && !data.getValid(row);
}

function makeStringReader(data: Data): CellReader {
  if (DataType.isDictionary(data.type as DataType)) {
    const entries: (string | undefined)[] = [];
    for (const chunk of data.dictionary!.data) for (const s of decodeStringChunk(chunk)) entries.push(s);
    const keys = data.values as ArrayLike<number | bigint>;
    return (row) => (isNull(data, row) ? undefined : entries[Number(keys[row])]);
  }
  const texts = decodeStringChunk(data);
  return (row) => texts[row];
}

function makeNumberReader(data: Data, src: string, wholeNumbers: boolean): CellReader {
  const values = data.values as ArrayLike<number | bigint>;
  return (row, path) => {
    if (isNull(data, row)) return undefined;
    const v = Number(values[row]);
    if (!Number.isFinite(v) || (wholeNumbers && !Number.isSafeInteger(v))) throw new InputError(src, path, wholeNumbers ? 'a whole number' : 'a finite number', String(v));
    return v;
  };
}

function makeTimeReader(data: Data, src: string): CellReader {
  const type = data.type as DataType;
  const unit: EpochUnit = DataType.isTimestamp(type) ? UNITS[type.unit] : 'ms';
  const values = data.values as ArrayLike<number | bigint>;
  return (row, path) => {
    if (isNull(data, row)) return undefined;
    const raw = values[row]!;
    const ms = typeof raw === 'bigint' ? epochBigIntToMs(raw, unit) : epochNumberToMs(raw, unit);
    if (!isTimeInRange(ms)) throw new InputError(src, path, TIME_RANGE_TEXT, `${String(raw)} ${unit}`);
    // As in the price history: outside 2009..2100 the column's unit is not the values' (issue 15).
    if (!isTimePlausible(ms)) throw implausibleTimeError(src, path, raw, unit, ms);
    return ms;
  };
}

export function makeScalarReader(data: Data, kind: FieldKind, src: string): CellReader {
  const type = data.type as DataType;
  switch (kind) {
    case 'string':
      return makeStringReader(data);
    case 'decimal':
      return isStringLikeType(type) ? makeStringReader(data) : makeNumberReader(data, src, false);
    case 'int':
      return makeNumberReader(data, src, true);
    case 'time':
      return makeTimeReader(data, src);
  }
}

/**
 * A list<struct> cell as an array of plain objects; null struct fields are left out. A null list
 * is "absent"; a null struct inside a list is an error (there is no absent balance).
 */
export function makeStructListReader(data: Data, fieldKinds: ReadonlyMap<string, FieldKind>, src: string): CellReader {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const structs = data.children[0]!;
  const fields = (structs.type as DataType & { children: Field[] }).children;
  const readers = fields.map((f, k) => [f.name, makeScalarReader(structs.children[k]!, fieldKinds.get(f.name)!, src)] as const);
  return (row, path) => {
    if (isNull(data, row)) return undefined;
    const start = Number(offsets[row]);
    const end = Number(offsets[row + 1]);
    const items: Record<string, unknown>[] = [];
    for (let j = start; j < end; j++) {
      const itemPath = `${path}[${j - start}]`;
      if (isNull(structs, j)) throw new InputError(src, itemPath, 'an object', 'null');
      const item: Record<string, unknown> = {};
      for (const [name, read] of readers) {
        const v = read(j, `${itemPath}.${name}`);
        if (v !== undefined) item[name] = v;
      }
      items.push(item);
    }
    return items;
  };
}
