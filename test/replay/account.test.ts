import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { addToBalance, clonePortfolio, findOrAddBalance, hasExposure } from '../../src/replay/account.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { rulesTimelineOf } from '../helpers/replay.js';

const rules = rulesTimelineOf().base;

describe('account', () => {
  it('clones balances and positions deeply enough that changing the copy leaves the original', () => {
    const original = portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '10' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rules);
    const copy = clonePortfolio(original);
    addToBalance(copy, 'USDT', 'umWalletBalance', new Dec(5));
    copy.umPositions[0]!.positionAmt = new Dec(2);
    expect([original.balances[0]!.umWalletBalance.toString(), original.umPositions[0]!.positionAmt.toString()]).toEqual(['10', '1']);
    expect(copy.balances[0]!.umWalletBalance.toString()).toBe('15');
  });
  it('adds a zero balance for an asset not held, once', () => {
    const p = portfolioOf({}, rules);
    const b = findOrAddBalance(p, 'BTC');
    expect(findOrAddBalance(p, 'BTC')).toBe(b);
    expect([p.balances.length, b.crossMarginFree.toString()]).toEqual([1, '0']);
  });
  it('has exposure with a position or a loan', () => {
    expect(hasExposure(portfolioOf({ balances: [{ asset: 'USDT', crossMarginFree: '10' }] }, rules))).toBe(false);
    expect(hasExposure(portfolioOf({ balances: [{ asset: 'USDT', crossMarginBorrowed: '10' }] }, rules))).toBe(true);
  });
});
