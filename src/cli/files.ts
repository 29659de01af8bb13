import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../domain/errors.js';
import { parseJsonText } from '../io/json/fields.js';

/** Largest JSON document the CLI reads whole (portfolios, markets, rules, Binance responses). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export async function readJsonFile(path: string, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, '', 'a readable file', code === 'ENOENT' ? 'no such file' : String(code ?? e));
  }
  if (size > maxBytes) throw new InputError(path, '', `a file of at most ${maxBytes} bytes`, `${size} bytes`);
  return parseJsonText(path, await readFile(path, 'utf8'));
}
