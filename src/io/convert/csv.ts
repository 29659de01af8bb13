import { InputError } from '../../domain/errors.js';

export interface CsvTable {
  header: string[];
  /** One array of cells per record, header excluded. */
  rows: string[][];
  /** 1-based line on which each record starts, for error messages. */
  lines: number[];
}

/**
 * Parses RFC 4180 CSV (comma separated, "double quotes" with "" escapes, \n or \r\n). The first
 * record is the header; blank lines are skipped; every record must have the header's width.
 */
export function parseCsv(text: string, src: string): CsvTable {
  const records: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quotedCell = false;

  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '' && !quotedCell)) records.push({ cells, line: recordLine });
    cells = [];
    cell = '';
    quotedCell = false;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && cell === '' && !quotedCell) {
      // A quoted field: read to the closing quote; commas and newlines inside are data.
      const open = line;
      cell = '';
      quotedCell = true;
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new InputError(src, `line ${open}`, 'a closing double quote', 'end of file');
        const piece = text.slice(i, quote);
        for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) line++;
        cell += piece;
        if (text[quote + 1] === '"') {
          cell += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') throw new InputError(src, `line ${line}`, 'a comma or line end after a closing double quote', JSON.stringify(after));
      continue;
    }
    if (c === ',') {
      cells.push(cell);
      cell = '';
      quotedCell = false;
      i++;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      // Plain text up to the next separator, sliced in one piece (files run to 10^8 characters).
      let j = i + 1;
      for (; j < text.length; j++) {
        const cc = text.charCodeAt(j);
        if (cc === 44 || cc === 10 || cc === 13) break;
      }
      cell += text.slice(i, j);
      i = j;
    }
  }
  if (cell !== '' || cells.length > 0 || quotedCell) endRecord();

  const [head, ...body] = records;
  if (head === undefined) throw new InputError(src, 'line 1', 'a header line naming the columns', 'an empty file');
  const header = head.cells.map((h) => h.trim());
  for (const r of body) {
    if (r.cells.length !== header.length) throw new InputError(src, `line ${r.line}`, `${header.length} fields like the header`, `${r.cells.length}`);
  }
  return { header, rows: body.map((r) => r.cells), lines: body.map((r) => r.line) };
}
