import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import { calculateCmNotionalCoin, calculateCmNotionalCoinDec, calculateCmPnl, calculateCmPnlDec, calculateUmPnl } from '../../../src/engine/exact/pnl.js';
import { formatBinanceDecimal } from '../../../src/records/binance-format.js';
import { contracts, contractSize, price, propertyRuns, propertySeed, sameDec } from '../../helpers/decimals.js';

// src/engine/exact/pnl.ts (docs/margin-rules.md §2 "Maintenance margin" and §5 "PnL").

const d = (x: string | number) => new Dec(x);

// Moved from the former test/engine/golden.test.ts.
describe('docs/margin-rules.md §5 PnL (Binance API samples)', () => {
  it('UM: 0.001 BTCUSDT, entry 22185.2, mark 21123.05052574 → -1.06214947', () => {
    // 0.001·(21123.05052574 − 22185.2) = −1.06214947426 → cut toward zero
    expect(formatBinanceDecimal(calculateUmPnl(d('0.001'), d('22185.2'), d('21123.05052574')))).toBe('-1.06214947');
  });
  it('CM: 1 BTCUSD contract, entry 11707.70000003, mark 11788.66626667 → 0.00005866 BTC', () => {
    // 1·100·(1/11707.70000003 − 1/11788.66626667) = 0.0000586634845... (the comment said 0.0000586604...: a slip; both print 0.00005866)
    expect(formatBinanceDecimal(calculateCmPnl(d(1), d(100), d('11707.70000003'), d('11788.66626667')))).toBe('0.00005866');
  });
  it('CM sample to 40 significant digits: 0.00005866348451334992397112987287819491097300', () => {
    // Python decimal, 40 digits: 100·(1/Decimal('11707.70000003') − 1/Decimal('11788.66626667'))
    expect(calculateCmPnl(d(1), d(100), d('11707.70000003'), d('11788.66626667')).toFixed(20)).toBe('0.00005866348451334992');
  });
});

describe('calculateUmPnl: positionAmt·(mark − entry), in the margin asset', () => {
  it('long gains when the mark rises: 0.5 × (41,000 − 40,000) = 500', () => {
    expect(calculateUmPnl(d('0.5'), d('40000'), d('41000')).toString()).toBe('500');
  });
  it('short loses when the mark rises: −0.5 × (41,000 − 40,000) = −500', () => {
    expect(calculateUmPnl(d('-0.5'), d('40000'), d('41000')).toString()).toBe('-500');
  });
  it('short gains when the mark falls: −0.05 × (40,000 − 52,000) = 600 (docs §10)', () => {
    expect(calculateUmPnl(d('-0.05'), d('52000'), d('40000')).toString()).toBe('600');
  });
  it('zero at the entry price, and for a zero position', () => {
    expect(calculateUmPnl(d('3'), d('2000'), d('2000')).isZero()).toBe(true);
    expect(calculateUmPnl(d('0'), d('2000'), d('2500')).isZero()).toBe(true);
  });
  it('exact in decimals: 0.1 × (0.3 − 0.1) = 0.02, not 0.020000000000000004', () => {
    expect(calculateUmPnl(d('0.1'), d('0.1'), d('0.3')).toString()).toBe('0.02');
  });
});

describe('calculateCmPnl: contracts·contractSize·(1/entry − 1/mark), in the coin', () => {
  it('long loses when the mark falls: 100 × 100 × (1/50,000 − 1/40,000) = 10,000 × (−0.000005) = −0.05 BTC (docs §10)', () => {
    expect(calculateCmPnl(d(100), d(100), d(50000), d(40000)).toString()).toBe('-0.05');
  });
  it('long gains when the mark rises: 10 × 10 × (1/2,000 − 1/2,500) = 100 × 0.0001 = 0.01 ETH', () => {
    expect(calculateCmPnl(d(10), d(10), d(2000), d(2500)).toString()).toBe('0.01');
  });
  it('short is the mirror: −10 × 10 × (1/2,000 − 1/2,500) = −0.01 ETH', () => {
    expect(calculateCmPnl(d(-10), d(10), d(2000), d(2500)).toString()).toBe('-0.01');
  });
  it('the contract size scales it: the same 100 contracts at size 10 lose a tenth (−0.005)', () => {
    expect(calculateCmPnl(d(100), d(10), d(50000), d(40000)).toString()).toBe('-0.005');
  });
  it('zero at the entry price', () => {
    expect(calculateCmPnl(d(7), d(100), d('43210.5'), d('43210.5')).isZero()).toBe(true);
  });
});

describe('calculateCmNotionalCoin: |contracts·contractSize / mark|', () => {
  it('100 contracts × 100 USD / 40,000 = 0.25 BTC', () => {
    expect(calculateCmNotionalCoin(d(100), d(100), d(40000)).toString()).toBe('0.25');
  });
  it('is positive for a short: |−100 × 100 / 40,000| = 0.25', () => {
    expect(calculateCmNotionalCoin(d(-100), d(100), d(40000)).toString()).toBe('0.25');
  });
  it('falls as the mark rises (inverse contract): 100 × 100 / 50,000 = 0.2', () => {
    expect(calculateCmNotionalCoin(d(100), d(100), d(50000)).toString()).toBe('0.2');
  });
  it('zero contracts, zero notional', () => {
    expect(calculateCmNotionalCoin(d(0), d(100), d(40000)).isZero()).toBe(true);
  });
});

describe('calculateCmPnl and calculateCmNotionalCoin, computed in scaled integers, equal their Dec formulas digit for digit', () => {
  it('on random contracts, sizes, entries and marks (mark = entry included: a zero difference)', () => {
    fc.assert(fc.property(contracts, contractSize, price, price, (n, s, entry, mark) =>
      sameDec(calculateCmPnl(n, s, entry, mark), calculateCmPnlDec(n, s, entry, mark))
      && sameDec(calculateCmPnl(n, s, mark, mark), calculateCmPnlDec(n, s, mark, mark))
      && sameDec(calculateCmNotionalCoin(n, s, mark), calculateCmNotionalCoinDec(n, s, mark))), { numRuns: 5 * propertyRuns, seed: propertySeed });
  });
});
