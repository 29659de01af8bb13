import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from '../../domain/errors.js';
import { writePortfoliosArrowStream } from '../arrow/portfolios.js';
import type { PortfolioDocumentItem } from './documents.js';
import { detectInputFormat } from './input-formats.js';
import { writeFileAtomically } from './output-files.js';

export type PortfolioFileFormat = 'arrow' | 'jsonl' | 'json';

/** The format an output file name asks for. */
export function portfolioFormatOfName(path: string): PortfolioFileFormat | undefined {
  const lower = path.toLowerCase();
  if (/\.(arrow|arrows|feather|ipc)$/.test(lower)) return 'arrow';
  if (/\.(jsonl|ndjson)$/.test(lower)) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

async function readHead(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, '', 'a readable file', code === 'ENOENT' ? 'no such file' : String(code ?? e));
  }
  try {
    const head = new Uint8Array(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Streams the portfolios of a local file in the format its first bytes show (input-formats.ts), with bounded
 * memory: one record batch or one line at a time (a JSON array is read whole, up to its limit).
 */
export async function* readPortfolioFile(path: string): AsyncIterable<PortfolioDocumentItem> {
  const format = detectInputFormat(await readHead(path), path, 'portfolios');
  const stream = createReadStream(path);
  try {
    yield* format.readPortfolios(stream, path);
  } finally {
    stream.destroy();
  }
}

/** The documents of the items, stopping at the first bad one: a conversion is all or nothing. */
async function* documentsOrThrow(items: AsyncIterable<PortfolioDocumentItem>): AsyncIterable<Record<string, unknown>> {
  for await (const item of items) {
    if (item.error !== undefined) throw item.error;
    yield item.doc;
  }
}

/** Converts a portfolio file between Arrow, JSON Lines and JSON; returns how many were written. */
export async function convertPortfolioFile(input: string, output: string, format: PortfolioFileFormat): Promise<{ count: number }> {
  let count = 0;
  const docs = documentsOrThrow(readPortfolioFile(input));
  await writeFileAtomically(output, async (write) => {
    if (format === 'arrow') {
      ({ count } = await writePortfoliosArrowStream(docs, write, { src: input }));
      return;
    }
    if (format === 'json') await write('[\n');
    for await (const doc of docs) {
      const text = JSON.stringify(doc);
      await write(format === 'json' ? `${count === 0 ? '' : ',\n'}${text}` : `${text}\n`);
      count++;
    }
    if (format === 'json') await write(count === 0 ? ']\n' : '\n]\n');
  });
  return { count };
}
