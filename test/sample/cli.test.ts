import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSample, SAMPLE_USAGE } from '../../src/cli/sample.js';
import { UsageError } from '../../src/cli/usage.js';
import { readSeriesArrow } from '../../src/io/arrow/series.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { generateSampleMarket } from '../../src/sample/market.js';
import { loadDefaultRules } from '../helpers/rules.js';
import { isSameArray } from './series-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pmbt-sample-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pmbt sample', () => {
  it('writes prices.arrow, portfolios.jsonl and job.json', async () => {
    const out = join(dir, 'a');
    const text = await runSample(['--out', out, '--seed', '11', '--portfolios', '25', '--days', '2']);
    expect(text).toContain('SYNTHETIC');
    expect(text).toContain('portfolios: 25');
    expect(text).toContain('no crash inside the window');

    const table = readSeriesArrow(readFileSync(join(out, 'prices.arrow')), 'prices.arrow');
    const expected = generateSampleMarket({ seed: 11, days: 2 });
    expect(isSameArray(table.values, expected.values)).toBe(true);
    expect(isSameArray(table.times, expected.times)).toBe(true);

    const rules = await loadDefaultRules();
    const lines = readFileSync(join(out, 'portfolios.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(25);
    for (const line of lines) expect(() => parsePortfolio(JSON.parse(line), rules)).not.toThrow();

    expect(JSON.parse(readFileSync(join(out, 'job.json'), 'utf8'))).toEqual({
      jobId: 'sample-crash',
      description: expect.stringContaining('seed 11'),
      prices: `${out}/prices.arrow`,
      portfolios: `${out}/portfolios.jsonl`,
      from: '2024-03-01T00:00:00Z',
      to: '2024-03-03T00:00:00Z',
      timeline: { resolution: '1h' },
      liquidation: { policy: 'full', slippage: '0.001' },
      output: 'out/',
    });
  });

  it('writes the same portfolios for the same seed', async () => {
    await runSample(['--out', join(dir, 'b'), '--seed', '11', '--portfolios', '25', '--days', '2']);
    expect(readFileSync(join(dir, 'b', 'portfolios.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'a', 'portfolios.jsonl'), 'utf8'));
  });

  it('rejects bad flags with a usage error', async () => {
    await expect(runSample(['--seed', 'x'])).rejects.toThrow(UsageError);
    await expect(runSample(['--portfolios', '-3'])).rejects.toThrow();
    await expect(runSample(['--days', '0'])).rejects.toThrow(UsageError);
    await expect(runSample(['--days', '0.0001'])).rejects.toThrow(UsageError);
    expect(SAMPLE_USAGE).toContain('--portfolios');
  });
});
