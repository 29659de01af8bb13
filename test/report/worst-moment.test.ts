import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { RulesTimeline } from '../../src/domain/types.js';
import { findFastKernelRefusal } from '../../src/engine/fast/refusal.js';
import { PARITY_TOLERANCE } from '../../src/engine/fast/parity.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { replayPortfolio, type ReplayOptions } from '../../src/replay/replay-portfolio.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { renderPortfolioSummary, renderWorstMoment } from '../../src/records/portfolio-summary.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { PROGRAM } from '../helpers/rules.js';
import { everyMinute, HOUR, MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';

// The account at the minimum uniMMR (summary.json's `worst`, the report's drill-down) must be the
// exact account of that step, also when the fast kernel found the minimum and the account changed
// afterwards (hourly loan interest, funding): the replay keeps a copy of it from before the change.

const T0 = Date.UTC(2024, 5, 1);
const RULES: RulesTimeline = buildRulesTimeline([PROGRAM, { name: 'worst-rules', doc: {
  version: 1,
  collateral: { USDT: '1', BTC: '0.95' },
  umBrackets: { BTCUSDT: [{ notionalFloor: 0, notionalCap: 1e9, maintMarginRatio: '0.01' }] },
  quoteAssets: ['USDT'],
  loanInterestHourly: { default: '0.001' },
} }]);
const OPTIONS: ReplayOptions = { liquidation: { policy: 'full', slippage: new Dec('0.001'), target: new Dec('1.25') }, resolutionMs: HOUR };

// BTC dips 12 % at minute 70 and recovers; funding at 02:00 and 04:00.
const btc = (m: number) => 60_000 * (1 - 0.12 * Math.max(0, 1 - Math.abs(m - 70) / 30));
const ROWS: SeriesRow[] = [
  ...everyMinute(T0, 300, 'USDT', 'index', () => 1),
  ...everyMinute(T0, 300, 'BTC', 'index', btc),
  ...everyMinute(T0, 300, 'BTCUSDT', 'mark', (m) => btc(m) * 1.0002),
  ...everyMinute(T0, 300, 'BTCUSDT_240628', 'mark', (m) => btc(m) * 1.01),
  [T0 + 2 * HOUR + 4, 'BTCUSDT', 'funding', 0.001],
  [T0 + 4 * HOUR + 4, 'BTCUSDT', 'funding', 0.001],
];

const PORTFOLIOS = [
  // a USDT loan: interest every hour changes the account after the minute-70 minimum
  { id: 'loan', balances: [{ asset: 'USDT', crossMarginFree: '20000', crossMarginBorrowed: '15000', umWalletBalance: '3000', marginLeverage: 3 }, { asset: 'BTC', crossMarginFree: '0.2' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.5', entryPrice: '60000' }] },
  // funding only
  { id: 'funded', balances: [{ asset: 'USDT', umWalletBalance: '8000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.5', entryPrice: '60000' }] },
  // nothing changes the account: the final state is the state at the minimum
  { id: 'quiet', balances: [{ asset: 'USDT', umWalletBalance: '6000' }, { asset: 'BTC', crossMarginFree: '0.1' }], umPositions: [{ symbol: 'BTCUSDT_240628', positionAmt: '0.4', entryPrice: '60000' }] },
];

describe('the account at the minimum uniMMR', () => {
  const timeline = buildMarketTimeline(seriesOf(ROWS), { stalenessMs: 5 * MINUTE });
  const book = new ExactPriceBook(timeline);
  const portfolios = PORTFOLIOS.map((d) => portfolioOf(d, RULES.base));
  const slots = fastSlotsOf(portfolios, RULES.base, timeline);

  it.each(portfolios.map((p, i) => [p.id, i] as const))('%s: is the exact account of that step, fast kernel or not', (_id, i) => {
    const p = portfolios[i]!;
    expect(findFastKernelRefusal(p, RULES)).toBeUndefined();
    const exact = replayPortfolio(p, book, RULES, OPTIONS);
    const fast = replayPortfolio(p, book, RULES, OPTIONS, slots[i]);
    expect(fast.kernelSteps).toBeGreaterThan(200);
    expect(exact.liquidations).toBe(0);
    expect(fast.minUniMMRTime).toBe(exact.minUniMMRTime);
    expect(exact.minUniMMRTime).toBe(T0 + 70 * MINUTE);
    // the same exact numbers as the all-exact replay, to the last decimal
    expect(renderWorstMoment(fast.worstSnapshot!)).toEqual(renderWorstMoment(exact.worstSnapshot!));
    expect(exact.worstSnapshot!.uniMMR!.eq(exact.minUniMMR!)).toBe(true);
    const u = fast.worstSnapshot!.uniMMR!.toNumber();
    expect(Math.abs(u - fast.minUniMMR!.toNumber())).toBeLessThanOrEqual(PARITY_TOLERANCE * Math.max(1, u));
    const summary = renderPortfolioSummary(fast, i, 'fast');
    expect(summary.ok && summary.worst?.positions.map((x) => x.symbol)).toEqual([p.umPositions[0]!.symbol]);
  });

  it('differs from the account at the end when the account changed after the minimum', () => {
    const i = 0;
    const fast = replayPortfolio(portfolios[i]!, book, RULES, OPTIONS, slots[i]);
    const interest = fast.events.filter((e) => e.type === 'interest' && e.time > T0 + 70 * MINUTE);
    expect(interest.length).toBeGreaterThan(2);
    const usdt = (s: typeof fast.worstSnapshot) => s!.assets.find((a) => a.asset === 'USDT')!.net.toString();
    expect(usdt(fast.worstSnapshot)).not.toBe(usdt(fast.final));
  });
});
