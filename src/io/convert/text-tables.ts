import { InputError } from '../../domain/errors.js';
import { describeValue } from '../../domain/json-fields.js';
import { CsvRecordReader, type CsvRecords } from './csv.js';
import { checkCsvWidths, csvChunkTable, nameCsvColumns } from './csv-stream.js';
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

/** A whole CSV text as one table: its header, or positional names when it has none (csv-stream.ts). */
export function csvTable(text: string, src: string): SourceTable {
  const out: CsvRecords = { records: [], lines: [] };
  new CsvRecordReader(src).push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, true, out);
  if (out.records.length === 0) throw new InputError(src, 'line 1', 'a header line naming the columns', 'an empty file');
  const { names, headerless } = nameCsvColumns(out.records[0]!, src, '');
  const records = headerless ? out.records : out.records.slice(1);
  const lines = headerless ? out.lines : out.lines.slice(1);
  checkCsvWidths(records, lines, names.length, headerless ? 'the first line' : 'the header', src, '');
  return csvChunkTable(src, '', names, records, lines);
}
