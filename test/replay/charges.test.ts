import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { applyFunding, applyLoanInterest, applyNegativeBalanceInterest, calculateCmFunding, calculateUmFunding } from '../../src/replay/charges.js';
import { amount, contracts, contractSize, price, propertyRuns, propertySeed, sameDec } from '../helpers/decimals.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { rulesTimelineOf } from '../helpers/replay.js';

const rules = rulesTimelineOf({ negativeBalanceInterest: { dailyRate: '0.001', thresholdUSD: '100' } }).base;
const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000' });

describe('applyFunding', () => {
  it('charges a long −amt·mark·rate into its futures wallet', () => {
    const p = portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '100' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '2', entryPrice: '40000' }] }, rules);
    // −2·40,000·0.0001 = −8
    expect(applyFunding(p, 'BTCUSDT', new Dec('0.0001'), market, rules, 1)!.map((e) => e.type === 'funding' && e.amount.toString())).toEqual(['-8']);
    expect(p.balances[0]!.umWalletBalance.toString()).toBe('92');
    expect(applyFunding(p, 'BTCUSDT', new Dec('0.0001'), marketOf({ USDT: '1' }), rules, 1)).toBeUndefined();
    expect(applyFunding(p, 'ETHUSDT', new Dec('0.0001'), market, rules, 1)).toEqual([]);
  });
});

describe('applyLoanInterest', () => {
  it('adds an hour of interest on each loan', () => {
    const p = portfolioOf({ balances: [{ asset: 'USDT', crossMarginBorrowed: '5000', crossMarginFree: '5000' }] }, rules);
    applyLoanInterest(p, rules, 1);
    // 5,000·0.0001 = 0.5
    expect(p.balances[0]!.crossMarginInterest.toString()).toBe('0.5');
  });
});

describe('applyNegativeBalanceInterest', () => {
  it('charges |min(balance·P + threshold, 0)|·rate, and names the assets it cannot price', () => {
    const p = portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '-1100' }, { asset: 'ETH', umWalletBalance: '-1' }] }, rules);
    const { events, unpriced } = applyNegativeBalanceInterest(p, market, rules, 1);
    // |−1,100 + 100|·0.001 = 1 USDT
    expect(events.map((e) => e.type === 'interest' && e.amount.toString())).toEqual(['1']);
    expect(unpriced).toEqual(['ETH']);
    expect(p.balances[0]!.umWalletBalance.toString()).toBe('-1101');
  });
});

describe('calculateUmFunding: −amt·mark·rate with Dec\'s digits, one product a payment when it is exact', () => {
  const dec = (a: Dec, mark: Dec, rate: Dec) => a.times(mark).times(rate).neg();
  it('equals the Dec formula on random amounts (rounded products and zeros included)', () => {
    fc.assert(fc.property(amount, price, amount, (a, mark, rate) => sameDec(calculateUmFunding(a, mark, rate), dec(a, mark, rate))), { numRuns: 5 * propertyRuns, seed: propertySeed });
  });
  it('the same digits on funding-like operands, and a zero\'s sign as Dec gives it', () => {
    const [mark, rate] = [new Dec('60123.45678901234'), new Dec('0.0001')];
    for (const a of ['0.153', '-2.5', '123456.789', '1e-8', '99999999999999999999.99999']) expect(sameDec(calculateUmFunding(new Dec(a), mark, rate), dec(new Dec(a), mark, rate))).toBe(true);
    for (const [a, r] of [[new Dec(0), rate], [new Dec(-0), rate], [new Dec(2), new Dec(0)], [new Dec(-2), new Dec(-0)]] as const) {
      const paid = calculateUmFunding(a, mark, r);
      expect([paid.isZero(), paid.s]).toEqual([true, dec(a, mark, r).s]);
    }
  });
});

describe('calculateCmFunding: −contracts·size/mark·rate in scaled integers, Dec\'s digits', () => {
  const dec = (n: Dec, s: Dec, mark: Dec, rate: Dec) => n.times(s).div(mark).times(rate).neg();
  it('equals the Dec formula on random amounts', () => {
    fc.assert(fc.property(contracts, contractSize, price, amount, (n, s, mark, rate) => sameDec(calculateCmFunding(n, s, mark, rate), dec(n, s, mark, rate))), { numRuns: 5 * propertyRuns, seed: propertySeed });
  });
  it('zeros keep Dec\'s sign: a zero rate or position pays −0 or +0 as Dec does', () => {
    for (const [n, rate] of [[new Dec(5), new Dec(0)], [new Dec(-5), new Dec(0)], [new Dec(0), new Dec('0.0001')], [new Dec(-0), new Dec('-0.0001')]] as const) {
      const paid = calculateCmFunding(n, new Dec(10), new Dec(50_000), rate);
      expect([paid.isZero(), paid.s]).toEqual([true, dec(n, new Dec(10), new Dec(50_000), rate).s]);
    }
  });
});
