import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { streamPortfolioDocuments } from '../../src/batch/inputs.js';
import { InputError } from '../../src/domain/errors.js';
import { writePortfoliosArrow, writePortfoliosArrowStream } from '../../src/io/arrow/portfolios.js';
import { concatBytes } from '../../src/io/arrow/ipc.js';
import { locateLocal } from '../helpers/stores.js';

// Issue 15: a portfolios input with nothing in it is an error, not a complete report of 0 portfolios.

/** An Arrow portfolio file with its schema and no rows. */
async function emptyArrow(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writePortfoliosArrowStream((async function* () {})(), (c) => Promise.resolve(void chunks.push(c)));
  return concatBytes(chunks);
}
const EMPTY_ARROW = await emptyArrow();

const dir = mkdtempSync(join(tmpdir(), 'pmbt-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function countOrError(name: string, content: string | Uint8Array): Promise<number | InputError> {
  const path = join(dir, name);
  writeFileSync(path, content);
  let n = 0;
  try {
    for await (const _ of streamPortfolioDocuments(locateLocal, path).items) n++;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  return n;
}

describe('an empty portfolios input', () => {
  test.each([
    ['a 0-byte file', 'empty.jsonl', '', 'an empty file'],
    ['a whitespace-only file', 'blank.jsonl', ' \n\n\t\n', 'a blank file (5 bytes)'],
    ['a JSON array of no portfolios', 'none.json', '[]\n', 'none'],
    ['an Arrow file of no portfolios', 'none.arrow', EMPTY_ARROW, 'none'],
  ])('%s is rejected, naming the file', async (_, name, content, got) => {
    const e = await countOrError(name, content);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(`${join(dir, name)}: (document): expected at least one portfolio, got ${got}`);
  });
  test('one portfolio, even a bad one, is not empty', async () => {
    expect(await countOrError('one.jsonl', '{not json\n')).toBe(1);
    expect(await countOrError('one.arrow', writePortfoliosArrow([{ id: 'a' }]))).toBe(1);
  });
});
