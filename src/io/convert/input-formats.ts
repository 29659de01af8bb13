import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../domain/errors.js';
import { readPortfolioDocuments } from '../arrow/portfolios.js';
import { readArrowTable } from '../arrow/series.js';
import type { PortfolioDocumentItem } from './documents.js';
import { readPortfolioDocumentsFromJson } from './portfolio-json.js';
import { arrowSourceTable, type SourceTable } from './source-table.js';
import { describeBinaryHead, readCsvChunks, type TableChunk } from './csv-stream.js';
import { jsonTable } from './json-tables.js';
import { isParquetBytes, readParquetChunks } from './parquet.js';
import { csvTable } from './text-tables.js';
import { isZipBytes, readZipCsvMembers } from './zip.js';

// The one registry of input formats: how each is recognised from a file's first bytes and how it
// is read, as portfolios (pmbt run, convert portfolios) and as a table (convert series). Formats
// are tried in order; adding one is one entry here.

export type InputUse = 'portfolios' | 'table';

export interface InputFormat {
  name: string;
  /** What it looks like, for the message when nothing matches. */
  description: string;
  /** True when the first bytes (at least the first 8, when the file has them) are this format, read for `use`. */
  recognise(head: Uint8Array, use: InputUse): boolean;
  readPortfolios?: (source: Uint8Array | AsyncIterable<Uint8Array>, src: string) => AsyncIterable<PortfolioDocumentItem>;
  readTable?: (bytes: Uint8Array, src: string) => SourceTable;
  /** Reads the file at `path` as tables of consecutive rows, holding one at a time (any size). */
  /** Streamed from a path, or from the file's bytes already in memory (a download). */
  readTableChunks?: (file: string | Uint8Array, src: string) => AsyncIterable<TableChunk>;
}

const ARROW_FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/** Arrow IPC file (Feather v2) or stream: recognised by content, whatever the file is called. */
export function isArrowBytes(bytes: Uint8Array): boolean {
  if (ARROW_FILE_MAGIC.every((b, i) => bytes[i] === b)) return true;
  // An IPC stream opens with the continuation marker 0xFFFFFFFF before its schema message.
  return bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
}

/** The first byte that is not whitespace or a UTF-8 byte-order mark; undefined for a blank head. */
function firstNonBlankByte(head: Uint8Array): number | undefined {
  let at = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (at < head.length && (head[at] === 0x20 || head[at] === 0x09 || head[at] === 0x0a || head[at] === 0x0d)) at++;
  return head[at];
}

export const INPUT_FORMATS: readonly InputFormat[] = [
  {
    name: 'arrow',
    description: 'Arrow IPC file or stream (Feather v2)',
    recognise: isArrowBytes,
    readPortfolios: readPortfolioDocuments,
    readTable: (bytes, src) => arrowSourceTable(readArrowTable(bytes, src), src),
  },
  {
    // Binance's archive ships every CSV in a zip; a user's zip may hold several CSVs, read in
    // member order as one input's rows.
    name: 'zip',
    description: 'zip archive of CSV files',
    recognise: (head, use) => use === 'table' && isZipBytes(head),
    readTableChunks: zipCsvChunks,
  },
  {
    // Tardis.dev ships its CSV files gzip-compressed (.csv.gz): decompressed as they stream.
    name: 'gzip',
    description: 'gzip-compressed CSV',
    recognise: (head, use) => use === 'table' && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08,
    readTableChunks: (file, src) => readCsvChunks(gunzipped(file, src), src),
  },
  {
    name: 'parquet',
    description: 'Parquet file',
    recognise: (head, use) => use === 'table' && isParquetBytes(head),
    readTableChunks: readParquetChunks,
  },
  {
    // JSON arrays, single documents and JSON Lines all open with [ or {; the readers tell them
    // apart. Blank portfolios are JSON Lines with no line; a blank table is left to the CSV reader,
    // which says it has no header.
    name: 'json',
    description: 'JSON or JSON Lines (starting with "[" or "{")',
    recognise: (head, use) => {
      const first = firstNonBlankByte(head);
      return first === undefined ? use === 'portfolios' : first === 0x5b || first === 0x7b;
    },
    readPortfolios: readPortfolioDocumentsFromJson,
    readTable: (bytes, src) => jsonTable(new TextDecoder('utf-8').decode(bytes), src),
  },
  {
    // Any other text: the CSV parser names the line it cannot read.
    name: 'csv',
    description: 'CSV (with a header line, or headerless Binance klines / OHLCV)',
    recognise: () => true,
    readTable: (bytes, src) => csvTable(decodeCsvText(bytes, src), src),
    readTableChunks: (file, src) => readCsvChunks(typeof file === 'string' ? createReadStream(file, { highWaterMark: 1 << 18 }) : file, src),
  },
];

/** A gzip file's bytes as they are decompressed; a corrupt or truncated one is an InputError naming it. */
async function* gunzipped(file: string | Uint8Array, src: string): AsyncIterable<Uint8Array> {
  const packed = typeof file === 'string' ? createReadStream(file, { highWaterMark: 1 << 18 }) : Readable.from([file]);
  try {
    for await (const piece of packed.pipe(createGunzip())) yield piece as Uint8Array;
  } catch (e) {
    throw new InputError(src, '', 'a whole gzip file', `${e instanceof Error ? e.message : String(e)} (truncated or corrupt?)`);
  }
}

async function* zipCsvChunks(file: string | Uint8Array, src: string): AsyncIterable<TableChunk> {
  for await (const member of readZipCsvMembers(file, src)) yield* readCsvChunks(member.bytes, src, `${member.name} `);
}

function decodeCsvText(bytes: Uint8Array, src: string): string {
  const binary = describeBinaryHead(bytes);
  if (binary !== undefined) throw new InputError(src, '', 'CSV text', `bytes that look like ${binary}`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(src, '', 'CSV text in UTF-8', 'bytes that are not UTF-8 text');
  }
}

type Reader<U extends InputUse> = U extends 'portfolios' ? Required<Pick<InputFormat, 'readPortfolios'>> : InputFormat;

/**
 * The first registered format that can be read for `use` and recognises `head`; an InputError
 * naming the file and the formats expected when none does.
 */
export function detectInputFormat<U extends InputUse>(head: Uint8Array, src: string, use: U): InputFormat & Reader<U> {
  const usable = INPUT_FORMATS.filter((f) => (use === 'portfolios' ? f.readPortfolios !== undefined : f.readTable !== undefined || f.readTableChunks !== undefined));
  const format = usable.find((f) => f.recognise(head, use));
  if (format === undefined) {
    throw new InputError(src, '', `${use === 'portfolios' ? 'portfolios as ' : ''}${usable.map((f) => f.description).join(', or ')}`, `a file starting with ${describeHead(head)}`);
  }
  return format as InputFormat & Reader<U>;
}

function describeHead(head: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(head.subarray(0, 16));
  return JSON.stringify(text.replace(/\uFFFD/g, '?'));
}
