import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import * as exact from '../../../src/engine/exact/tables.js';
import {
  calculateAssetEquity,
  calculateCmMaintMargin,
  calculateCollateralValue,
  calculateUmMaintMargin,
  findClearMarginalCollateralRate,
  findMarginalCollateralRate,
  findRowIndex,
  flattenRuleTables,
} from '../../../src/engine/fast/tables.js';
import { findCmContract, findCollateralTiers, findUmContract } from '../../../src/rules/resolve.js';
import { loadDefaultRules, makeRules } from '../../helpers/rules.js';

// src/engine/fast/tables.ts: every bracket and tier table flattened into float64 arrays, and the
// float mirrors of src/engine/exact/tables.ts over them (docs/architecture.md "Parity contract").

// UM 0–10k 1 %, 10k–50k 2 % (cum 100), 50k–200k 5 % (cum 1,600); CM 0–5 0.5 %, 5–100 1 % (cum 0.025);
// collateral: USDT flat 1, ETH 100 % to 300k, 70 % to 500k (cum 90k), 30 % above (cum 290k).
const RULES = makeRules({
  umBrackets: {
    ETHUSDT: [
      { notionalFloor: 0, notionalCap: 10_000, maintMarginRatio: '0.01' },
      { notionalFloor: 10_000, notionalCap: 50_000, maintMarginRatio: '0.02' },
      { notionalFloor: 50_000, notionalCap: 200_000, maintMarginRatio: '0.05' },
    ],
  },
  cmContracts: { ETHUSD_PERP: { contractSize: 10, marginAsset: 'ETH', brackets: [{ qtyFloor: 0, qtyCap: 5, maintMarginRatio: '0.005' }, { qtyFloor: 5, qtyCap: 100, maintMarginRatio: '0.01' }] } },
  collateral: {
    USDT: '1',
    ETH: [{ tierFloor: 0, tierCap: 300_000, collateralRate: '1' }, { tierFloor: 300_000, tierCap: 500_000, collateralRate: '0.7' }, { tierFloor: 500_000, tierCap: 1e12, collateralRate: '0.3' }],
  },
});
const T = flattenRuleTables(RULES);
const range = (m: ReadonlyMap<string, readonly [number, number]>, name: string) => m.get(name)!;

describe('flattenRuleTables', () => {
  it('lays the tables end to end: UM tables, then CM contracts, then collateral assets, each a row range [start, end)', () => {
    expect(range(T.um, 'ETHUSDT')).toEqual([0, 3]);
    expect(range(T.cm, 'ETHUSD_PERP')).toEqual([3, 5]);
    expect(range(T.collateral, 'USDT')).toEqual([5, 6]);
    expect(range(T.collateral, 'ETH')).toEqual([6, 9]);
    expect(T.floors.length).toBe(9);
  });
  it('keeps each row\'s floor, rate and cum as float64, with cum from the rules loader', () => {
    expect([...T.floors]).toEqual([0, 10_000, 50_000, 0, 5, 0, 0, 300_000, 500_000]);
    expect([...T.rates]).toEqual([0.01, 0.02, 0.05, 0.005, 0.01, 1, 1, 0.7, 0.3]);
    expect([...T.cums]).toEqual([0, 100, 1600, 0, 0.025, 0, 0, 90_000, 290_000]);
  });
  it('rowEnds: the next row\'s floor, +Infinity on each table\'s last row (not the last cap)', () => {
    expect([...T.rowEnds]).toEqual([10_000, 50_000, Infinity, 5, Infinity, Infinity, 300_000, 500_000, Infinity]);
  });
  it('lastCaps: every row carries its table\'s last cap (the position limit); a flat rate\'s is +Infinity', () => {
    expect([...T.lastCaps]).toEqual([200_000, 200_000, 200_000, 100, 100, Infinity, 1e12, 1e12, 1e12]);
  });
  it('flattens every table of the default rules, in the rules\' own order', async () => {
    const rules = await loadDefaultRules();
    const t = flattenRuleTables(rules);
    expect([...t.um.keys()]).toEqual([...rules.umBrackets.keys()]);
    expect([...t.cm.keys()]).toEqual([...rules.cmContracts.keys()]);
    expect([...t.collateral.keys()]).toEqual([...rules.collateral.keys()]);
    const [s, e] = t.um.get('BTCUSDT')!;
    const btc = rules.umBrackets.get('BTCUSDT')!;
    expect(e - s).toBe(btc.length);
    expect(btc.map((r) => [r.notionalFloor.toNumber(), r.maintMarginRatio.toNumber(), r.cum.toNumber()])).toEqual(btc.map((_, k) => [t.floors[s + k], t.rates[s + k], t.cums[s + k]]));
  });
});

describe('findRowIndex', () => {
  const [s, e] = range(T.um, 'ETHUSDT');
  it.each([
    [0, 0], [9_999.99, 0], [10_000, 1], [49_999.99, 1], [50_000, 2], [200_000, 2], [1e15, 2],
  ])('notional %d → row %d of the table (floor inclusive; past the last cap, the last row)', (value, row) => {
    expect(findRowIndex(T, s, e, value) - s).toBe(row);
  });
  it('stays inside the table it is given (never runs into the next table\'s rows)', () => {
    const [cs, ce] = range(T.cm, 'ETHUSD_PERP');
    expect(findRowIndex(T, cs, ce, 1e9)).toBe(ce - 1);
    expect(findRowIndex(T, s, e, 1e9)).toBe(e - 1);
  });
  it('a negative value or NaN gets the first row (NaN fails every comparison)', () => {
    expect(findRowIndex(T, s, e, -1)).toBe(s);
    expect(findRowIndex(T, s, e, Number.NaN)).toBe(s);
  });
  it('gives the exact engine\'s row at, around and between every edge of every default table', async () => {
    const rules = await loadDefaultRules();
    const t = flattenRuleTables(rules);
    for (const [name, rows] of rules.umBrackets) {
      const [rs, re] = t.um.get(name)!;
      for (const r of rows) {
        for (const v of [r.notionalFloor.toNumber(), r.notionalFloor.toNumber() * (1 - 1e-12), r.notionalFloor.toNumber() + 0.5, r.notionalCap.toNumber()]) {
          expect(findRowIndex(t, rs, re, v) - rs, `${name} ${v}`).toBe(exact.findRowIndex(rows, new Dec(v), (b) => b.notionalFloor));
        }
      }
    }
  });
});

describe('calculateUmMaintMargin and calculateCmMaintMargin', () => {
  it('UM: notional·MMR_k − cum_k: 8,000 → 80; 30,000 → 600 − 100 = 500; 120,000 → 6,000 − 1,600 = 4,400', () => {
    const [s, e] = range(T.um, 'ETHUSDT');
    expect([8_000, 30_000, 120_000].map((n) => calculateUmMaintMargin(T, s, e, n))).toEqual([80, 500, 4400]);
  });
  it('UM: continuous at the edges, to float rounding: 10,000 → 100 and 50,000 → 900', () => {
    const [s, e] = range(T.um, 'ETHUSDT');
    expect(calculateUmMaintMargin(T, s, e, 10_000)).toBeCloseTo(100, 10);
    expect(calculateUmMaintMargin(T, s, e, 10_000 * (1 - 1e-15))).toBeCloseTo(100, 10);
    expect(calculateUmMaintMargin(T, s, e, 50_000)).toBeCloseTo(900, 10);
  });
  it('CM is the same formula by coin quantity: 2 → 0.01; 40 → 0.4 − 0.025 = 0.375', () => {
    const [s, e] = range(T.cm, 'ETHUSD_PERP');
    expect(calculateCmMaintMargin(T, s, e, 2)).toBeCloseTo(0.01, 15);
    expect(calculateCmMaintMargin(T, s, e, 40)).toBeCloseTo(0.375, 15);
    expect(calculateCmMaintMargin).toBe(calculateUmMaintMargin);
  });
  it('docs §2: BTCUSDT notional 1,000,000 → 1,000,000 × 0.0065 − 950 = 5,550 USDT (real 2024-10-24 table)', async () => {
    const rules = await loadDefaultRules();
    const t = flattenRuleTables(rules);
    const [s, e] = t.um.get('BTCUSDT')!;
    expect(calculateUmMaintMargin(t, s, e, 1_000_000)).toBeCloseTo(5550, 9);
  });
  it('within 1e-12 relative of the exact engine over every default UM and CM table', async () => {
    const rules = await loadDefaultRules();
    const t = flattenRuleTables(rules);
    const close = (f: number, x: Dec) => Math.abs(f - x.toNumber()) <= 1e-12 * Math.max(1, Math.abs(x.toNumber()));
    for (const [name, rows] of rules.umBrackets) {
      const [s, e] = t.um.get(name)!;
      const c = findUmContract(rules, name);
      for (const r of rows) for (const n of [r.notionalFloor.toNumber(), r.notionalFloor.toNumber() * 1.37 + 1]) {
        expect(close(calculateUmMaintMargin(t, s, e, n), exact.calculateUmMaintMargin(c.brackets, new Dec(n)).maintMargin), `${name} ${n}`).toBe(true);
      }
    }
    for (const name of rules.cmContracts.keys()) {
      const [s, e] = t.cm.get(name)!;
      const c = findCmContract(rules, name);
      for (const r of c.brackets) for (const q of [r.qtyFloor.toNumber(), r.qtyFloor.toNumber() * 1.37 + 0.01]) {
        expect(close(calculateCmMaintMargin(t, s, e, q), exact.calculateCmMaintMargin(c.brackets, new Dec(q)).maintMargin), `${name} ${q}`).toBe(true);
      }
    }
  });
});

describe('collateral: calculateCollateralValue, findMarginalCollateralRate, calculateAssetEquity', () => {
  const [s, e] = range(T.collateral, 'ETH');
  it.each([
    [200_000, 200_000, 1],
    [300_000, 300_000, 0.7], // the edge: 300k·0.7 + 90k
    [400_000, 370_000, 0.7], // 300k + 100k·0.7
    [600_000, 470_000, 0.3], // 300k + 140k + 100k·0.3
  ])('value %d → collateral %d, marginal rate %d', (v, value, rate) => {
    expect(calculateCollateralValue(T, s, e, v)).toBeCloseTo(value, 8);
    expect(findMarginalCollateralRate(T, s, e, v)).toBe(rate);
  });
  it('findClearMarginalCollateralRate: the marginal rate, or NaN when a tier edge is within the slack (either side)', () => {
    // ETH's edges at 300k (1 → 0.7) and 500k (0.7 → 0.3)
    expect(findClearMarginalCollateralRate(T, s, e, 400_000, 1)).toBe(0.7);
    expect(findClearMarginalCollateralRate(T, s, e, 300_000.5, 1)).toBeNaN(); // the floor below is 0.5 away
    expect(findClearMarginalCollateralRate(T, s, e, 499_999.5, 1)).toBeNaN(); // the next floor is 0.5 away
    expect(findClearMarginalCollateralRate(T, s, e, 300_002, 1)).toBe(0.7);
    // the first row has no floor below it (values under 0 count as 0)
    expect(findClearMarginalCollateralRate(T, s, e, 0, 1)).toBe(1);
    expect(findClearMarginalCollateralRate(T, s, e, 0, 0)).toBe(1);
  });
  it('docs §2 published checks, in float64: 119,500,000; 590,000; 720,000', () => {
    const rules = makeRules({ collateral: {
      BTC: [{ tierFloor: 0, tierCap: 100_000_000, collateralRate: '1' }, { tierFloor: 100_000_000, tierCap: 120_000_000, collateralRate: '0.975' }],
      TOKEN: [{ tierFloor: 0, tierCap: 300_000, collateralRate: '1' }, { tierFloor: 300_000, tierCap: 500_000, collateralRate: '0.7' }, { tierFloor: 500_000, tierCap: 1_000_000, collateralRate: '0.3' }, { tierFloor: 1_000_000, tierCap: 1e12, collateralRate: '0' }],
      RANK8: [{ tierFloor: 0, tierCap: 200_000, collateralRate: '1' }, { tierFloor: 200_000, tierCap: 400_000, collateralRate: '0.8' }, { tierFloor: 400_000, tierCap: 800_000, collateralRate: '0.7' }, { tierFloor: 800_000, tierCap: 1_000_000, collateralRate: '0.4' }, { tierFloor: 1_000_000, tierCap: 1e12, collateralRate: '0.2' }],
    } });
    const t = flattenRuleTables(rules);
    const value = (asset: string, v: number) => calculateCollateralValue(t, t.collateral.get(asset)![0], t.collateral.get(asset)![1], v);
    // 100M·1 + 20M·0.975; 300k + 200k·0.7 + 500k·0.3 + 200k·0; 200k + 200k·0.8 + 400k·0.7 + 200k·0.4
    expect(value('BTC', 6000 * 20_000)).toBeCloseTo(119_500_000, 5);
    expect(value('TOKEN', 1_200_000)).toBeCloseTo(590_000, 6);
    expect(value('RANK8', 1_000_000)).toBeCloseTo(720_000, 6);
  });
  it('asset equity: tiered when positive, full value when zero or negative, NaN stays NaN', () => {
    expect(calculateAssetEquity(T, s, e, 400_000)).toBeCloseTo(370_000, 8);
    expect(calculateAssetEquity(T, s, e, -400_000)).toBe(-400_000);
    expect(calculateAssetEquity(T, s, e, 0)).toBe(0);
    expect(calculateAssetEquity(T, s, e, Number.NaN)).toBeNaN();
  });
  it('flat USDT: the one-row case, 1,234.5 → 1,234.5', () => {
    const [us, ue] = range(T.collateral, 'USDT');
    expect(calculateAssetEquity(T, us, ue, 1234.5)).toBe(1234.5);
  });
  it('within 1e-12 relative of the exact engine across the ETH tiers', () => {
    const tiers = findCollateralTiers(RULES, 'ETH');
    for (let v = -50_000; v <= 1_500_000; v += 12_345.67) {
      const x = exact.calculateAssetEquity(tiers, new Dec(v)).toNumber();
      expect(Math.abs(calculateAssetEquity(T, s, e, v) - x)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(x)));
      expect(findMarginalCollateralRate(T, s, e, Math.max(0, v))).toBe(exact.findMarginalCollateralRate(tiers, new Dec(Math.max(0, v))).toNumber());
    }
  });
});
