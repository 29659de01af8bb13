import { InputError } from '../../domain/errors.js';
import { BINANCE_FUNDING_CSV_COLUMNS, BINANCE_KLINE_COLUMNS, CCXT_OHLCV_COLUMNS } from '../binance/klines.js';
import { CsvRecordReader, type CsvRecords } from './csv.js';
import { iterateChunks, type ByteSource } from './documents.js';
import { textSourceTable, type SourceTable } from './source-table.js';

/** Rows per table handed to extraction: smaller chunks die young (measured: 8k rows streamed 1.6× faster than 64k, in half the memory; docs/performance.md#converting). */
export const CSV_CHUNK_ROWS = 8_192;

/** A table of consecutive rows of one file, and where each row is in it (for durable row paths). */
export interface TableChunk {
  table: SourceTable;
  /** A row's line (CSV) or row (Parquet) number in the file, counted from 1. */
  position: (row: number) => number;
  /** Names the place in a message: "line" or "row", after a zip member's name if any. */
  where: string;
}

const BINARY_SIGNATURES: [bytes: number[], what: string][] = [
  [[0x1f, 0x8b], 'gzip data'],
  [[0x42, 0x5a, 0x68], 'bzip2 data'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz data'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd data'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], '7-zip data'],
  [[0x50, 0x4b, 0x05, 0x06], 'an empty zip archive'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
];

/** What a file's first bytes look like when they cannot be CSV text; undefined when they can. */
export function describeBinaryHead(head: Uint8Array): string | undefined {
  for (const [bytes, what] of BINARY_SIGNATURES) if (bytes.every((b, i) => head[i] === b)) return what;
  const probe = head.subarray(0, 4096);
  return probe.includes(0) ? 'binary data (NUL bytes)' : undefined;
}

const NUMBER_CELL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The column names of a CSV from its first record: that record when it is a header; when every
 * cell is a number there is no header (Binance's archive before ~2022 and every spot file), and
 * the columns are named by position from the layouts recognised by width.
 */
export function nameCsvColumns(first: readonly string[], src: string, where: string): { names: string[]; headerless: boolean } {
  if (!first.every((c) => NUMBER_CELL.test(c))) return { names: first.map((h) => h.trim()), headerless: false };
  if (first.length === BINANCE_KLINE_COLUMNS.length) return { names: [...BINANCE_KLINE_COLUMNS], headerless: true };
  if (first.length === CCXT_OHLCV_COLUMNS.length) return { names: [...CCXT_OHLCV_COLUMNS], headerless: true };
  if (first.length === BINANCE_FUNDING_CSV_COLUMNS.length) return { names: [...BINANCE_FUNDING_CSV_COLUMNS], headerless: true };
  throw new InputError(
    src,
    `${where}line 1`,
    `a header line naming the columns, or a headerless layout recognised by width (Binance kline ${BINANCE_KLINE_COLUMNS.length} columns, OHLCV ${CCXT_OHLCV_COLUMNS.length}, Binance funding ${BINANCE_FUNDING_CSV_COLUMNS.length})`,
    `no header and ${first.length} columns of numbers`,
  );
}

/** Every record has the width of the header (or of the first line, in a headerless file). */
export function checkCsvWidths(records: readonly string[][], lines: ArrayLike<number>, width: number, like: string, src: string, where: string): void {
  for (let i = 0; i < records.length; i++) {
    if (records[i]!.length !== width) throw new InputError(src, `${where}line ${lines[i]}`, `${width} fields like ${like}`, `${records[i]!.length}`);
  }
}

/** Rows of CSV cells as a column-major table whose cell paths name the file's lines. */
export function csvChunkTable(src: string, where: string, names: readonly string[], records: readonly string[][], lines: ArrayLike<number>): SourceTable {
  return textSourceTable(src, names, { rows: records }, records.length, (column, row) => `${column}, ${where}line ${lines[row]}`);
}

/**
 * A CSV text stream as tables of at most `chunkRows` rows: decoded as strict UTF-8, parsed
 * incrementally, the header (or positional names) taken from the first record, every record
 * checked against its width. Memory holds one chunk, whatever the file's size.
 */
export async function* readCsvChunks(source: ByteSource, src: string, where = '', chunkRows = CSV_CHUNK_ROWS): AsyncIterable<TableChunk> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = new CsvRecordReader(src, where);
  const out: CsvRecords = { records: [], lines: [] };
  let names: string[] | undefined;
  let like = 'the header';
  let yielded = false;
  let first = true;
  const take = function* (final: boolean): Generator<TableChunk> {
    if (names === undefined && out.records.length > 0) {
      const named = nameCsvColumns(out.records[0]!, src, where);
      names = named.names;
      if (named.headerless) like = 'the first line';
      else {
        out.records.shift();
        out.lines.shift();
      }
    }
    if (names === undefined) return;
    // A header and no rows is still a table (extraction then names what it lacks).
    while (out.records.length >= chunkRows || (final && (out.records.length > 0 || !yielded))) {
      yielded = true;
      const records = out.records.splice(0, chunkRows);
      const lines = out.lines.splice(0, chunkRows);
      checkCsvWidths(records, lines, names.length, like, src, where);
      yield { table: csvChunkTable(src, where, names, records, lines), position: (row) => lines[row]!, where: `${where}line` };
    }
  };
  for await (const piece of iterateChunks(source)) {
    let text: string;
    if (typeof piece === 'string') text = piece;
    else {
      if (first && piece.length > 0) rejectBinary(piece, src, where);
      first = piece.length === 0 && first;
      text = decodeStrict(decoder, piece, src, where, reader);
    }
    reader.push(text, false, out);
    yield* take(false);
  }
  reader.push(decodeStrict(decoder, undefined, src, where, reader), true, out);
  yield* take(true);
  if (names === undefined) throw new InputError(src, `${where}line 1`, 'a header line naming the columns', 'an empty file');
}

function rejectBinary(head: Uint8Array, src: string, where: string): void {
  const what = describeBinaryHead(head);
  if (what !== undefined) throw new InputError(src, where.trim(), 'CSV text', `bytes that look like ${what}`);
}

function decodeStrict(decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array | undefined, src: string, where: string, reader: CsvRecordReader): string {
  try {
    return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
  } catch {
    // Decode again leniently to find the line of the first bad byte.
    const lenient = bytes === undefined ? '' : new TextDecoder('utf-8').decode(bytes);
    const bad = lenient.indexOf('\uFFFD');
    throw new InputError(src, `${where}line ${reader.lineAt(bad < 0 ? lenient : lenient.slice(0, bad))}`, 'CSV text in UTF-8', 'bytes that are not UTF-8 text');
  }
}
