import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import type { MarginOpenOrder, OrderSide } from '../../../src/domain/types.js';
import { calculateOrderOpenLoss } from '../../../src/engine/exact/open-loss.js';
import { calculateAccountSnapshot } from '../../../src/engine/exact/snapshot.js';
import { flatUm, makeRules } from '../../helpers/rules.js';
import { marketOf, portfolioOf } from '../../helpers/portfolio.js';

// src/engine/exact/open-loss.ts: the project's default open-loss formula (docs/margin-rules.md §2
// "Open loss"): selling qs of S for qb of B loses max(0, qs·P_S·cr_S − qb·P_B·cr_B).

const d = (x: string | number) => new Dec(x);
const order = (side: OrderSide, price: string, openQty: string): MarginOpenOrder => ({ symbol: 'ETHUSDT', side, price: d(price), openQty: d(openQty), baseAsset: 'ETH', quoteAsset: 'USDT' });
const leg = (indexPrice: string, collateralRate: string) => ({ indexPrice: d(indexPrice), collateralRate: d(collateralRate) });
const ETH = leg('2000', '0.8');
const USDT = leg('1', '1');

describe('calculateOrderOpenLoss', () => {
  it('BUY: pays the quote, receives the base: 2 × 2,500 × 1 × 1 − 2 × 2,000 × 0.8 = 5,000 − 3,200 = 1,800', () => {
    expect(calculateOrderOpenLoss(order('BUY', '2500', '2'), ETH, USDT).toString()).toBe('1800');
  });
  it('SELL: gives the base, receives the quote: 1 × 2,000 × 0.8 − 1 × 1,500 × 1 × 1 = 1,600 − 1,500 = 100', () => {
    expect(calculateOrderOpenLoss(order('SELL', '1500', '1'), ETH, USDT).toString()).toBe('100');
  });
  it('is never negative: a SELL into better collateral loses nothing (1,600 − 2,000 < 0 → 0)', () => {
    expect(calculateOrderOpenLoss(order('SELL', '2000', '1'), ETH, USDT).toString()).toBe('0');
  });
  it('is never negative: a BUY below the base\'s collateral value loses nothing (1,000 − 1,600 < 0 → 0)', () => {
    expect(calculateOrderOpenLoss(order('BUY', '1000', '1'), ETH, USDT).toString()).toBe('0');
  });
  it('the quote leg is valued at its own index price and rate (an ETHBTC order)', () => {
    // quote BTC at 40,000 with rate 0.95, price 0.05 BTC per ETH: 1 × 0.05 × 40,000 × 0.95 = 1,900;
    // base 1 × 2,000 × 0.8 = 1,600 → loss 300
    const o: MarginOpenOrder = { symbol: 'ETHBTC', side: 'BUY', price: d('0.05'), openQty: d('1'), baseAsset: 'ETH', quoteAsset: 'BTC' };
    expect(calculateOrderOpenLoss(o, ETH, leg('40000', '0.95')).toString()).toBe('300');
  });
  it('a zero collateral rate on the bought asset makes the whole payment a loss', () => {
    // 0.5 × 2,500 × 1 − 0.5 × 2,000 × 0 = 1,250
    expect(calculateOrderOpenLoss(order('BUY', '2500', '0.5'), leg('2000', '0'), USDT).toString()).toBe('1250');
  });
  it('no open quantity, no loss', () => {
    expect(calculateOrderOpenLoss(order('BUY', '2500', '0'), ETH, USDT).isZero()).toBe(true);
  });
});

// Moved from test/engine/golden.test.ts: open loss through the snapshot, which picks the legs' prices
// and marginal collateral rates and applies it only in mode PM.
describe('open loss (mode PM, docs/margin-rules.md §2 default formula)', () => {
  const rules = makeRules({ collateral: { USDT: '1', ETH: '0.8' }, umBrackets: { ETHUSDT: flatUm('0.01') } });
  const doc = (mode: string) => ({
    mode,
    balances: [{ asset: 'USDT', crossMarginFree: '10000' }],
    umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }],
    marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2500', origQty: '2', executedQty: '1' }],
  });
  const market = marketOf({ USDT: '1', ETH: '2000' }, { ETHUSDT: '2000' });
  it('BUY 1 ETH at 2,500 USDT: loses 2,500·1 − 1·2,000·0.8 = 900', () => {
    const s = calculateAccountSnapshot(portfolioOf(doc('PM'), rules), market, rules);
    expect(s.totalMarginOpenLoss.toString()).toBe('900');
    expect(s.adjustedEquity.toString()).toBe('9100');
    // MM 1·2,000·1% = 20 → uniMMR 9,100/20 = 455
    expect(s.uniMMR!.toString()).toBe('455');
  });
  it('PM_PRO has no open-loss term', () => {
    const s = calculateAccountSnapshot(portfolioOf(doc('PM_PRO'), rules), market, rules);
    expect(s.totalMarginOpenLoss.isZero()).toBe(true);
    expect(s.uniMMR!.toString()).toBe('500');
  });
  it('a SELL that swaps into better collateral has no open loss', () => {
    const p = portfolioOf({ ...doc('PM'), marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'SELL', price: '2000', origQty: '1' }] }, rules);
    // sells 1 ETH (2,000·0.8 = 1,600) for 2,000 USDT (2,000·1): max(0, 1,600 − 2,000) = 0
    expect(calculateAccountSnapshot(p, market, rules).totalMarginOpenLoss.isZero()).toBe(true);
  });
});

describe('open loss at the marginal collateral rate (the tier the current holding is in)', () => {
  // ETH tiers: 95 % up to 5,000 USD, 80 % above. BUY 1 ETH at 2,500 USDT.
  const rules = makeRules({ collateral: { USDT: '1', ETH: [{ tierFloor: 0, tierCap: 5000, collateralRate: '0.95' }, { tierFloor: 5000, tierCap: 1e12, collateralRate: '0.8' }] } });
  const market = marketOf({ USDT: '1', ETH: '2000' });
  const lossHolding = (eth: string) => calculateAccountSnapshot(portfolioOf({
    balances: [{ asset: 'USDT', crossMarginFree: '10000' }, { asset: 'ETH', crossMarginFree: eth }],
    marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2500', origQty: '1' }],
  }, rules), market, rules).totalMarginOpenLoss.toString();
  it('holding 2 ETH (4,000 USD, first tier): 2,500 − 2,000 × 0.95 = 600', () => {
    expect(lossHolding('2')).toBe('600');
  });
  it('holding 3 ETH (6,000 USD, second tier): 2,500 − 2,000 × 0.8 = 900', () => {
    expect(lossHolding('3')).toBe('900');
  });
  it('holding exactly the tier floor (2.5 ETH = 5,000 USD) already takes the second tier\'s rate: 900', () => {
    expect(lossHolding('2.5')).toBe('900');
  });
  it('holding none: the first tier\'s rate (a zero holding): 600', () => {
    expect(calculateAccountSnapshot(portfolioOf({
      balances: [{ asset: 'USDT', crossMarginFree: '10000' }],
      marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2500', origQty: '1' }],
    }, rules), market, rules).totalMarginOpenLoss.toString()).toBe('600');
  });
});
