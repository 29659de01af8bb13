import { open, readFile, stat } from 'node:fs/promises';
import { InputError } from '../../domain/errors.js';
import { detectInputFormat } from './input-formats.js';
import type { SourceTable } from './source-table.js';

/**
 * Bounds a series input read whole (Arrow and JSON; JSON text must also stay below V8's ~512 MiB
 * string limit). CSV, zip and Parquet inputs are streamed and have no size limit.
 */
export const MAX_SERIES_INPUT_BYTES = 256 * 1024 * 1024;

function unreadable(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  return new InputError(path, '', 'a readable file', code === 'ENOENT' ? 'no such file' : String(code ?? e));
}

export async function readBoundedFile(path: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw unreadable(path, e);
  }
  if (size > maxBytes) throw new InputError(path, '', `a file of at most ${maxBytes} bytes`, `${size} bytes`);
  return new Uint8Array(await readFile(path));
}

/** The first `length` bytes of a file (fewer when it is shorter), to recognise its format. */
export async function readFileHead(path: string, length = 4096): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw unreadable(path, e);
  }
  try {
    const head = new Uint8Array(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } catch (e) {
    throw unreadable(path, e);
  } finally {
    await handle.close();
  }
}

/** Reads one input of the converter, held whole, as the format its content shows (input-formats.ts). */
export function openSourceTable(bytes: Uint8Array, src: string): SourceTable {
  const format = detectInputFormat(bytes, src, 'table');
  if (format.readTable === undefined) throw new InputError(src, '', 'a file that can be read whole (Arrow, JSON or CSV)', `a ${format.description}, which is read from its path (convertSeriesFiles)`);
  return format.readTable(bytes, src);
}
