import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../../domain/errors.js';
import { readArrowTable } from '../arrow/series.js';
import { describeValue } from '../../domain/json-fields.js';
import { parseCsv } from './csv.js';
import { arrowSourceTable, textSourceTable, type SourceTable } from './source-table.js';

/**
 * The converter reads a series input whole; this bounds one file (CSV text must also stay below
 * V8's ~512 MiB string limit). Larger histories: split by month and pass several --input.
 */
export const MAX_SERIES_INPUT_BYTES = 256 * 1024 * 1024;

export async function readBoundedFile(path: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, '', 'a readable file', code === 'ENOENT' ? 'no such file' : String(code ?? e));
  }
  if (size > maxBytes) throw new InputError(path, '', `a file of at most ${maxBytes} bytes`, `${size} bytes`);
  return new Uint8Array(await readFile(path));
}

const ARROW_FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/** Arrow IPC file (Feather v2) or stream: recognised by content, whatever the file is called. */
export function isArrowBytes(bytes: Uint8Array): boolean {
  if (ARROW_FILE_MAGIC.every((b, i) => bytes[i] === b)) return true;
  // An IPC stream opens with the continuation marker 0xFFFFFFFF before its schema message.
  return bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
}

function firstNonBlank(text: string): string | undefined {
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

/** Reads one input of the converter: Arrow by content, else JSON (starts with [ or {), else CSV. */
export function openSourceTable(bytes: Uint8Array, src: string): SourceTable {
  if (isArrowBytes(bytes)) return arrowSourceTable(readArrowTable(bytes, src), src);
  const text = new TextDecoder('utf-8').decode(bytes);
  const first = firstNonBlank(text);
  if (first === '[' || first === '{') return jsonRecordsTable(text, src);
  return csvTable(text, src);
}
