import { describe, expect, it } from 'vitest';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { formatPortfoliosJsonl } from '../../src/sample/dataset.js';
import { generateSampleMarket } from '../../src/sample/market.js';
import { DEFAULT_SAMPLE_SEED, SAMPLE_START } from '../../src/sample/market-options.js';
import { findSampleStyle, type SamplePortfolioDocument } from '../../src/sample/portfolio-document.js';
import { allocateCounts, DEFAULT_SAMPLE_PORTFOLIO_OPTIONS, generateSamplePortfolios, SAMPLE_STYLES, type SamplePortfolioContext } from '../../src/sample/portfolios.js';
import { findFirstMarketSnapshot } from '../../src/sample/snapshot.js';
import { summarizeSamplePortfolios } from '../../src/sample/summary.js';
import { loadDefaultRules } from '../helpers/rules.js';

const rules = await loadDefaultRules();
// Calibration reads the first minute only; one day of market is enough.
const market = findFirstMarketSnapshot(generateSampleMarket({ days: 1 }));
const context: SamplePortfolioContext = { rules, market, windowStart: SAMPLE_START, windowEnd: SAMPLE_START + 15 * 86_400_000 };
const docs = generateSamplePortfolios(1000, DEFAULT_SAMPLE_SEED, context);

const evaluate = (doc: SamplePortfolioDocument) => calculateAccountSnapshot(parsePortfolio(doc, rules, doc.id), market, rules);

describe('sample portfolios', () => {
  it('parse and evaluate with the exact engine, all starting above liquidation, most NORMAL', () => {
    const statuses: Record<string, number> = {};
    let lowest = Number.POSITIVE_INFINITY;
    for (const doc of docs) {
      const s = evaluate(doc);
      statuses[s.accountStatus] = (statuses[s.accountStatus] ?? 0) + 1;
      expect(s.uniMMR).not.toBeNull();
      lowest = Math.min(lowest, s.uniMMR!.toNumber());
      expect(s.warnings).toEqual([]);
    }
    expect(lowest).toBeGreaterThan(DEFAULT_SAMPLE_PORTFOLIO_OPTIONS.minHotUniMMR);
    expect(Object.keys(statuses).sort()).toEqual(['MARGIN_CALL', 'NORMAL']);
    expect(statuses.NORMAL! / docs.length).toBeGreaterThan(0.97);
  });

  it('spreads the starting risk over orders of magnitude', () => {
    const summary = summarizeSamplePortfolios(docs, market, rules);
    expect(summary.uniMMRHistogram['(1.5, 2]']).toBeGreaterThan(10);
    expect(summary.uniMMRHistogram['(2, 3]']).toBeGreaterThan(30);
    expect(summary.uniMMRHistogram['> 100']).toBeGreaterThan(50);
    expect(summary.uniMMRQuantiles.median).toBeGreaterThan(5);
  });

  it('follows the documented mix exactly: styles, PM_PRO share', () => {
    const counts = Object.fromEntries(SAMPLE_STYLES.map((s) => [s, docs.filter((d) => findSampleStyle(d) === s).length]));
    expect(counts).toEqual({
      'basis-spot-perp': 140, 'basis-calendar': 60, 'directional-um': 260, 'margin-loan': 120,
      'altcoin-collateral': 120, 'coinm-hedge': 120, 'market-maker': 180,
    });
    expect(docs.filter((d) => d.mode === 'PM_PRO').length).toBe(40);
    expect(allocateCounts(7, DEFAULT_SAMPLE_PORTFOLIO_OPTIONS.styleMix)).toEqual({
      'basis-spot-perp': 1, 'basis-calendar': 0, 'directional-um': 2, 'margin-loan': 1, 'altcoin-collateral': 1, 'coinm-hedge': 1, 'market-maker': 1,
    });
  });

  it('carries open orders (PM only) and scheduled actions inside the window for some', () => {
    const withOrders = docs.filter((d) => d.marginOpenOrders !== undefined);
    const withActions = docs.filter((d) => d.actions !== undefined);
    expect(withOrders.length).toBeGreaterThan(100);
    expect(withActions.length).toBeGreaterThan(100);
    for (const d of withOrders) expect(d.mode).toBe('PM');
    const types = new Set<string>();
    for (const d of withActions) {
      const parsed = parsePortfolio(d, rules);
      for (const a of parsed.actions) {
        types.add(a.type);
        expect(a.time).toBeGreaterThanOrEqual(context.windowStart);
        expect(a.time).toBeLessThan(context.windowEnd);
        expect(a.time % 60_000).toBe(0);
      }
    }
    expect([...types].sort()).toEqual(['repay', 'trade', 'transfer']);
  });

  it('writes ids, decimal strings and consistent position modes', () => {
    expect(docs.map((d) => d.id)).toEqual(docs.map((_, i) => `sample-${String(i + 1).padStart(5, '0')}`));
    const decimal = /^-?\d+(\.\d+)?$/;
    for (const d of docs) {
      for (const b of d.balances) {
        for (const [k, v] of Object.entries(b)) if (k !== 'asset' && k !== 'marginLeverage') expect(v).toMatch(decimal);
      }
      for (const p of [...d.umPositions, ...d.cmPositions]) {
        expect(p.positionAmt).toMatch(decimal);
        expect(Number(p.positionAmt)).not.toBe(0);
        expect(p.entryPrice).toMatch(decimal);
      }
      // Hedge mode is account-wide: all UM legs LONG/SHORT, or none.
      const sided = d.umPositions.filter((p) => p.positionSide !== undefined).length;
      expect(sided === 0 || sided === d.umPositions.length).toBe(true);
    }
  });

  it('is deterministic from the seed', () => {
    const again = generateSamplePortfolios(60, DEFAULT_SAMPLE_SEED, context);
    const other = generateSamplePortfolios(60, DEFAULT_SAMPLE_SEED + 1, context);
    expect(formatPortfoliosJsonl(again)).toBe(formatPortfoliosJsonl(generateSamplePortfolios(60, DEFAULT_SAMPLE_SEED, context)));
    expect(formatPortfoliosJsonl(other)).not.toBe(formatPortfoliosJsonl(again));
  });
});
