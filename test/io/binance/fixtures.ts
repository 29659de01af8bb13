import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/binance', import.meta.url));

/** A saved response of test/fixtures/binance/, as the importers take it. */
export function savedResponse(file: string): { name: string; json: unknown } {
  return { name: file, json: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as unknown };
}
