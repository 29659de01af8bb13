import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { RulesTimeline } from '../../src/domain/types.js';
import type { ReplayEvent } from '../../src/replay/events.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { replayPortfolioExact, type ReplayOptions } from '../../src/replay/replay-portfolio.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { flatUm, PROGRAM } from '../helpers/rules.js';
import { everyMinute, HOUR, MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';

const T0 = Date.UTC(2024, 2, 12, 0, 0);
const RULES = {
  collateral: { USDT: '1', BTC: '0.95', ETH: '0.9' },
  umBrackets: {
    BTCUSDT: [{ notionalFloor: 0, notionalCap: 100000, maintMarginRatio: '0.01' }, { notionalFloor: 100000, notionalCap: 200000, maintMarginRatio: '0.02' }],
    ETHUSDT: flatUm('0.01'),
  },
  liquidationFee: { default: '0.01', crossMargin: '0.02' },
  loanInterestHourly: { default: '0' },
};
const rulesOf = (extra: Record<string, unknown> = {}, more: { name: string; doc: unknown }[] = []): RulesTimeline =>
  buildRulesTimeline([PROGRAM, { name: 'rules', doc: { version: 1, ...RULES, ...extra } }, ...more]);
const opts = (policy: 'full' | 'stepwise' = 'full', slippage = '0'): ReplayOptions => ({ liquidation: { policy, slippage: new Dec(slippage), target: new Dec('1.25') }, resolutionMs: HOUR });
const flat = (minutes: number, prices: Record<string, (m: number) => number>, kind: 'index' | 'mark'): SeriesRow[] =>
  Object.entries(prices).flatMap(([s, f]) => everyMinute(T0, minutes, s, kind, f));

function run(rows: SeriesRow[], doc: Record<string, unknown>, rules = rulesOf(), options = opts(), stalenessMs = HOUR) {
  const tl = buildMarketTimeline(seriesOf(rows), { stalenessMs });
  return replayPortfolioExact(portfolioOf(doc, rules.base), new ExactPriceBook(tl), rules, options);
}
const ofType = <T extends ReplayEvent['type']>(events: ReplayEvent[], type: T) => events.filter((e): e is Extract<ReplayEvent, { type: T }> => e.type === type);
const at = (m: number) => T0 + m * MINUTE;

const steady = [...flat(60, { USDT: () => 1, BTC: () => 40_000, ETH: () => 2_000 }, 'index'), ...flat(60, { BTCUSDT: () => 40_000, ETHUSDT: () => 2_000 }, 'mark')];

describe('scheduled actions obey the program limits, and a refusal is an event', () => {
  it('applies a trade at the mark and refuses one past the position limit (the largest bracket cap)', () => {
    const r = run(steady, {
      balances: [{ asset: 'USDT', umWalletBalance: '100000' }],
      actions: [
        { time: at(5), type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'BUY', qty: '1' },
        // 1 + 5 = 6 BTC · 40,000 = 240,000 > the 200,000 cap
        { time: at(6), type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'BUY', qty: '5' },
        // a configured limit would replace the cap; a reducing trade is always fine
        { time: at(7), type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'SELL', qty: '0.4', price: '41000' },
      ],
    });
    expect(ofType(r.events, 'action').map((e) => e.detail)).toEqual([
      'filled at 40000; position 1 @ 40000; realized 0 USDT',
      'filled at 41000; position 0.6 @ 40000; realized 400 USDT',
    ]);
    expect(ofType(r.events, 'actionRefused').map((e) => [e.time, e.reason])).toEqual([[at(6), 'position limit: BTCUSDT would reach 240000 notional, limit 200000']]);
  });
  it('refuses position-increasing trades while REDUCE_ONLY, but lets the account reduce', () => {
    const r = run(steady, {
      marginLeverage: 10,
      balances: [{ asset: 'USDT', umWalletBalance: '940', crossMarginFree: '0' }],
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '2', entryPrice: '40000' }],
      actions: [
        { time: at(5), type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'BUY', qty: '0.1' },
        { time: at(6), type: 'borrow', asset: 'USDT', amount: '10' },
        // 1.9 BTC: MM 760, 940/760 = 1.24 → MARGIN_CALL, where increasing is allowed again
        { time: at(7), type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'SELL', qty: '0.1' },
      ],
    });
    // notional 80,000 at 1 %: MM 800; uniMMR 940/800 = 1.175 → REDUCE_ONLY from the start
    expect(r.initial!.accountStatus).toBe('REDUCE_ONLY');
    expect(ofType(r.events, 'actionRefused').map((e) => e.reason)).toEqual([
      'the account is REDUCE_ONLY: only reducing trades are allowed',
      'the account is REDUCE_ONLY: no new loans',
    ]);
    expect(ofType(r.events, 'action').map((e) => e.action)).toEqual(['UM SELL 0.1 BTCUSDT']);
    expect(ofType(r.events, 'riskLevelChange').map((e) => [e.to, (e.time - T0) / MINUTE])).toEqual([['REDUCE_ONLY', 0], ['MARGIN_CALL', 7]]);
  });
  it('refuses a transfer in past the transfer-in limit and a withdrawal that would leave the account below NORMAL', () => {
    const r = run(steady, {
      balances: [{ asset: 'USDT', umWalletBalance: '1000' }],
      umPositions: [{ symbol: 'ETHUSDT', positionAmt: '10', entryPrice: '2000' }],
      actions: [
        { time: at(1), type: 'transfer', asset: 'BTC', amount: '2', from: 'external', to: 'crossMargin' },
        { time: at(2), type: 'transfer', asset: 'USDT', amount: '800', from: 'um', to: 'external' },
        { time: at(3), type: 'transfer', asset: 'USDT', amount: '100', from: 'um', to: 'external' },
      ],
    }, rulesOf({ transferInLimits: { BTC: '1.5' } }));
    // MM = 10·2,000·1 % = 200; withdrawing 800 leaves 200/200 = 1 (FORCE_LIQUIDATION); 100 leaves 900/200 = 4.5
    expect(ofType(r.events, 'actionRefused').map((e) => e.reason)).toEqual([
      'transfer-in limit: BTC holdings would reach 2, limit 1.5',
      'it would leave the account FORCE_LIQUIDATION',
    ]);
    expect(ofType(r.events, 'action').map((e) => e.action)).toEqual(['transfer 100 USDT um → external']);
  });
  it('refuses a borrow past (L − 1) × account equity', () => {
    const r = run(steady, {
      marginLeverage: 3,
      balances: [{ asset: 'USDT', crossMarginFree: '1000' }],
      actions: [
        { time: at(1), type: 'borrow', asset: 'USDT', amount: '1500' },
        // equity stays 1,000 (borrowed cash in, debt out): limit (3 − 1)·1,000 = 2,000; 1,500 + 600 > 2,000
        { time: at(2), type: 'borrow', asset: 'USDT', amount: '600' },
      ],
    });
    expect(ofType(r.events, 'action').map((e) => e.action)).toEqual(['borrow 1500 USDT']);
    expect(ofType(r.events, 'actionRefused')[0]!.reason).toBe('borrow limit at 3x: loans would be 2100 USD, limit 2000 USD ((L − 1) × account equity)');
  });
});

describe('liquidation policies', () => {
  // Two positions; the mark of both falls 2 % at minute 10.
  const crash = (m: number, p: number) => (m < 10 ? p : p * 0.98);
  const rows = [...flat(30, { USDT: () => 1 }, 'index'), ...flat(30, { BTCUSDT: (m) => crash(m, 40_000), ETHUSDT: (m) => crash(m, 2_000) }, 'mark')];
  // After the fall a 2,000 USDT account has 2,000 − 2·800 − 10·40 = 0 left (`doc`); a 2,500 one has
  // 500 against MM 78,400·1 % + 19,600·1 % = 980: uniMMR 0.51 (`milder`). Both are liquidated.
  const doc = { balances: [{ asset: 'USDT', umWalletBalance: '2000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '2', entryPrice: '40000' }, { symbol: 'ETHUSDT', positionAmt: '10', entryPrice: '2000' }] };
  const milder = { ...doc, balances: [{ asset: 'USDT', umWalletBalance: '2500' }] };

  it('full closes everything', () => {
    const r = run(rows, milder, rulesOf({ liquidationFee: { default: '0', crossMargin: '0' } }));
    const [liq] = ofType(r.events, 'liquidation');
    expect(liq!.legs.map((l) => l.name)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(r.final!.accountEquity.toString()).toBe('500');
  });
  it('stepwise closes the largest maintenance margin first and stops at the target', () => {
    // closing BTC (MM 784) leaves 500/196 = 2.55 ≥ 1.25: ETH stays
    const r = run(rows, milder, rulesOf({ liquidationFee: { default: '0', crossMargin: '0' } }), opts('stepwise'));
    const [liq] = ofType(r.events, 'liquidation');
    expect(liq!.legs.map((l) => l.name)).toEqual(['BTCUSDT']);
    expect(r.final!.positions.map((p) => p.symbol)).toEqual(['ETHUSDT']);
    expect(r.final!.uniMMR!.toFixed(4)).toBe('2.5510');
  });
  it('records a bankruptcy and the insurance-fund loss when equity goes below zero', () => {
    // `doc` has 0 left; closing with 0.5 % slippage on 98,000 of notional costs 490 more
    const r = run(rows, doc, rulesOf(), opts('full', '0.005'));
    const [b] = ofType(r.events, 'bankruptcy');
    expect(b!.deficitUSD.toString()).toBe('490');
    expect(r.bankrupt).toBe(true);
    expect(r.bankruptcyLossUSD.toString()).toBe('490');
    // no fee can be charged on an account with nothing left
    expect(ofType(r.events, 'liquidation')[0]!.feesUSD.toString()).toBe('0');
    expect(ofType(r.events, 'riskLevelChange').at(-1)!.to).toBe('BANKRUPTED');
    expect(r.steps).toBe(11); // the replay of a bankrupt account stops
  });
  it('cancels open orders first, and cancels the liquidation when that is enough', () => {
    // PM mode: an order buying 10 ETH at 3,000 loses 10·3,000 − 10·2,000·0.9 = 12,000 of collateral value
    const r = run(steady, {
      balances: [{ asset: 'USDT', crossMarginFree: '12100' }],
      umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }],
      marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '3000', origQty: '10' }],
    });
    // MM 1·2,000·1 % = 20: (12,100 − 12,000)/20 = 5
    expect(r.initial!.uniMMR!.toString()).toBe('5');
    const r2 = run(steady, {
      balances: [{ asset: 'USDT', crossMarginFree: '12020' }],
      umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }],
      marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '3000', origQty: '10' }],
    });
    // (12,020 − 12,000)/20 = 1 ≤ 1.05 → cancel the order → 12,020/20 = 601 → no liquidation
    expect(r2.events.slice(0, 5).map((e) => e.type)).toEqual(['riskLevelChange', 'ordersCancelled', 'liquidationCancelled', 'riskLevelChange']);
    expect(r2.liquidations).toBe(0);
    expect(r2.final!.uniMMR!.toString()).toBe('601');
  });
});

describe('prices are carried forward up to the staleness limit, never invented', () => {
  it('reports a gap when a needed price goes stale and resumes when it returns', () => {
    // BTCUSDT marks stop after minute 9 and return at minute 40; USDT index stays.
    const rows = [...flat(60, { USDT: () => 1 }, 'index'), ...everyMinute(T0, 10, 'BTCUSDT', 'mark', () => 40_000), ...everyMinute(T0 + 40 * MINUTE, 20, 'BTCUSDT', 'mark', () => 40_000)];
    const r = run(rows, { balances: [{ asset: 'USDT', umWalletBalance: '10000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rulesOf(), opts(), 15 * MINUTE);
    // minute 9's price is usable until minute 24; minutes 25–39 are a gap
    const [gap] = ofType(r.events, 'priceGap');
    expect([(gap!.time - T0) / MINUTE, gap!.series, gap!.lastTime]).toEqual([25, 'mark:BTCUSDT', at(9)]);
    expect((ofType(r.events, 'priceGapEnd')[0]!.time - T0) / MINUTE).toBe(40);
    expect(r.gapSteps).toBe(15);
    expect(r.steps).toBe(45);
  });
  it('fails the portfolio, naming the series, when the file has no series at all for a price it needs', () => {
    expect(() => run(steady, { balances: [{ asset: 'SOL', crossMarginFree: '1' }] }, rulesOf({ collateral: { ...RULES.collateral, SOL: '0.9' } })))
      .toThrow('prices: index:SOL: expected an index price series for SOL (portfolio test needs it), got none in the file');
  });
});

describe('dated rules', () => {
  it('uses the bracket table in force at each time', () => {
    const rules = rulesOf({}, [{ name: 'dated.json', doc: { version: 1, dated: [{ effectiveFrom: at(30), umBrackets: { ETHUSDT: flatUm('0.02') } }] } }]);
    const r = run(steady, { balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'ETHUSDT', positionAmt: '10', entryPrice: '2000' }] }, rules);
    // MM 200 then 400 from minute 30: uniMMR 5 then 2.5
    expect(r.timeline[0]!.uniMMR).toBe(2.5);
    expect(r.initial!.uniMMR!.toString()).toBe('5');
  });
});
