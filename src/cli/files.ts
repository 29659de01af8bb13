import { readBoundedFile } from '../io/convert/input-files.js';
import { parseJsonText } from '../domain/json-fields.js';

/** Largest JSON document the CLI reads whole (portfolios, markets, rules, Binance responses). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export async function readJsonFile(path: string, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  return parseJsonText(path, new TextDecoder().decode(await readBoundedFile(path, maxBytes)));
}
