import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../../src/io/json/market.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { readWorstStartRisk, type WorstStartRiskFigures } from '../../src/records/dataset.js';
import { calculateRiskMatrices } from '../../src/risk/matrix.js';
import { calculateWorstStartRisk, START_CURVE, START_MATRIX } from '../../src/batch/worst-risk.js';
import { loadDefaultRules } from '../helpers/rules.js';
import { ROOT } from '../helpers/pmbt.js';

// A worst portfolio's start risk (the report's chart and heat map) on the bundled PM Pro example,
// against the closed form of docs/risk.md "Worked example": with x = 1 + s and BTC's net negative
// (x < 0.694, no haircut), equity = 23,580x − 3,494 and maintenance margin = 3,178.4x + 50.

const read = (name: string) => JSON.parse(readFileSync(join(ROOT, 'data', 'samples', name), 'utf8')) as Record<string, unknown>;
const plot = (u: number) => Number(u.toPrecision(6));

async function sample(market = read('market-example.json')) {
  const rules = await loadDefaultRules([{ name: 'rules-pm-pro-example.json', doc: read('rules-pm-pro-example.json') }]);
  return { rules, portfolio: parsePortfolio(read('portfolio-pm-pro-example.json'), rules), market: parseMarketSnapshot(market) };
}

describe('calculateWorstStartRisk', () => {
  it('gives uniMMR against the all family\'s shock on pmbt risk\'s 81-point grid, as the closed form has it', async () => {
    const { rules, portfolio, market } = await sample();
    const r = calculateWorstStartRisk(portfolio, market, rules) as WorstStartRiskFigures;
    expect(r.curve).toMatchObject({ family: 'all', rangePct: 50, points: 81 });
    expect(r.curve.uniMMR).toHaveLength(START_CURVE.points);
    // Point 40 is no shock: the example's own uniMMR, 6.15351257 (docs/margin-rules.md §10).
    expect(r.curve.uniMMR[40]).toBe(6.15351);
    // Point 0 is −50 % (x = 0.5): (23,580·0.5 − 3,494) / (3,178.4·0.5 + 50) = 8,296 / 1,639.2.
    expect(r.curve.uniMMR[0]).toBe(plot(8296 / 1639.2));
    // Point 8 is −40 % (x = 0.6): (14,148 − 3,494) / (1,907.04 + 50) = 10,654 / 1,957.04.
    expect(r.curve.uniMMR[8]).toBe(plot(10654 / 1957.04));
    // Every point is far above 1.5 (docs/risk.md: nothing within ±50 %): all NORMAL (code 0).
    expect(r.curve.status.every((s) => s === 0)).toBe(true);
  });
  it('carries the two risk matrices of src/risk/matrix.ts, rounded for plotting', async () => {
    const { rules, portfolio, market } = await sample();
    const r = calculateWorstStartRisk(portfolio, market, rules) as WorstStartRiskFigures;
    const exact = calculateRiskMatrices(portfolio, market, rules, { ...START_MATRIX, betas: new Map() });
    expect(r.matrices).toMatchObject({ rangePct: 20, points: 9 });
    for (const key of ['leaderOthers', 'leaderDepeg'] as const) {
      expect(r.matrices[key].rows).toBe('leader:BTC');
      expect(r.matrices[key].uniMMR).toEqual(exact[key].uniMMR.map((row) => row.map((u) => (u === null ? null : plot(Number(u))))));
      expect(r.matrices[key].uniMMR[4]![4]).toBe(6.15351);
    }
    expect(r.matrices.leaderDepeg.cols).toBe('depeg:USDT');
    // It reads back through the side file's checker unchanged.
    const line = JSON.parse(JSON.stringify(r)) as unknown;
    expect(readWorstStartRisk(line, 'f', 'startRisk')).toEqual(r);
  });
  it('records why it could not be computed instead of failing the batch', async () => {
    const doc = read('market-example.json');
    const { ETH: _eth, ...withoutEth } = doc.indexPrices as Record<string, string>;
    const { rules, portfolio, market } = await sample({ ...doc, indexPrices: withoutEth });
    const r = calculateWorstStartRisk(portfolio, market, rules);
    expect(r).toEqual({ time: expect.any(String), error: expect.stringMatching(/ETH/) });
  });
  it('refuses a malformed startRisk when reading a side file back, naming the field', () => {
    expect(() => readWorstStartRisk({ time: 't', curve: { family: 'all', rangePct: 50, points: 3, uniMMR: [1, 2], status: [0, 0, 0] }, matrices: {} }, 'f.jsonl', 'startRisk')).toThrow(/f\.jsonl: startRisk\.curve\.uniMMR: expected 3 numbers or nulls/);
    expect(() => readWorstStartRisk({ time: 't', curve: { family: 'all', rangePct: 50, points: 3, uniMMR: [1, 2, null], status: [0, 9, 0] }, matrices: {} }, 'f.jsonl', 'startRisk')).toThrow(/startRisk\.curve\.status/);
  });
});
