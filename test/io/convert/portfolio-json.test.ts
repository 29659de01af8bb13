import { describe, expect, test } from 'vitest';
import type { PortfolioDocumentItem } from '../../../src/io/convert/documents.js';
import { MAX_JSONL_LINE_CHARS, readPortfolioDocumentsFromJson } from '../../../src/io/convert/portfolio-json.js';

async function collect(items: AsyncIterable<PortfolioDocumentItem>): Promise<(Record<string, unknown> | string)[]> {
  const out: (Record<string, unknown> | string)[] = [];
  for await (const item of items) out.push(item.error ? `${item.index}: ${item.error.message}` : item.doc);
  return out;
}

/** Text as UTF-8 chunks of `size` bytes: lines and even characters are split across chunks. */
async function* chunks(text: string, size: number): AsyncIterable<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

describe('readPortfolioDocumentsFromJson', () => {
  test('JSON Lines: a malformed line fails alone, the others are read', async () => {
    const text = '{"id":"a","description":"café"}\n\n{"id":"b",\n{"id":"c"}\r\n[1]\n{"id":"d"}';
    const expected = [
      { id: 'a', description: 'café' },
      expect.stringMatching(/^1: desk\.jsonl: portfolio 2 \(line 3\): expected one JSON document per line, got /),
      { id: 'c' },
      '3: desk.jsonl: portfolio 4 (line 5): expected a portfolio document (a JSON object), got an array',
      { id: 'd' },
    ];
    expect(await collect(readPortfolioDocumentsFromJson(text, 'desk.jsonl'))).toEqual(expected);
    expect(await collect(readPortfolioDocumentsFromJson(chunks(text, 3), 'desk.jsonl'))).toEqual(expected);
  });

  test('JSON Lines whose first line is broken', async () => {
    expect(await collect(readPortfolioDocumentsFromJson('{"id":\n{"id":"b"}\n', 'p.jsonl'))).toEqual([
      expect.stringMatching(/^0: p\.jsonl: portfolio 1 \(line 1\): expected one JSON document per line, got /),
      { id: 'b' },
    ]);
  });

  test('a line longer than the limit is reported without being held in memory', async () => {
    async function* huge(): AsyncIterable<string> {
      yield '{"id":"a"}\n{"id":"';
      const block = 'x'.repeat(1 << 20);
      for (let i = 0; i <= MAX_JSONL_LINE_CHARS >> 20; i++) yield block;
      yield '"}\n{"id":"c"}\n';
    }
    const items = await collect(readPortfolioDocumentsFromJson(huge(), 'big.jsonl'));
    expect(items).toEqual([{ id: 'a' }, `1: big.jsonl: portfolio 2 (line 2): expected a line of at most ${MAX_JSONL_LINE_CHARS} characters, got ${MAX_JSONL_LINE_CHARS + (1 << 20) + 9} characters`, { id: 'c' }]);
  });

  test('a JSON array, and one pretty-printed document', async () => {
    expect(await collect(readPortfolioDocumentsFromJson(chunks('[\n  {"id": "a"},\n  "oops",\n  {"id": "b"}\n]\n', 4), 'p.json'))).toEqual([
      { id: 'a' },
      '1: p.json: portfolio 2: expected a portfolio document (a JSON object), got "oops"',
      { id: 'b' },
    ]);
    expect(await collect(readPortfolioDocumentsFromJson('{\n  "id": "solo",\n  "mode": "PM"\n}\n', 'p.json'))).toEqual([{ id: 'solo', mode: 'PM' }]);
  });

  test('a broken JSON array is a file-level error', async () => {
    await expect(collect(readPortfolioDocumentsFromJson('[{"id":"a"},\n{"id":}]', 'p.json'))).rejects.toThrow(/^p\.json: \(document\): expected a JSON array of portfolio documents, got /);
  });

  test('an empty input has no documents', async () => {
    expect(await collect(readPortfolioDocumentsFromJson('\n\n', 'p.jsonl'))).toEqual([]);
  });
});
