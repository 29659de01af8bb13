import { InputError } from '../../domain/errors.js';
import { describeValue } from '../../domain/json-fields.js';
import { parseCsv } from './csv.js';
import { textSourceTable, type SourceTable } from './source-table.js';

export function firstNonBlank(text: string): string | undefined {
  const m = /[^\s\uFEFF]/.exec(text);
  return m?.[0];
}

/** JSON records (an array of objects, or JSON Lines) as a column-major text table. */
export function jsonRecordsTable(text: string, src: string): SourceTable {
  const records: Record<string, unknown>[] = [];
  const paths: string[] = [];
  const add = (value: unknown, path: string) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(src, path, 'an object', describeValue(value));
    records.push(value as Record<string, unknown>);
    paths.push(path);
  };
  if (firstNonBlank(text) === '[') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InputError(src, '', 'a JSON array of records', e instanceof Error ? e.message : String(e));
    }
    if (!Array.isArray(parsed)) throw new InputError(src, '', 'a JSON array of records', describeValue(parsed));
    parsed.forEach((v, i) => add(v, `[${i}]`));
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new InputError(src, `line ${i + 1}`, 'one JSON record per line', e instanceof Error ? e.message : String(e));
      }
      add(value, `line ${i + 1}`);
    });
  }
  const names: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!names.includes(k)) names.push(k);
  const cells = names.map((n) => records.map((r) => r[n]));
  return textSourceTable(src, names, cells, records.length, (column, row) => `${paths[row]}.${column}`);
}

export function csvTable(text: string, src: string): SourceTable {
  const csv = parseCsv(text, src);
  const cells = csv.header.map((_, c) => csv.rows.map((r) => r[c]));
  return textSourceTable(src, csv.header, cells, csv.rows.length, (column, row) => `${column}, line ${csv.lines[row]}`);
}
