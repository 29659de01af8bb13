import { parseCsv } from './csv.js';
import { textSourceTable, type SourceTable } from './source-table.js';

export function csvTable(text: string, src: string): SourceTable {
  const csv = parseCsv(text, src);
  const cells = csv.header.map((_, c) => csv.rows.map((r) => r[c]));
  return textSourceTable(src, csv.header, cells, csv.rows.length, (column, row) => `${column}, line ${csv.lines[row]}`);
}
