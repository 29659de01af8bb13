import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { Portfolio, RulesTimeline } from '../../src/domain/types.js';
import { findFastKernelRefusal } from '../../src/engine/fast/refusal.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { replayPortfolio, type ReplayOptions } from '../../src/replay/replay-portfolio.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { PROGRAM } from '../helpers/rules.js';
import { MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';
import { expectParity, mulberry32 } from './parity-compare.js';

// The parity suite (docs/architecture.md "Parity contract"): seeded random portfolios of every kind through random price
// paths with jumps, replayed by the exact engine alone and by the fast kernel with exact decisions.
// Size and seed are set by PMBT_PARITY_PORTFOLIOS and PMBT_SEED.
const PORTFOLIOS = Number(process.env.PMBT_PARITY_PORTFOLIOS ?? 2_000);
const SEED = Number(process.env.PMBT_SEED ?? 20261121);
const PER_MARKET = 500;
const STEPS = 30;
const T0 = Date.UTC(2024, 5, 1);

// Small bracket tables so positions cross brackets; tiered collateral for ETH and BNB.
const RULES_DOC = {
  version: 1,
  collateral: {
    USDT: '1', USDC: '0.99', BTC: '0.95',
    ETH: [{ tierFloor: 0, tierCap: 20000, collateralRate: '0.95' }, { tierFloor: 20000, tierCap: 50000, collateralRate: '0.9' }, { tierFloor: 50000, tierCap: 1e12, collateralRate: '0.7' }],
    BNB: [{ tierFloor: 0, tierCap: 5000, collateralRate: '0.9' }, { tierFloor: 5000, tierCap: 1e12, collateralRate: '0.6' }],
  },
  umBrackets: {
    BTCUSDT: [{ notionalFloor: 0, notionalCap: 20000, maintMarginRatio: '0.004' }, { notionalFloor: 20000, notionalCap: 100000, maintMarginRatio: '0.01' }, { notionalFloor: 100000, notionalCap: 1e9, maintMarginRatio: '0.025' }],
    ETHUSDT: [{ notionalFloor: 0, notionalCap: 10000, maintMarginRatio: '0.005' }, { notionalFloor: 10000, notionalCap: 1e9, maintMarginRatio: '0.02' }],
    BNBUSDT: [{ notionalFloor: 0, notionalCap: 1e9, maintMarginRatio: '0.01' }],
  },
  cmContracts: {
    BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [{ qtyFloor: 0, qtyCap: 1, maintMarginRatio: '0.005' }, { qtyFloor: 1, qtyCap: 1e6, maintMarginRatio: '0.02' }] },
    ETHUSD_PERP: { contractSize: 10, marginAsset: 'ETH', brackets: [{ qtyFloor: 0, qtyCap: 1e6, maintMarginRatio: '0.01' }] },
  },
  quoteAssets: ['USDT', 'USDC'],
  loanInterestHourly: { default: '0.00001' },
};
const RULES: RulesTimeline = buildRulesTimeline([PROGRAM, { name: 'parity-rules', doc: RULES_DOC }]);
const OPTIONS = (policy: 'full' | 'stepwise'): ReplayOptions => ({ liquidation: { policy, slippage: new Dec('0.002'), target: new Dec('1.25') }, resolutionMs: 10 * MINUTE });

const START = { BTC: 60000, ETH: 3000, BNB: 500 };

/**
 * Random walks with volatility and jumps; marks at a small basis; funding twice in the window.
 * With `wicks` (its own random numbers, so the closes are the same), most bars of BTC, ETH and BNB
 * carry a high and a low, an asset's index and marks by one fraction of their close, now and then a
 * deep wick (docs/margin-rules.md "Intrabar extremes").
 */
function randomMarket(rand: () => number, wicks?: () => number): SeriesRow[] {
  const rows: SeriesRow[] = [];
  const price = { ...START };
  const jumpy = rand() < 0.5;
  for (let k = 0; k < STEPS; k++) {
    const t = T0 + k * MINUTE;
    const common = (rand() - 0.5) * 0.01 + (jumpy && rand() < 0.08 ? -(0.03 + rand() * 0.1) : 0);
    for (const a of ['BTC', 'ETH', 'BNB'] as const) price[a] *= 1 + common * (a === 'BTC' ? 1 : 1.4) + (rand() - 0.5) * 0.004;
    rows.push([t, 'USDT', 'index', 1 + (rand() - 0.5) * 0.0004], [t, 'USDC', 'index', 1], [t, 'BTC', 'index', price.BTC], [t, 'ETH', 'index', price.ETH], [t, 'BNB', 'index', price.BNB]);
    const basis = () => 1 + (rand() - 0.5) * 0.002;
    rows.push([t, 'BTCUSDT', 'mark', price.BTC * basis()], [t, 'ETHUSDT', 'mark', price.ETH * basis()], [t, 'BNBUSDT', 'mark', price.BNB * basis()]);
    rows.push([t, 'BTCUSDT_250328', 'mark', price.BTC * 1.01 * basis()], [t, 'BTCUSD_PERP', 'mark', price.BTC * basis()], [t, 'ETHUSD_PERP', 'mark', price.ETH * basis()]);
    if (k === 10 || k === 20) for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'BTCUSD_PERP', 'ETHUSD_PERP']) rows.push([t + 1 + Math.floor(rand() * 9), s, 'funding', (rand() - 0.4) * 0.002]);
    if (wicks !== undefined) addWicks(rows, t, wicks);
  }
  return rows;
}

/** Highs and lows on step t's BTC, ETH and BNB rows (index and marks), most of the time. */
function addWicks(rows: SeriesRow[], t: number, rand: () => number): void {
  const span = new Map<string, [up: number, down: number] | undefined>();
  for (const a of ['BTC', 'ETH', 'BNB']) span.set(a, rand() < 0.8 ? [rand() * 0.004, rand() * (rand() < 0.1 ? 0.08 : 0.006)] : undefined);
  for (const row of rows) {
    if (row[0] !== t || row[2] === 'funding') continue;
    const w = span.get(row[2] === 'index' ? row[1] : row[1].slice(0, 3));
    if (w !== undefined) row.push(row[3] * (1 + w[0]), row[3] * (1 - w[1]));
  }
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** A positive amount below max, never rounding to zero. */
const amount = (rand: () => number, max: number, places = 4) => (10 ** -places + rand() * max).toFixed(places);

/** A random portfolio: collateral, loans, UM/CM legs (hedge mode too), open orders, sometimes actions. */
function randomPortfolio(rand: () => number, i: number): Record<string, unknown> {
  const mode = rand() < 0.7 ? 'PM' : 'PM_PRO';
  const balances: Record<string, unknown>[] = [{ asset: 'USDT', umWalletBalance: amount(rand, 20000, 2), crossMarginFree: amount(rand, 5000, 2) }];
  if (rand() < 0.5) balances.push({ asset: 'BTC', crossMarginFree: amount(rand, 0.5), cmWalletBalance: amount(rand, 0.2) });
  if (rand() < 0.5) balances.push({ asset: 'ETH', crossMarginFree: amount(rand, 20), ...(rand() < 0.4 ? { crossMarginBorrowed: amount(rand, 5), marginLeverage: pick(rand, [3, 5, 10]) } : {}) });
  if (rand() < 0.3) balances.push({ asset: 'BNB', crossMarginFree: amount(rand, 30) });
  if (rand() < 0.25) balances[0] = { ...balances[0], crossMarginBorrowed: amount(rand, 8000, 2), marginLeverage: pick(rand, [3, 5, 10]) };
  const umPositions: Record<string, unknown>[] = [];
  const cmPositions: Record<string, unknown>[] = [];
  const legs = 1 + Math.floor(rand() * 4);
  const leverage = 0.5 + rand() * 12;
  for (let l = 0; l < legs; l++) {
    const kind = rand();
    const side = rand() < 0.55 ? 1 : -1;
    if (kind < 0.55) {
      const symbol = pick(rand, ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'BTCUSDT_250328']);
      const p = symbol.startsWith('BTC') ? START.BTC : symbol.startsWith('ETH') ? START.ETH : START.BNB;
      const hedge = rand() < 0.2;
      umPositions.push({ symbol, positionAmt: ((side * leverage * 15000 * rand()) / p / legs).toFixed(3), entryPrice: (p * (0.97 + rand() * 0.06)).toFixed(2), ...(hedge ? { positionSide: side > 0 ? 'LONG' : 'SHORT' } : {}) });
    } else {
      const symbol = pick(rand, ['BTCUSD_PERP', 'ETHUSD_PERP']);
      const p = symbol.startsWith('BTC') ? START.BTC : START.ETH;
      cmPositions.push({ symbol, positionAmt: String(side * (1 + Math.floor(rand() * leverage * 20))), entryPrice: (p * (0.97 + rand() * 0.06)).toFixed(2) });
    }
  }
  const marginOpenOrders = rand() < 0.3 ? [{ symbol: pick(rand, ['ETHUSDT', 'BNBUSDT', 'BTCUSDC']), side: pick(rand, ['BUY', 'SELL']), price: (START.ETH * (0.8 + rand() * 0.6)).toFixed(2), origQty: amount(rand, 3) }] : [];
  const actions = rand() < 0.2 ? [{ time: T0 + Math.floor(rand() * STEPS) * MINUTE + 7, type: 'trade', market: 'UM', symbol: 'ETHUSDT', side: pick(rand, ['BUY', 'SELL']), qty: amount(rand, 3, 3) }] : [];
  return { id: `r${i}`, mode, balances, umPositions, cmPositions, marginOpenOrders, actions };
}

describe(`parity: ${PORTFOLIOS} random portfolios through both engines (seed ${SEED})`, () => {
  it('agrees on every decision and event, and on numbers within the documented tolerance', () => {
    const rand = mulberry32(SEED);
    let checked = 0;
    let fastSteps = 0;
    let allSteps = 0;
    let liquidated = 0;
    let statusChanges = 0;
    let intrabar = 0;
    for (let m = 0; checked < PORTFOLIOS; m++) {
      // One market in four has bar highs and lows.
      const timeline = buildMarketTimeline(seriesOf(randomMarket(rand, m % 4 === 3 ? mulberry32(SEED + m) : undefined)), { stalenessMs: 5 * MINUTE });
      const book = new ExactPriceBook(timeline);
      const count = Math.min(PER_MARKET, PORTFOLIOS - checked);
      const portfolios: Portfolio[] = [];
      for (let i = 0; i < count; i++) portfolios.push(portfolioOf(randomPortfolio(rand, checked + i), RULES.base));
      expect(portfolios.every((p) => findFastKernelRefusal(p, RULES) === undefined)).toBe(true);
      const slots = fastSlotsOf(portfolios, RULES.base, timeline);
      const policy = m % 2 === 0 ? 'full' : 'stepwise';
      portfolios.forEach((p, i) => {
        const exact = replayPortfolio(p, book, RULES, OPTIONS(policy));
        const fast = replayPortfolio(p, book, RULES, OPTIONS(policy), slots[i]);
        expectParity(p.id, exact, fast);
        fastSteps += fast.kernelSteps;
        allSteps += fast.steps;
        if (exact.liquidations > 0) liquidated++;
        statusChanges += exact.events.filter((e) => e.type === 'riskLevelChange').length;
        intrabar += exact.events.filter((e) => 'intrabar' in e).length;
      });
      checked += count;
    }
    // The suite must exercise what it claims to: liquidations and status changes, not only calm steps.
    expect(liquidated).toBeGreaterThan(PORTFOLIOS / 50);
    expect(statusChanges).toBeGreaterThan(PORTFOLIOS);
    // About 1 % of portfolios meet an intrabar event (28 of 2,000, 969 of 100,000 with the default seed).
    expect(intrabar).toBeGreaterThan(PORTFOLIOS / 200);
    // ... and most steps went through the kernel
    expect(fastSteps / allSteps).toBeGreaterThan(0.5);
    console.log(JSON.stringify({ parity: { portfolios: PORTFOLIOS, liquidated, statusChanges, intrabar, kernelShare: +(fastSteps / allSteps).toFixed(3) } }));
  });
});
