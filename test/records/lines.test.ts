import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import { describeJson, parseJsonAt, readLines } from '../../src/records/lines.js';

async function collect(chunks: Uint8Array[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const out: string[] = [];
  for await (const l of readLines(source())) out.push(l);
  return out;
}

describe('lines', () => {
  it('splits lines across chunk boundaries and multi-byte characters, without a last empty line', async () => {
    const bytes = new TextEncoder().encode('α,β\nγ\n\nlast\n');
    expect(await collect(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))).toEqual(['α,β', 'γ', '', 'last']);
    expect(await collect([bytes.subarray(0, 5), bytes.subarray(5, bytes.length - 1)])).toEqual(['α,β', 'γ', '', 'last']);
  });
  it('parses JSON, or names the file and place of text that is not', () => {
    expect(parseJsonAt('{"a":1}', 'f.jsonl', 'line 1', 'an object')).toEqual({ a: 1 });
    expect(() => parseJsonAt('{"a":', 'f.jsonl', 'line 7', 'an object')).toThrow(InputError);
    expect(() => parseJsonAt('{"a":', 'f.jsonl', 'line 7', 'an object')).toThrow(/^f\.jsonl: line 7: expected an object, got text that is not JSON/);
  });
  it('cuts long values short in messages', () => {
    expect(describeJson(undefined)).toBe('nothing');
    expect(describeJson('x'.repeat(200))).toHaveLength(80);
  });
});
