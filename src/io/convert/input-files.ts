import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../../domain/errors.js';
import { detectInputFormat } from './input-formats.js';
import type { SourceTable } from './source-table.js';

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

/** Reads one input of the converter as the format its content shows (input-formats.ts). */
export function openSourceTable(bytes: Uint8Array, src: string): SourceTable {
  return detectInputFormat(bytes, src, 'table').readTable(bytes, src);
}
