import Papa from 'papaparse';
import { InputError } from '../../domain/errors.js';

/**
 * One record longer than this is refused: a file without line breaks (or an unclosed quote) must
 * not be buffered whole. Binance's widest rows are ~150 characters.
 */
export const MAX_CSV_RECORD_CHARS = 1024 * 1024;

/** Records read so far, each with the 1-based line it starts on. */
export interface CsvRecords {
  records: string[][];
  lines: number[];
}

/**
 * An incremental RFC 4180 reader (comma separated, "double quotes" with "" escapes, \n or \r\n):
 * text goes in piece by piece, complete records come out with their line numbers; blank lines are
 * skipped. The parsing is papaparse's core parser, which measured 5× faster than the hand-written
 * one it replaced (docs/performance.md#converting); this class adds the pieces, the lines and the
 * limits. `where` prefixes line numbers in messages (a zip member's name).
 */
export class CsvRecordReader {
  private pending = '';
  private line = 1;
  private parser: Papa.Parser | undefined;

  constructor(
    private readonly src: string,
    private readonly where = '',
    private readonly maxRecordChars = MAX_CSV_RECORD_CHARS,
  ) {}

  /** Appends the records completed by `piece` to `out`; `final` ends the text. */
  push(piece: string, final: boolean, out: CsvRecords): void {
    const text = this.pending + piece;
    // Split at \n: a \r before it is stripped from the record's last cell (below), so \r\n, \n and
    // files that mix them read alike.
    this.parser ??= new Papa.Parser({ delimiter: ',', newline: '\n', quoteChar: '"', escapeChar: '"' });
    const result = this.parser.parse(text, 0, !final) as { data: string[][]; errors: { code: string; row: number }[]; meta: { cursor: number } };
    const firstLines = this.collect(result.data, out, text.length > this.maxRecordChars);
    const error = result.errors[0];
    if (error !== undefined) {
      const at = `${this.where}line ${firstLines[error.row] ?? this.line}`;
      if (error.code === 'MissingQuotes') throw new InputError(this.src, at, 'a closing double quote', 'end of file');
      throw new InputError(this.src, at, 'a comma or line end after a closing double quote', 'other text');
    }
    this.pending = final ? '' : text.slice(result.meta.cursor);
    if (this.pending.length > this.maxRecordChars) this.refuseLongRecord();
  }

  /** The line of a position in text not yet pushed, `before` being the text up to it. */
  lineAt(before: string): number {
    let line = this.line;
    for (const text of [this.pending, before]) for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) line++;
    return line;
  }

  private refuseLongRecord(): never {
    throw new InputError(this.src, `${this.where}line ${this.line}`, `a record of at most ${this.maxRecordChars} characters`, 'a longer one (no line break, or an unclosed double quote)');
  }

  /** Moves the parsed rows into `out`, numbering lines; returns the first line of each row. */
  private collect(rows: string[][], out: CsvRecords, checkLength: boolean): number[] {
    const firstLines: number[] = [];
    for (const cells of rows) {
      const line = this.line;
      if (checkLength && cells.reduce((n, c) => n + c.length + 1, 0) > this.maxRecordChars) this.refuseLongRecord();
      firstLines.push(line);
      let breaks = 0;
      for (let c = 0; c < cells.length; c++) {
        const cell = cells[c]!;
        if (cell.indexOf('\n') >= 0) for (let k = cell.indexOf('\n'); k >= 0; k = cell.indexOf('\n', k + 1)) breaks++;
      }
      this.line += 1 + breaks;
      const last = cells.length - 1;
      if (cells[last]!.endsWith('\r')) cells[last] = cells[last]!.slice(0, -1);
      if (cells.length === 1 && cells[0]!.trim() === '') continue;
      out.records.push(cells);
      out.lines.push(line);
    }
    return firstLines;
  }
}

export interface CsvTable {
  header: string[];
  /** One array of cells per record, header excluded. */
  rows: string[][];
  /** 1-based line on which each record starts, for error messages. */
  lines: number[];
}

/** A whole CSV text: the first record is the header; every record must have the header's width. */
export function parseCsv(text: string, src: string): CsvTable {
  const out: CsvRecords = { records: [], lines: [] };
  new CsvRecordReader(src, '', Number.MAX_SAFE_INTEGER).push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, true, out);
  const [head, ...rows] = out.records;
  if (head === undefined) throw new InputError(src, 'line 1', 'a header line naming the columns', 'an empty file');
  const header = head.map((h) => h.trim());
  const lines = out.lines.slice(1);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new InputError(src, `line ${lines[i]}`, `${header.length} fields like the header`, `${r.length}`);
  });
  return { header, rows, lines };
}
