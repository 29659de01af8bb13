import { InputError } from '../../domain/errors.js';
import { CsvRecordReader, type CsvRecords } from './csv.js';
import { checkCsvWidths, csvChunkTable, nameCsvColumns } from './csv-stream.js';
import type { SourceTable } from './source-table.js';

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
