import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import { portfolioLinesFile, readPortfolioLinesText } from '../../src/records/dataset.js';

// A batch's portfolio summary lines are gzip'd (portfolios/batch-N.jsonl.gz, and the worst few's in
// _partials/batch-N.worst.jsonl.gz); a job written before has them plain, which summary.json tells
// by leaving gzipLines out (docs/formats.md "Outputs").

async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const LINES = '{"index":0,"portfolioId":"fund-α"}\n{"index":1,"portfolioId":"基金"}\n';

describe('portfolio summary lines, gzip\'d', () => {
  it('are named .jsonl.gz when summary.json says gzipLines, .jsonl in jobs written before', () => {
    expect(portfolioLinesFile({ gzipLines: true }, false, 3)).toBe('portfolios/batch-000003.jsonl.gz');
    expect(portfolioLinesFile({ gzipLines: true }, true, 3)).toBe('_partials/batch-000003.worst.jsonl.gz');
    expect(portfolioLinesFile({ gzipLines: false }, false, 3)).toBe('portfolios/batch-000003.jsonl');
    expect(portfolioLinesFile({ gzipLines: false }, true, 3)).toBe('_partials/batch-000003.worst.jsonl');
  });

  it('read back as their text, gzip\'d in chunks of 7 bytes (multi-byte characters across them) or plain', async () => {
    const gz = gzipSync(LINES);
    expect(await readPortfolioLinesText(chunksOf(gz, 7), 'portfolios/batch-000000.jsonl.gz')).toBe(LINES);
    expect(await readPortfolioLinesText(chunksOf(new TextEncoder().encode(LINES), 5), 'portfolios/batch-000000.jsonl')).toBe(LINES);
  });

  it('stop at the decoded-size bound, naming the file: 1 MB of spaces is ~1 kB gzip\'d', async () => {
    const bomb = gzipSync(' '.repeat(1_000_000));
    expect(bomb.length).toBeLessThan(2_000);
    const read = readPortfolioLinesText(chunksOf(bomb, 512), 'portfolios/batch-000001.jsonl.gz', 100_000);
    await expect(read).rejects.toThrow(InputError);
    await expect(readPortfolioLinesText(chunksOf(bomb, 512), 'portfolios/batch-000001.jsonl.gz', 100_000)).rejects.toThrow(/^portfolios\/batch-000001\.jsonl\.gz: \(document\): expected gzip'd text of at most 100000 characters, got more$/);
    // Under the bound, the same file reads whole.
    expect((await readPortfolioLinesText(chunksOf(bomb, 512), 'portfolios/batch-000001.jsonl.gz', 1_000_000)).length).toBe(1_000_000);
  });

  it('fail naming the file on bytes that are not gzip, or a gzip cut short', async () => {
    await expect(readPortfolioLinesText(chunksOf(new TextEncoder().encode(LINES), 9), 'portfolios/batch-000002.jsonl.gz')).rejects.toThrow(/^portfolios\/batch-000002\.jsonl\.gz: \(document\): expected gzip'd JSON lines, got bytes that do not gunzip/);
    const gz = gzipSync(LINES);
    await expect(readPortfolioLinesText(chunksOf(gz.subarray(0, gz.length - 6), 9), 'portfolios/batch-000002.jsonl.gz')).rejects.toThrow(InputError);
  });
});

describe('portfolio summary lines read from a source that fails', () => {
  it('end with the source\'s own error (a missing file), not a hang or a gunzip error', async () => {
    async function* missing(): AsyncIterable<Uint8Array> {
      yield gzipSync(LINES).subarray(0, 10);
      throw new InputError('portfolios/batch-000004.jsonl.gz', '', 'a readable file', 'no such file');
    }
    await expect(readPortfolioLinesText(missing(), 'portfolios/batch-000004.jsonl.gz')).rejects.toThrow(/^portfolios\/batch-000004\.jsonl\.gz: \(document\): expected a readable file, got no such file$/);
  });
});
