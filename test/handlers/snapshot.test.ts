import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { handler } from '../../handlers/snapshot.js';

const json = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as unknown;

describe('snapshot handler', () => {
  it('evaluates the bundled worked example like the CLI', async () => {
    const result = await handler({
      portfolio: await json('data/samples/portfolio-pm-pro-example.json'),
      market: await json('data/samples/market-example.json'),
      rules: [await json('data/samples/rules-pm-pro-example.json')],
    });
    expect(result.ok).toBe(true);
    // 19,866 / 3,228.4 (docs/margin-rules.md §10 with the sample's prices; see test/engine/exact/snapshot.test.ts)
    expect(result.ok && result.snapshot.uniMMR).toBe('6.15351257');
  });
  it('answers bad input with the path and what was expected, not a crash', async () => {
    const result = await handler({ portfolio: { id: 'x', balances: [{ asset: 'USDT', crossMarginFree: 'abc' }] }, market: { indexPrices: { USDT: '1' } } });
    expect(result).toEqual({ ok: false, error: expect.stringContaining('event.portfolio: balances[0].crossMarginFree: expected a decimal number') });
  });
});
