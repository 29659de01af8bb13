import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { RulesTimeline } from '../../src/domain/types.js';
import { renderEventRecord } from '../../src/records/events/index.js';
import type { ReplayEvent } from '../../src/replay/events.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { replayPortfolio, replayPortfolioExact, type ReplayOptions } from '../../src/replay/replay-portfolio.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { flatCm, flatUm, PROGRAM } from '../helpers/rules.js';
import { everyMinute, HOUR, MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';

const T0 = Date.UTC(2024, 2, 12, 0, 0);
const rulesOf = (doc: Record<string, unknown>): RulesTimeline => buildRulesTimeline([PROGRAM, { name: 'test-rules', doc: { version: 1, ...doc } }]);
const BASE_RULES = {
  collateral: { USDT: '1', USDC: '1', BTC: '0.95' },
  umBrackets: { BTCUSDT: flatUm('0.005'), ETHUSDT: flatUm('0.01') },
  cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.005') } },
  liquidationFee: { default: '0.0125', crossMargin: '0.02' },
};
const OPTIONS: ReplayOptions = { liquidation: { policy: 'full', slippage: new Dec('0.001'), target: new Dec('1.25') }, resolutionMs: HOUR };

function replay(rows: SeriesRow[], doc: Record<string, unknown>, rules: RulesTimeline = rulesOf(BASE_RULES), options = OPTIONS, stalenessMs = HOUR) {
  const rt = rules;
  const timeline = buildMarketTimeline(seriesOf(rows), { stalenessMs });
  return replayPortfolioExact(portfolioOf(doc, rt.base), new ExactPriceBook(timeline), rt, options);
}
// The events as reported (events.arrow's records): a status change the kernel decides carries its
// uniMMR as printed (8 decimals), the exact engine's the whole decimal; both report the same record.
const reported = (r: { events: ReplayEvent[] }) => r.events.map((e) => renderEventRecord('p', e));
const ofType = <T extends ReplayEvent['type']>(events: ReplayEvent[], type: T) => events.filter((e): e is Extract<ReplayEvent, { type: T }> => e.type === type);

describe('a single perpetual through a linear price fall', () => {
  // 1,000 USDT and a 1 BTCUSDT long from 40,000; mark falls 10 USDT a minute; MMR 0.5 %.
  // uniMMR = (1,000 + P − 40,000) / (0.005·P) ≤ x  ⇔  P ≤ 39,000 / (1 − 0.005·x):
  //   x = 1.5  → P ≤ 39,294.71 → minute 71 (P = 39,290)  MARGIN_CALL
  //   x = 1.2  → P ≤ 39,235.41 → minute 77 (P = 39,230)  REDUCE_ONLY
  //   x = 1.05 → P ≤ 39,205.83 → minute 80 (P = 39,200)  FORCE_LIQUIDATION
  const rows = [...everyMinute(T0, 120, 'USDT', 'index', () => 1), ...everyMinute(T0, 120, 'BTCUSDT', 'mark', (m) => 40_000 - 10 * m)];
  const r = replay(rows, { balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] });

  it('changes status at the derived minutes', () => {
    expect(ofType(r.events, 'riskLevelChange').map((e) => [e.to, (e.time - T0) / MINUTE])).toEqual([
      ['NORMAL', 0], ['MARGIN_CALL', 71], ['REDUCE_ONLY', 77], ['FORCE_LIQUIDATION', 80], ['NORMAL', 80],
    ]);
  });
  it('liquidates at minute 80 with slippage and a fee capped by what is left', () => {
    const [liq] = ofType(r.events, 'liquidation');
    expect((liq!.time - T0) / MINUTE).toBe(80);
    // closes at 39,200·(1 − 0.001) = 39,160.8: realized 1·(39,160.8 − 40,000) = −839.2, leaving 160.8;
    // the 1.25 % fee on 39,160.8 (489.51) is capped at the 160.8 left.
    expect(liq!.legs.map((l) => [l.name, l.price.toString(), l.realizedPnl.toString(), l.feeUSD.toString()])).toEqual([['BTCUSDT', '39160.8', '-839.2', '160.8']]);
    expect(ofType(r.events, 'bankruptcy')).toEqual([]);
    expect(r.final!.accountEquity.toString()).toBe('0');
    expect(r.liquidations).toBe(1);
    // the worst point: 1,000 − 800 = 200 over 0.005·39,200 = 196 → 1.0204...
    expect(r.minUniMMR!.toFixed(6)).toBe('1.020408');
    expect((r.minUniMMRTime! - T0) / MINUTE).toBe(80);
  });
  it('keeps each hour bucket at its minimum uniMMR', () => {
    // hour 1 never leaves NORMAL (minute 59: 2.08); hour 2 holds the liquidation
    expect(r.timeline.map((row) => row.status)).toEqual(['NORMAL', 'FORCE_LIQUIDATION']);
    // first hour's minimum is at minute 59: (1,000 − 590) / (0.005·39,410) = 2.0807...
    expect(r.timeline[0]!.uniMMR!.toFixed(4)).toBe('2.0807');
    expect(r.timeline[1]!.uniMMR!.toFixed(4)).toBe('1.0204');
  });
});

describe('funding over a known schedule', () => {
  const rows: SeriesRow[] = [
    ...everyMinute(T0, 24 * 60, 'USDT', 'index', () => 1),
    ...everyMinute(T0, 24 * 60, 'BTC', 'index', () => 40_000),
    ...everyMinute(T0, 24 * 60, 'BTCUSDT', 'mark', (m) => (m < 16 * 60 ? 40_000 : 41_000)),
    ...everyMinute(T0, 24 * 60, 'BTCUSD_PERP', 'mark', () => 40_000),
    // realized funding rows carry millisecond jitter, as Binance's do
    [T0 + 8 * HOUR + 3, 'BTCUSDT', 'funding', 0.0001],
    [T0 + 16 * HOUR + 7, 'BTCUSDT', 'funding', -0.0002],
    [T0 + 8 * HOUR + 2, 'BTCUSD_PERP', 'funding', 0.0001],
  ];
  const r = replay(rows, {
    balances: [{ asset: 'USDT', umWalletBalance: '100000' }, { asset: 'BTC', cmWalletBalance: '1' }],
    umPositions: [{ symbol: 'BTCUSDT', positionAmt: '2', entryPrice: '40000' }],
    cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '100', entryPrice: '40000' }],
  });
  it('pays −amt·mark·rate at each funding time, with the mark in force then', () => {
    const f = ofType(r.events, 'funding');
    // UM 08:00: −2·40,000·0.0001 = −8 USDT; 16:00: −2·41,000·(−0.0002) = +16.4 USDT
    // CM 08:00: −100·100/40,000·0.0001 = −0.000025 BTC
    expect(f.map((e) => [e.time - T0, e.symbol, e.asset, e.amount.toString()])).toEqual([
      [8 * HOUR + 2, 'BTCUSD_PERP', 'BTC', '-0.000025'],
      [8 * HOUR + 3, 'BTCUSDT', 'USDT', '-8'],
      [16 * HOUR + 7, 'BTCUSDT', 'USDT', '16.4'],
    ]);
    const usdt = r.final!.assets.find((a) => a.asset === 'USDT')!;
    // wallet 100,000 − 8 + 16.4, plus PnL 2·(41,000 − 40,000)
    expect(usdt.net.toString()).toBe('102008.4');
  });
  it('says when a perpetual has no funding series', () => {
    const r2 = replay(rows.filter((x) => x[2] !== 'funding'), { balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.01', entryPrice: '40000' }] });
    expect(r2.warnings).toEqual(['no funding series for BTCUSDT: its funding is taken as 0']);
  });
});

describe('interest', () => {
  it('1,000 USDC at 0.001 %/h borrowed 13:20 and repaid 14:15 costs 2 hours: 0.02 USDC', () => {
    const start = Date.UTC(2024, 2, 12, 13, 0);
    const rows = [...everyMinute(start, 120, 'USDC', 'index', () => 1)];
    const rules = rulesOf({ ...BASE_RULES, loanInterestHourly: { default: '0.00001' } });
    const r = replay(rows, {
      marginLeverage: 5,
      balances: [{ asset: 'USDC', crossMarginFree: '500' }],
      actions: [
        { time: start + 20 * MINUTE, type: 'borrow', asset: 'USDC', amount: '1000' },
        { time: start + 75 * MINUTE, type: 'repay', asset: 'USDC', amount: '2000' },
      ],
    }, rules);
    // charged at borrow (13:20, first hour) and at 14:00, 1,000·0.00001 = 0.01 each; repaid before 15:00
    expect(ofType(r.events, 'interest').map((e) => [(e.time - start) / MINUTE, e.amount.toString()])).toEqual([[20, '0.01'], [60, '0.01']]);
    expect(ofType(r.events, 'action').map((e) => e.detail)).toEqual(["borrowed; first hour's interest 0.01 USDC", 'repaid 1000.02 (0.02 interest)']);
    expect(r.final!.assets.find((a) => a.asset === 'USDC')!.net.toString()).toBe('499.98');
  });
  it('negative futures balance: −10,050 USDT with threshold 10,000 at 0.1 %/day → 0.05 USDT at 00:00', () => {
    const start = Date.UTC(2025, 5, 1, 23, 0);
    const rows = [...everyMinute(start, 120, 'USDT', 'index', () => 1), ...everyMinute(start, 120, 'BTC', 'index', () => 100_000)];
    const rules = rulesOf({ ...BASE_RULES, negativeBalanceInterest: { dailyRate: '0.001', thresholdUSD: '10000', effectiveFrom: '2025-05-17T00:00:00Z' } });
    const r = replay(rows, { balances: [{ asset: 'USDT', umWalletBalance: '-10050' }, { asset: 'BTC', crossMarginFree: '1' }] }, rules);
    // |min(−10,050 + 10,000, 0)|·0.001 = 0.05
    expect(ofType(r.events, 'interest').map((e) => [e.time, e.kind, e.amount.toString()])).toEqual([[Date.UTC(2025, 5, 2), 'negativeBalance', '0.05']]);
  });
});

describe('the interest events add up to the interest charged', () => {
  // 22:00–01:59 UTC of 2025-06-01/02, minute prices (USDT, USDC 1; BTC and the BTCUSDT mark 100,000),
  // loans at 0.001 %/h, negative futures balances at 0.1 %/day from 0 (VIP 0):
  //   USDT: borrow 1,000 at 22:30:30 (0.01 at borrow, 0.01 at 23:00); repay 500.02 at 23:15 (0.02
  //         interest, 500 principal); 0.005 on the 500 left at 00:00; all repaid at 00:30.
  //         Futures: wallet 500 with a 0.1 BTCUSDT long from 110,000, closed at 23:59:30 at the mark
  //         100,000: wallet −500 at 00:00 → 500·0.001 = 0.5. Loan interest 0.025, total 0.525.
  //   USDC: futures wallet −2,000 from the start → 2,000·0.001 = 2 at 00:00.
  //   BTC:  borrow 0.01 at 23:59:30 (between the 23:59 step and the hour): 0.01·0.00001 = 0.0000001
  //         at borrow, at 00:00 and at 01:00 → 0.0000003.
  // Nothing else moves a net balance (borrows and repays leave it as it is; the long's loss is in
  // the net before and after it is closed), so each asset's interest events sum to its net's fall.
  const start = Date.UTC(2025, 5, 1, 22, 0);
  const time = (h: number, m: number, s = 0) => Date.UTC(2025, 5, h < 22 ? 2 : 1, h, m, s);
  const rows: SeriesRow[] = [
    ...everyMinute(start, 240, 'USDT', 'index', () => 1), ...everyMinute(start, 240, 'USDC', 'index', () => 1),
    ...everyMinute(start, 240, 'BTC', 'index', () => 100_000), ...everyMinute(start, 240, 'BTCUSDT', 'mark', () => 100_000),
  ];
  const rules = rulesOf({ ...BASE_RULES, loanInterestHourly: { default: '0.00001' }, negativeBalanceInterest: { dailyRate: '0.001', thresholdUSD: '0', effectiveFrom: '2025-05-17T00:00:00Z' } });
  const portfolio = portfolioOf({
    marginLeverage: 5,
    balances: [{ asset: 'USDT', crossMarginFree: '2000', umWalletBalance: '500' }, { asset: 'USDC', umWalletBalance: '-2000' }, { asset: 'BTC', crossMarginFree: '1' }],
    umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.1', entryPrice: '110000' }],
    actions: [
      { time: time(22, 30, 30), type: 'borrow', asset: 'USDT', amount: '1000' },
      { time: time(23, 15), type: 'repay', asset: 'USDT', amount: '500.02' },
      { time: time(23, 59, 30), type: 'borrow', asset: 'BTC', amount: '0.01' },
      { time: time(23, 59, 30), type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'SELL', qty: '0.1' },
      { time: time(0, 30), type: 'repay', asset: 'USDT', amount: '10000' },
    ],
  }, rules.base);
  const book = new ExactPriceBook(buildMarketTimeline(seriesOf(rows), { stalenessMs: HOUR }));
  const exact = replayPortfolioExact(portfolio, book, rules, OPTIONS);
  const fast = replayPortfolio(portfolio, book, rules, OPTIONS, fastSlotsOf([portfolio], rules.base, book.timeline)[0]);
  const initialNet: Record<string, string> = { USDT: '1500', USDC: '-2000', BTC: '1' };

  it('charges every hour a loan is outstanding at and every 00:00 a futures balance is negative at, each one event', () => {
    const clock = (t: number) => new Date(t).toISOString().slice(11, 19);
    expect(ofType(exact.events, 'interest').map((e) => [clock(e.time), e.asset, e.kind, e.amount.toFixed()])).toEqual([
      ['22:30:30', 'USDT', 'loan', '0.01'],
      ['23:00:00', 'USDT', 'loan', '0.01'],
      ['23:59:30', 'BTC', 'loan', '0.0000001'],
      ['00:00:00', 'USDT', 'loan', '0.005'],
      ['00:00:00', 'BTC', 'loan', '0.0000001'],
      ['00:00:00', 'USDT', 'negativeBalance', '0.5'],
      ['00:00:00', 'USDC', 'negativeBalance', '2'],
      ['01:00:00', 'BTC', 'loan', '0.0000001'],
    ]);
    expect(ofType(exact.events, 'action').map((e) => e.detail)).toEqual([
      "borrowed; first hour's interest 0.01 USDT", 'repaid 500.02 (0.02 interest)', "borrowed; first hour's interest 1e-7 BTC",
      'filled at 100000; position 0 @ 110000; realized -1000 USDT', 'repaid 500.005 (0.005 interest)',
    ]);
  });
  it.each([['exact', exact], ['fast', fast]])('sums, per asset, to the fall of its net balance (%s engine)', (_engine, r) => {
    for (const asset of ['USDT', 'USDC', 'BTC']) {
      const charged = ofType(r.events, 'interest').filter((e) => e.asset === asset).reduce((sum, e) => sum.plus(e.amount), new Dec(0));
      const finalNet = r.final!.assets.find((a) => a.asset === asset)!.net;
      expect([asset, charged.toFixed()]).toEqual([asset, new Dec(initialNet[asset]!).minus(finalNet).toFixed()]);
    }
    // the USDT loans' interest, all repaid: 0.02 + 0.005 = the USDT loan events' 0.01 + 0.01 + 0.005
    const repaid = ofType(r.events, 'action').map((e) => /\((.*) interest\)/.exec(e.detail)?.[1]).filter((x) => x !== undefined).reduce((sum, x) => sum.plus(x), new Dec(0));
    const usdtLoanEvents = ofType(r.events, 'interest').filter((e) => e.asset === 'USDT' && e.kind === 'loan').reduce((sum, e) => sum.plus(e.amount), new Dec(0));
    expect([repaid.toFixed(), usdtLoanEvents.toFixed()]).toEqual(['0.025', '0.025']);
  });
  it('is the same through the fast kernel, which takes the quiet steps', () => {
    expect(reported(fast)).toEqual(reported(exact));
    expect(fast.kernelSteps).toBeGreaterThan(100);
  });
});

describe('with the fast kernel', () => {
  it('reports what the exact replay reports, the kernel taking the quiet steps', () => {
    // the linear fall above: 120 steps, liquidated at minute 80
    const rows = [...everyMinute(T0, 120, 'USDT', 'index', () => 1), ...everyMinute(T0, 120, 'BTCUSDT', 'mark', (m) => 40_000 - 10 * m)];
    const rules = rulesOf(BASE_RULES);
    const book = new ExactPriceBook(buildMarketTimeline(seriesOf(rows), { stalenessMs: HOUR }));
    const portfolio = portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rules.base);
    const exact = replayPortfolioExact(portfolio, book, rules, OPTIONS);
    const fast = replayPortfolio(portfolio, book, rules, OPTIONS, fastSlotsOf([portfolio], rules.base, book.timeline)[0]);
    expect(reported(fast)).toEqual(reported(exact));
    expect([fast.steps, fast.liquidations, fast.final!.accountEquity.toString()]).toEqual([exact.steps, 1, exact.final!.accountEquity.toString()]);
    expect(fast.kernelSteps).toBeGreaterThan(60);
    // Exact steps: the first (no status yet) and the liquidation's at minute 80. The margin call at
    // minute 71 and reduce-only at 77 are decided by the kernel, their uniMMR as printed (1.47620259,
    // 1.17257201: the exact 1.4762025960… and 1.1725720112… cut to 8 decimals).
    expect(fast.steps - fast.kernelSteps).toBe(2);
    const changes = (r: typeof fast) => ofType(r.events, 'riskLevelChange').map((e) => [(e.time - T0) / MINUTE, e.to, e.uniMMR?.toString()]);
    expect(changes(fast).slice(1, 3)).toEqual([[71, 'MARGIN_CALL', '1.47620259'], [77, 'REDUCE_ONLY', '1.17257201']]);
    expect(changes(exact).slice(1, 3).map(([, , u]) => String(u).slice(0, 10))).toEqual(['1.47620259', '1.17257201']);
  });
});
