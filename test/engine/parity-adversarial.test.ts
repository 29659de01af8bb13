import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { RulesTimeline } from '../../src/domain/types.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { findFastKernelRefusal } from '../../src/engine/fast/refusal.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { replayPortfolio, type ReplayOptions } from '../../src/replay/replay-portfolio.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { PROGRAM } from '../helpers/rules.js';
import { MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';
import { expectParity, mulberry32 } from './parity-compare.js';

// The adversarial parity suite (docs/architecture.md "Parity contract"): portfolios built to sit on
// the decision lines — uniMMR exactly at 1.5, 1.2 or 1.05 at every fourth step and within 1e-15 …
// 1e-6 of it between, a bracket edge and a collateral tier edge crossed at every step, legs of
// 1e11–1e12 notional at a zero maintenance margin rate, open orders of 1e11 USD, up to 33 legs — each
// replayed by the exact engine alone and by the default replay (fast kernel + exact decisions).
// Size: PMBT_PARITY_PORTFOLIOS / 25 (4,000 in test:full), seed PMBT_SEED.
const PORTFOLIOS = Math.max(24, Math.round(Number(process.env.PMBT_PARITY_PORTFOLIOS ?? 600) / 25));
const SEED = Number(process.env.PMBT_SEED ?? 20261121);
const STEPS = 24;
const T0 = Date.UTC(2024, 5, 1);

// BTCUSDT's first bracket edge is the main leg's notional at the star price (2 × 50,000); ETH's
// collateral tier edge is the 80 ETH holding's value at its star price (80 × 2,500); ZEROUSDT has a
// zero maintenance margin rate (the loader accepts it).
const RULES_DOC = {
  version: 1,
  collateral: {
    USDT: '1', BTC: '0.95', BNB: '0.9',
    ETH: [{ tierFloor: 0, tierCap: 200000, collateralRate: '0.95' }, { tierFloor: 200000, tierCap: 1e15, collateralRate: '0.8' }],
  },
  umBrackets: {
    BTCUSDT: [{ notionalFloor: 0, notionalCap: 100000, maintMarginRatio: '0.01' }, { notionalFloor: 100000, notionalCap: 1e9, maintMarginRatio: '0.02' }, { notionalFloor: 1e9, notionalCap: 1e15, maintMarginRatio: '0.05' }],
    ETHUSDT: [{ notionalFloor: 0, notionalCap: 50000, maintMarginRatio: '0.005' }, { notionalFloor: 50000, notionalCap: 1e15, maintMarginRatio: '0.01' }],
    BNBUSDT: [{ notionalFloor: 0, notionalCap: 1e15, maintMarginRatio: '0.01' }],
    ZEROUSDT: [{ notionalFloor: 0, notionalCap: 1e15, maintMarginRatio: '0' }],
  },
  cmContracts: {
    BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [{ qtyFloor: 0, qtyCap: 1, maintMarginRatio: '0.005' }, { qtyFloor: 1, qtyCap: 1e9, maintMarginRatio: '0.02' }] },
  },
  quoteAssets: ['USDT'],
  loanInterestHourly: { default: '0.00001' },
};
const RULES: RulesTimeline = buildRulesTimeline([PROGRAM, { name: 'adversarial-rules', doc: RULES_DOC }]);
const OPTIONS = (policy: 'full' | 'stepwise'): ReplayOptions => ({ liquidation: { policy, slippage: new Dec('0.002'), target: new Dec('1.25') }, resolutionMs: 4 * MINUTE });

const STAR_INDEX: Record<string, string> = { USDT: '1', BTC: '50000', ETH: '2500', BNB: '500', ZERO: '100000' };
const STAR_MARK: Record<string, string> = { BTCUSDT: '50000', ETHUSDT: '2500', BNBUSDT: '500', ZEROUSDT: '100000', BTCUSD_PERP: '50000' };
const THRESHOLDS = ['1.5', '1.2', '1.05'];
const OFFSETS = [1e-15, -1e-15, 1e-12, -1e-12, 3e-10, -3e-10, 1e-9, -1e-9, 1e-6, -1e-6, Number.EPSILON, -Number.EPSILON];

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/**
 * Every fourth step all prices are at their star values (where uniMMR is exactly the portfolio's
 * line); between, each series is off its star by one of OFFSETS (the USDT index stays 1). BTCUSDT
 * swings around its bracket edge and ETH around its tier edge at every step.
 */
function huggingMarket(rand: () => number): SeriesRow[] {
  const rows: SeriesRow[] = [];
  for (let k = 0; k < STEPS; k++) {
    const t = T0 + k * MINUTE;
    const off = () => (k % 4 === 0 ? 0 : pick(rand, OFFSETS));
    for (const [asset, v] of Object.entries(STAR_INDEX)) rows.push([t, asset, 'index', asset === 'USDT' ? 1 : Number(v) * (1 + off())]);
    for (const [symbol, v] of Object.entries(STAR_MARK)) rows.push([t, symbol, 'mark', Number(v) * (1 + off())]);
  }
  return rows;
}

/** A portfolio without its USDT wallet: the main leg on a bracket edge and, at random, the adversarial parts. */
function adversarialDoc(rand: () => number, i: number): Record<string, unknown> {
  const side = rand() < 0.5 ? 1 : -1;
  const umPositions: Record<string, unknown>[] = [{ symbol: 'BTCUSDT', positionAmt: String(2 * side), entryPrice: (50000 * (1 + (rand() - 0.5) * 0.1)).toFixed(2) }];
  const cmPositions: Record<string, unknown>[] = [];
  const balances: Record<string, unknown>[] = [];
  if (rand() < 0.5) balances.push({ asset: 'ETH', crossMarginFree: '80' }); // on the tier edge
  if (rand() < 0.5) {
    // 1e11–1e12 of notional at a zero rate, hedged (LONG and SHORT), so the PnL stays small while its float error does not
    const q = Math.floor(1e6 + rand() * 9e6);
    umPositions.push({ symbol: 'ZEROUSDT', positionSide: 'LONG', positionAmt: String(q), entryPrice: '99999.5' });
    umPositions.push({ symbol: 'ZEROUSDT', positionSide: 'SHORT', positionAmt: String(-(q - Math.floor(rand() * 3))), entryPrice: '100000.5' });
  }
  const marginOpenOrders = rand() < 0.3 ? [{ symbol: 'ETHUSDT', side: pick(rand, ['BUY', 'SELL']), price: pick(rand, ['2500', '2499.99', '2600']), origQty: pick(rand, ['40000000', '39999999.99']) }] : [];
  if (rand() < 0.3) {
    // many legs: 33 in all with the main one
    for (let l = umPositions.length + cmPositions.length; l < 33; l++) {
      if (rand() < 0.7) umPositions.push({ symbol: pick(rand, ['ETHUSDT', 'BNBUSDT']), positionAmt: ((rand() - 0.5) * 4).toFixed(3), entryPrice: pick(rand, ['2500.1', '499.9']) });
      else cmPositions.push({ symbol: 'BTCUSD_PERP', positionAmt: String(pick(rand, [-1, 1]) * (1 + Math.floor(rand() * 3))), entryPrice: '49990' });
    }
  }
  return { id: `adv${i}`, mode: 'PM', balances, umPositions, cmPositions, marginOpenOrders };
}

/**
 * The USDT wallet that puts uniMMR exactly on `line` at the star prices: (adjusted equity + W) / MM
 * = line, as USDT counts at 1 (index 1, rate 1) and adds no margin.
 */
function walletOnTheLine(doc: Record<string, unknown>, line: string): string {
  const x = calculateAccountSnapshot(portfolioOf(doc, RULES.base), marketOf(STAR_INDEX, STAR_MARK), RULES.base);
  return new Dec(line).times(x.accountMaintMargin).minus(x.adjustedEquity).toString();
}

describe(`parity, adversarial: ${PORTFOLIOS} portfolios on the decision lines (seed ${SEED})`, () => {
  it('the default replay agrees with the exact engine on every decision, and on numbers within the tolerance', () => {
    const rand = mulberry32(SEED);
    let statusChanges = 0;
    let liquidated = 0;
    let exactHits = 0;
    for (let i = 0; i < PORTFOLIOS; i++) {
      const timeline = buildMarketTimeline(seriesOf(huggingMarket(rand)), { stalenessMs: 5 * MINUTE });
      const book = new ExactPriceBook(timeline);
      const doc = adversarialDoc(rand, i);
      const line = THRESHOLDS[i % THRESHOLDS.length]!;
      const wallet = walletOnTheLine(doc, line);
      const portfolio = portfolioOf({ ...doc, balances: [{ asset: 'USDT', umWalletBalance: wallet }, ...(doc.balances as unknown[])] }, RULES.base);
      expect(findFastKernelRefusal(portfolio, RULES), portfolio.id).toBeUndefined();
      const initial = calculateAccountSnapshot(portfolio, marketOf(STAR_INDEX, STAR_MARK), RULES.base);
      // on the line to the exact engine's 40 digits (exactly, unless a CM leg's 1/entry does not terminate)
      if (initial.uniMMR !== null && initial.uniMMR.minus(line).abs().lte('1e-30')) exactHits++;
      const [slot] = fastSlotsOf([portfolio], RULES.base, timeline);
      const policy = i % 2 === 0 ? 'full' : 'stepwise';
      const exact = replayPortfolio(portfolio, book, RULES, OPTIONS(policy));
      const fast = replayPortfolio(portfolio, book, RULES, OPTIONS(policy), slot);
      expectParity(portfolio.id, exact, fast);
      statusChanges += exact.events.filter((e) => e.type === 'riskLevelChange').length;
      if (exact.liquidations > 0) liquidated++;
    }
    // uniMMR is on the line at the first step of every portfolio, and the paths change status and liquidate
    expect(exactHits).toBe(PORTFOLIOS);
    expect(statusChanges).toBeGreaterThan(PORTFOLIOS);
    expect(liquidated).toBeGreaterThan(0);
    console.log(JSON.stringify({ parityAdversarial: { portfolios: PORTFOLIOS, exactHits, statusChanges, liquidated } }));
  });
});
