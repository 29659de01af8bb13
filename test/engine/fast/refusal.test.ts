import { describe, expect, it } from 'vitest';
import type { RulesTimeline } from '../../../src/domain/types.js';
import { findFastKernelRefusal } from '../../../src/engine/fast/refusal.js';
import { buildRulesTimeline } from '../../../src/rules/build.js';
import { portfolioOf } from '../../helpers/portfolio.js';
import { flatCm, flatUm, PROGRAM } from '../../helpers/rules.js';

// src/engine/fast/refusal.ts: the inputs the kernel will not replay (docs/architecture.md "Engines"):
// dated rule changes, any amount of 1e12 or more (float64 would lose cents), and any entry, order or
// trade price of 1e12 or more.

const TABLES = {
  version: 1,
  collateral: { USDT: '1', BTC: '0.95' },
  umBrackets: { BTCUSDT: flatUm('0.01') },
  cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.01') } },
};
const RULES: RulesTimeline = buildRulesTimeline([PROGRAM, { name: 'tables', doc: TABLES }]);
const DATED: RulesTimeline = buildRulesTimeline([PROGRAM, { name: 'tables', doc: { ...TABLES, dated: [{ effectiveFrom: '2024-07-01T00:00:00Z', collateral: { BTC: '0.9' } }] } }]);
const T = Date.UTC(2024, 5, 1);
const refusal = (doc: Record<string, unknown>, rules = RULES) => findFastKernelRefusal(portfolioOf(doc, rules.base), rules);
const AMOUNT = 'an amount of 1000000000000 or more: float64 would not keep its cents';
const PRICE = 'a price of 1000000000000 or more (an entry, order or trade price): float64 would not keep its cents';

describe('findFastKernelRefusal', () => {
  it('accepts an ordinary portfolio (every kind of amount, well below 1e12)', () => {
    expect(refusal({
      balances: [{ asset: 'USDT', crossMarginFree: '5000', crossMarginLocked: '10', crossMarginBorrowed: '2000', crossMarginInterest: '0.5', umWalletBalance: '-300', cmWalletBalance: '0', marginLeverage: 3 }],
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-2', entryPrice: '40000' }],
      cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '50', entryPrice: '40000' }],
      actions: [{ time: T, type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'BUY', qty: '1' }, { time: T, type: 'borrow', asset: 'USDT', amount: '100' }],
    })).toBeUndefined();
  });
  it('accepts an empty portfolio', () => {
    expect(refusal({})).toBeUndefined();
  });

  it('refuses dated rule changes, whatever the portfolio', () => {
    expect(DATED.changes).toHaveLength(1);
    expect(refusal({}, DATED)).toBe('dated rule changes: the kernel flattens one version of the rule tables');
    // checked first: a huge amount under dated rules still names the rules
    expect(refusal({ balances: [{ asset: 'USDT', crossMarginFree: '1e13' }] }, DATED)).toMatch(/^dated rule changes/);
  });

  it.each(['crossMarginFree', 'crossMarginLocked', 'crossMarginBorrowed', 'crossMarginInterest', 'umWalletBalance', 'cmWalletBalance'])('refuses a balance\'s %s of 1e12', (field) => {
    expect(refusal({ balances: [{ asset: 'USDT', crossMarginFree: '1', [field]: '1000000000000' }] })).toBe(AMOUNT);
  });
  it('refuses a negative wallet balance of −1e12 (the size counts, not the sign)', () => {
    expect(refusal({ balances: [{ asset: 'USDT', umWalletBalance: '-1000000000000' }] })).toBe(AMOUNT);
  });
  it('accepts an amount a cent below 1e12 (the bound is 1e12 itself)', () => {
    expect(refusal({ balances: [{ asset: 'USDT', crossMarginFree: '999999999999.99', umWalletBalance: '-999999999999.99' }] })).toBeUndefined();
  });
  it('reads the size from the decimal, not its digits: 40 nines below 1e12 pass, anything from 1e12 up does not', () => {
    expect(refusal({ balances: [{ asset: 'USDT', crossMarginFree: `999999999999.${'9'.repeat(28)}`, umWalletBalance: '-0.000000001' }] })).toBeUndefined();
    expect(refusal({ balances: [{ asset: 'USDT', crossMarginFree: '1000000000000.00000001' }] })).toBe(AMOUNT);
    expect(refusal({ balances: [{ asset: 'USDT', umWalletBalance: '-12345678901234567' }] })).toBe(AMOUNT);
  });
  it('refuses a UM or CM position of 1e12 (long or short)', () => {
    expect(refusal({ umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1000000000000', entryPrice: '1' }] })).toBe(AMOUNT);
    expect(refusal({ cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '-1000000000000', entryPrice: '40000' }] })).toBe(AMOUNT);
  });
  it('refuses a scheduled trade quantity or a transfer, borrow or repay amount of 1e12', () => {
    const big = '1000000000000';
    expect(refusal({ actions: [{ time: T, type: 'trade', market: 'CM', symbol: 'BTCUSD_PERP', side: 'SELL', qty: big }] })).toBe(AMOUNT);
    expect(refusal({ actions: [{ time: T, type: 'transfer', asset: 'USDT', amount: big, from: 'external', to: 'um' }] })).toBe(AMOUNT);
    expect(refusal({ actions: [{ time: T, type: 'borrow', asset: 'USDT', amount: big }] })).toBe(AMOUNT);
    expect(refusal({ actions: [{ time: T, type: 'repay', asset: 'USDT', amount: big }] })).toBe(AMOUNT);
  });
  it('looks at every balance, position and action, not only the first', () => {
    expect(refusal({
      balances: [{ asset: 'USDT', crossMarginFree: '1' }, { asset: 'BTC', crossMarginFree: '2e12' }],
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '1' }],
    })).toBe(AMOUNT);
    expect(refusal({ actions: [{ time: T, type: 'borrow', asset: 'USDT', amount: '1' }, { time: T + 1, type: 'repay', asset: 'USDT', amount: '5e12' }] })).toBe(AMOUNT);
  });
  it('refuses an open order\'s open quantity of 1e12 (origQty − executedQty), not one whose open part is smaller', () => {
    const order = (origQty: string, executedQty = '0') => ({ balances: [{ asset: 'USDT', crossMarginFree: '1' }], marginOpenOrders: [{ symbol: 'BTCUSDT', side: 'BUY', price: '40000', origQty, executedQty }] });
    expect(refusal(order('1000000000000'))).toBe(AMOUNT);
    expect(refusal(order('1000000000000', '1'))).toBeUndefined();
    expect(refusal(order('100000000000'))).toBeUndefined();
  });
  it('refuses an open order\'s limit price of 1e12', () => {
    expect(refusal({ marginOpenOrders: [{ symbol: 'BTCUSDT', side: 'SELL', price: '1000000000000', origQty: '1' }] })).toBe(PRICE);
    expect(refusal({ marginOpenOrders: [{ symbol: 'BTCUSDT', side: 'SELL', price: '999999999999.99', origQty: '1' }] })).toBeUndefined();
  });
  it('refuses a UM or CM entry price of 1e12', () => {
    expect(refusal({ umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '1000000000000' }] })).toBe(PRICE);
    expect(refusal({ cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '-1', entryPrice: '5e12' }] })).toBe(PRICE);
  });
  it('refuses a scheduled trade\'s price of 1e12; a trade at the mark (no price) is fine', () => {
    const trade = (price?: string) => ({ actions: [{ time: T, type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'BUY', qty: '1', ...(price === undefined ? {} : { price }) }] });
    expect(refusal(trade('1000000000000'))).toBe(PRICE);
    expect(refusal(trade('40000'))).toBeUndefined();
    expect(refusal(trade())).toBeUndefined();
  });
  it('names amounts before prices when both are too large', () => {
    expect(refusal({ umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1e12', entryPrice: '1e12' }] })).toBe(AMOUNT);
  });
});
