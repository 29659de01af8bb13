import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import {
  calculateAssetEquity,
  calculateCmMaintMargin,
  calculateCollateralValue,
  calculateUmMaintMargin,
  findMarginalCollateralRate,
  findRowIndex,
} from '../../../src/engine/exact/tables.js';
import { parseCmBrackets, parseCollateralTiers, parseUmBrackets } from '../../../src/rules/tables.js';
import { findUmContract } from '../../../src/rules/resolve.js';
import { loadDefaultRules } from '../../helpers/rules.js';

// src/engine/exact/tables.ts: the piecewise-linear tables of docs/margin-rules.md §2 ("tax
// brackets"): a row holds [floor, cap); past the last cap the last row applies.

const d = (x: string | number) => new Dec(x);
const tiers = (rows: [number, number, string][]) =>
  parseCollateralTiers('test', 'tiers', rows.map(([tierFloor, tierCap, collateralRate]) => ({ tierFloor, tierCap, collateralRate })));

// Moved from test/engine/golden.test.ts.
describe('docs/margin-rules.md §2 tiered collateral (published checks)', () => {
  it('BTC 6,000 × 20,000 with 100% to 100M then 97.5% → 119,500,000', () => {
    // 100M·1 + 20M·0.975 = 119.5M; as V·rate_k + cum_k: 120M·0.975 + 100M·(1 − 0.975) = 117M + 2.5M.
    const t = tiers([[0, 100_000_000, '1'], [100_000_000, 120_000_000, '0.975']]);
    expect(calculateCollateralValue(t, d(6000).times(20000)).toString()).toBe('119500000');
  });
  it('a token worth 1,200,000 with tiers 100%/70%/30%/0% → 590,000', () => {
    // 300k·1 + 200k·0.7 + 500k·0.3 + 200k·0 = 300k + 140k + 150k = 590k
    const t = tiers([[0, 300_000, '1'], [300_000, 500_000, '0.7'], [500_000, 1_000_000, '0.3'], [1_000_000, 1e12, '0']]);
    expect(calculateCollateralValue(t, d(1_200_000)).toString()).toBe('590000');
  });
  it('template "rank 8" at 1,000,000 → 720,000', () => {
    // 200k·1 + 200k·0.8 + 400k·0.7 + 200k·0.4 = 200k + 160k + 280k + 80k = 720k (1M is the 20% tier's floor)
    const t = tiers([[0, 200_000, '1'], [200_000, 400_000, '0.8'], [400_000, 800_000, '0.7'], [800_000, 1_000_000, '0.4'], [1_000_000, 1e12, '0.2']]);
    expect(calculateCollateralValue(t, d(1_000_000)).toString()).toBe('720000');
  });
  it('a flat rate is the one-tier case', () => {
    expect(calculateCollateralValue(parseCollateralTiers('test', 'BTC', '0.95'), d(1000)).toString()).toBe('950');
  });
});

// Moved from test/engine/golden.test.ts.
describe('docs/margin-rules.md §2 UM brackets from the real 2024-10-24 table', () => {
  it('BTCUSDT notional 1,000,000 → 1,000,000 × 0.0065 − 950 = 5,550 USDT', async () => {
    const rules = await loadDefaultRules();
    const { index, maintMargin } = calculateUmMaintMargin(findUmContract(rules, 'BTCUSDT').brackets, d(1_000_000));
    expect(index).toBe(2);
    expect(maintMargin.toString()).toBe('5550');
  });
  it('the BTCUSDT table matches the published rows (50k 0.4%, 600k 0.5% cum 50, 3M 0.65% cum 950, 12M 1% cum 11,450, 70M 2% cum 131,450, … 1.8B at 50%)', async () => {
    const b = findUmContract(await loadDefaultRules(), 'BTCUSDT').brackets;
    expect(b.slice(0, 5).map((r) => [r.notionalCap.toNumber(), r.maintMarginRatio.toNumber(), r.cum.toNumber()])).toEqual([
      [50_000, 0.004, 0], [600_000, 0.005, 50], [3_000_000, 0.0065, 950], [12_000_000, 0.01, 11_450], [70_000_000, 0.02, 131_450],
    ]);
    expect(b[b.length - 1]!.notionalCap.toNumber()).toBe(1_800_000_000);
    expect(b[b.length - 1]!.maintMarginRatio.toNumber()).toBe(0.5);
  });
});

// A small UM table: 0–10k 1 % (cum 0), 10k–50k 2 % (cum 10k·0.01 = 100), 50k–200k 5 % (cum 100 + 50k·0.03 = 1,600).
const UM = parseUmBrackets('test', 'um', [
  { notionalFloor: 0, notionalCap: 10_000, maintMarginRatio: '0.01' },
  { notionalFloor: 10_000, notionalCap: 50_000, maintMarginRatio: '0.02' },
  { notionalFloor: 50_000, notionalCap: 200_000, maintMarginRatio: '0.05' },
]);
// A small CM table by coin quantity: 0–5 0.5 %, 5–20 1 % (cum 5·0.005 = 0.025), 20–100 2.5 % (cum 0.025 + 20·0.015 = 0.325).
const CM = parseCmBrackets('test', 'cm', [
  { qtyFloor: 0, qtyCap: 5, maintMarginRatio: '0.005' },
  { qtyFloor: 5, qtyCap: 20, maintMarginRatio: '0.01' },
  { qtyFloor: 20, qtyCap: 100, maintMarginRatio: '0.025' },
]);

describe('findRowIndex', () => {
  const floor = (r: (typeof UM)[number]) => r.notionalFloor;
  it.each([
    [0, 0], [9_999.99, 0], [10_000, 1], [49_999, 1], [50_000, 2], [199_999, 2],
    [200_000, 2], // the last cap: still the last row
    [1e12, 2], // past the last cap: the last row
  ])('notional %d → row %d (floor inclusive, cap exclusive)', (value, row) => {
    expect(findRowIndex(UM, d(value), floor)).toBe(row);
  });
  it('a value below the first floor (a negative one) gets the first row', () => {
    expect(findRowIndex(UM, d(-5), floor)).toBe(0);
  });
  it('a one-row table always gives row 0', () => {
    const flat = parseCollateralTiers('test', 'flat', '0.9');
    for (const v of [0, 1, 1e15]) expect(findRowIndex(flat, d(v), (r) => r.tierFloor)).toBe(0);
  });
});

describe('calculateUmMaintMargin: notional·MMR_k − cum_k', () => {
  it.each([
    [0, 0, '0'],
    [8_000, 0, '80'], // 8,000 × 1 %
    [30_000, 1, '500'], // 30,000 × 2 % − 100 = 500
    [120_000, 2, '4400'], // 120,000 × 5 % − 1,600 = 4,400
    [300_000, 2, '13400'], // past the last cap: 300,000 × 5 % − 1,600
  ])('notional %d → bracket index %d, MM %s', (notional, index, mm) => {
    const r = calculateUmMaintMargin(UM, d(notional));
    expect(r.index).toBe(index);
    expect(r.maintMargin.toString()).toBe(mm);
  });
  it('is continuous at each bracket edge: 10,000 × 1 % = 10,000 × 2 % − 100 = 100; 50,000 × 2 % − 100 = 50,000 × 5 % − 1,600 = 900', () => {
    expect(calculateUmMaintMargin(UM, d(10_000)).maintMargin.toString()).toBe('100');
    expect(calculateUmMaintMargin(UM, d('9999.99999999')).maintMargin.toString()).toBe('99.9999999999');
    expect(calculateUmMaintMargin(UM, d(50_000)).maintMargin.toString()).toBe('900');
  });
});

describe('calculateCmMaintMargin: notionalCoin·MMR_k − cum_k, by coin quantity', () => {
  it.each([
    ['0.25', 0, '0.00125'], // 0.25 × 0.5 %
    ['5', 1, '0.025'], // the edge: 5 × 1 % − 0.025 = 0.025 = 5 × 0.5 %
    ['12', 1, '0.095'], // 12 × 1 % − 0.025
    ['40', 2, '0.675'], // 40 × 2.5 % − 0.325
    ['500', 2, '12.175'], // past the last cap: 500 × 2.5 % − 0.325
  ])('%s coin → bracket index %d, MM %s coin', (qty, index, mm) => {
    const r = calculateCmMaintMargin(CM, d(qty));
    expect(r.index).toBe(index);
    expect(r.maintMargin.toString()).toBe(mm);
  });
});

// Tiers 100 % to 300k, 70 % to 500k, 30 % above: cum 0, 300k·0.3 = 90k, 90k + 500k·0.4 = 290k.
const TIERS = tiers([[0, 300_000, '1'], [300_000, 500_000, '0.7'], [500_000, 1e12, '0.3']]);

describe('calculateCollateralValue and findMarginalCollateralRate', () => {
  it.each([
    [0, '0', '1'],
    [200_000, '200000', '1'],
    [300_000, '300000', '0.7'], // the edge: 300k·0.7 + 90k = 300k, and the next dollar gets 70 %
    [400_000, '370000', '0.7'], // 300k + 100k·0.7
    [500_000, '440000', '0.3'], // 300k + 140k
    [600_000, '470000', '0.3'], // 300k + 140k + 100k·0.3
  ])('value %d → collateral %s, marginal rate %s', (value, collateral, rate) => {
    expect(calculateCollateralValue(TIERS, d(value)).toString()).toBe(collateral);
    expect(findMarginalCollateralRate(TIERS, d(value)).toString()).toBe(rate);
  });
  it('a zero rate above the last floor keeps the value flat (the 590,000 check past 1.2M stays 590,000)', () => {
    const t = tiers([[0, 300_000, '1'], [300_000, 500_000, '0.7'], [500_000, 1_000_000, '0.3'], [1_000_000, 1e12, '0']]);
    expect(calculateCollateralValue(t, d(5_000_000)).toString()).toBe('590000');
    expect(findMarginalCollateralRate(t, d(5_000_000)).isZero()).toBe(true);
  });
});

describe('calculateAssetEquity: haircut only on a positive net', () => {
  it('positive: the tiered value (400,000 → 370,000)', () => {
    expect(calculateAssetEquity(TIERS, d(400_000)).toString()).toBe('370000');
  });
  it('negative: full value, no haircut (−400,000 stays −400,000, not −370,000)', () => {
    expect(calculateAssetEquity(TIERS, d(-400_000)).toString()).toBe('-400000');
    expect(calculateAssetEquity(parseCollateralTiers('test', 'ETH', '0.5'), d(-2000)).toString()).toBe('-2000');
  });
  it('zero: zero', () => {
    expect(calculateAssetEquity(TIERS, d(0)).isZero()).toBe(true);
  });
  it('a flat rate: 1,000 × 0.95 = 950', () => {
    expect(calculateAssetEquity(parseCollateralTiers('test', 'BTC', '0.95'), d(1000)).toString()).toBe('950');
  });
});
