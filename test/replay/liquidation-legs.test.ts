import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { InvariantError } from '../../src/domain/errors.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { closePosition, isRecovered, sellCollateralForDebts } from '../../src/replay/liquidation-legs.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { rulesTimelineOf } from '../helpers/replay.js';

const rules = rulesTimelineOf().base;
const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000' });

describe('closePosition', () => {
  it('closes at mark − slippage for a long, realizes the PnL and charges the fee', () => {
    const account = portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '5000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '41000' }] }, rules);
    const leg = closePosition(account, market, rules, 'UM', 0, new Dec('0.01'));
    // price 40,000·0.99 = 39,600; realized 39,600 − 41,000 = −1,400; fee 1 %·39,600 = 396
    expect([leg.price.toString(), leg.realizedPnl.toString(), leg.feeUSD.toString()]).toEqual(['39600', '-1400', '396']);
    // 5,000 − 1,400 − 396 = 3,204
    expect(account.balances[0]!.umWalletBalance.toString()).toBe('3204');
    expect(account.umPositions).toEqual([]);
  });
  it('caps the fee at what equity is left', () => {
    const account = portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '100' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rules);
    // realized 0 at 40,000; the 400 fee is capped at the 100 of equity
    expect(closePosition(account, market, rules, 'UM', 0, new Dec(0)).feeUSD.toString()).toBe('100');
  });
  it('throws an InvariantError when the mark price the trigger used is missing', () => {
    const account = portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '100' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rules);
    expect(() => closePosition(account, marketOf({ USDT: '1' }), rules, 'UM', 0, new Dec(0))).toThrow(InvariantError);
  });
});

describe('sellCollateralForDebts', () => {
  it('sells collateral at index − slippage to repay a loan, with the cross-margin fee', () => {
    const account = portfolioOf({ balances: [{ asset: 'USDT', crossMarginBorrowed: '4000' }, { asset: 'BTC', crossMarginFree: '1' }] }, rules);
    const [leg] = sellCollateralForDebts(account, market, rules, new Dec(0));
    // 4,000 USDT owed at 1 → 0.1 BTC sold at 40,000; fee 2 % of 0.1 BTC = 0.002 BTC = 80 USD
    expect([leg!.name, leg!.quantity.toString(), leg!.feeUSD.toString()]).toEqual(['BTC', '0.1', '80']);
    expect(account.balances.map((b) => [b.asset, b.crossMarginFree.toString(), b.crossMarginBorrowed.toString()])).toEqual([['USDT', '0', '0'], ['BTC', '0.898', '0']]);
  });
});

describe('isRecovered', () => {
  it('holds at or above the target with non-negative adjusted equity', () => {
    const snapshot = (wallet: string) => calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: wallet }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rules), market, rules);
    // MM 400: 500 / 400 = 1.25 reaches the target, 499 / 400 does not
    expect(isRecovered(snapshot('500'), new Dec('1.25'))).toBe(true);
    expect(isRecovered(snapshot('499'), new Dec('1.25'))).toBe(false);
  });
});
