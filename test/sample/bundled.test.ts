// The committed data/sample/ files: what the generator produces for the default options, and usable
// by a backtest as they are.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/batch/job.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { readSeriesArrow } from '../../src/io/arrow/series.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { generateSampleMarket } from '../../src/sample/market.js';
import { findFirstMarketSnapshot } from '../../src/sample/snapshot.js';
import { loadDefaultRules } from '../helpers/rules.js';
import { isSameArray } from './series-helpers.js';

const DIR = fileURLToPath(new URL('../../data/sample/', import.meta.url));

describe('bundled sample (data/sample)', () => {
  const prices = readSeriesArrow(readFileSync(`${DIR}prices.arrow`), 'data/sample/prices.arrow');

  it('prices.arrow is the default generated market, under 12 MB', () => {
    expect(readFileSync(`${DIR}prices.arrow`).length).toBeLessThan(12_000_000);
    const expected = generateSampleMarket();
    expect(isSameArray(prices.times, expected.times)).toBe(true);
    expect(isSameArray(prices.values, expected.values)).toBe(true);
    expect(isSameArray(prices.kinds, expected.kinds)).toBe(true);
    expect(isSameArray(prices.symbolIds, expected.symbolIds)).toBe(true);
    expect(prices.symbols).toEqual(expected.symbols);
  });

  it('portfolios.jsonl holds 1000 documents that evaluate at the first minute without liquidation', async () => {
    const rules = await loadDefaultRules();
    const market = findFirstMarketSnapshot(prices);
    const lines = readFileSync(`${DIR}portfolios.jsonl`, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1000);
    let normal = 0;
    for (const line of lines) {
      const s = calculateAccountSnapshot(parsePortfolio(JSON.parse(line), rules), market, rules);
      expect(['NORMAL', 'MARGIN_CALL']).toContain(s.accountStatus);
      if (s.accountStatus === 'NORMAL') normal++;
    }
    expect(normal).toBeGreaterThan(970);
  });

  it('job.json is a valid job spec replaying the files from the repository root', () => {
    const job = JSON.parse(readFileSync(`${DIR}job.json`, 'utf8'));
    expect(parseJobSpec(job, 'data/sample/job.json')).toMatchObject({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 16), resolutionMs: 3_600_000 });
    expect(job).toMatchObject({
      jobId: 'sample-crash',
      prices: 'data/sample/prices.arrow',
      portfolios: 'data/sample/portfolios.jsonl',
      from: '2024-03-01T00:00:00Z',
      to: '2024-03-16T00:00:00Z',
      timeline: { resolution: '1h' },
      liquidation: { policy: 'full', slippage: '0.001' },
      output: 'out/',
    });
  });
});
