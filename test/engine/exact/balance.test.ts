import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import type { Balance } from '../../../src/domain/types.js';
import { addFuturesWallets, calculateBalanceNet, calculateMarginNet } from '../../../src/engine/exact/balance.js';

// src/engine/exact/balance.ts: an asset's net before PnL (docs/margin-rules.md §2 "Equity"):
//   free + locked − borrowed − interest + UM wallet + CM wallet.

const d = (x: string | number) => new Dec(x);
const balance = (f: { free?: string; locked?: string; borrowed?: string; interest?: string; um?: string; cm?: string }): Balance => ({
  asset: 'BTC',
  crossMarginFree: d(f.free ?? 0),
  crossMarginLocked: d(f.locked ?? 0),
  crossMarginBorrowed: d(f.borrowed ?? 0),
  crossMarginInterest: d(f.interest ?? 0),
  umWalletBalance: d(f.um ?? 0),
  cmWalletBalance: d(f.cm ?? 0),
});

describe('calculateMarginNet', () => {
  it('free + locked − borrowed − interest', () => {
    // 1.5 + 0.25 − 0.4 − 0.00012345 = 1.34987655
    expect(calculateMarginNet(balance({ free: '1.5', locked: '0.25', borrowed: '0.4', interest: '0.00012345' })).toString()).toBe('1.34987655');
  });
  it('leaves the futures wallets out', () => {
    expect(calculateMarginNet(balance({ free: '2', um: '1000', cm: '-3' })).toString()).toBe('2');
  });
  it('is negative when the loan and its interest exceed what is held', () => {
    // 0.1 − 0.5 − 0.01 = −0.41
    expect(calculateMarginNet(balance({ free: '0.1', borrowed: '0.5', interest: '0.01' })).toString()).toBe('-0.41');
  });
  it('is zero for an empty balance', () => {
    expect(calculateMarginNet(balance({})).isZero()).toBe(true);
  });
});

describe('addFuturesWallets', () => {
  it('adds the UM and CM wallets to the margin part', () => {
    // 10 + (−2.5) + 0.75 = 8.25
    expect(addFuturesWallets(d(10), balance({ free: '999', um: '-2.5', cm: '0.75' })).toString()).toBe('8.25');
  });
  it('does not read the margin fields of the balance: only the margin part it is given', () => {
    expect(addFuturesWallets(d(0), balance({ free: '5', borrowed: '7', um: '1' })).toString()).toBe('1');
  });
});

describe('calculateBalanceNet', () => {
  it('every field with its sign: free + locked − borrowed − interest + UM + CM', () => {
    // 1,000 + 200 − 300 − 1.5 + (−50) + 0.25 = 848.75
    const b = balance({ free: '1000', locked: '200', borrowed: '300', interest: '1.5', um: '-50', cm: '0.25' });
    expect(calculateBalanceNet(b).toString()).toBe('848.75');
  });
  it('equals the margin part plus the futures wallets', () => {
    const b = balance({ free: '3.3', locked: '0.7', borrowed: '1.1', interest: '0.02', um: '4.4', cm: '-0.9' });
    // margin part 3.3 + 0.7 − 1.1 − 0.02 = 2.88; + 4.4 − 0.9 = 6.38
    expect(calculateMarginNet(b).toString()).toBe('2.88');
    expect(calculateBalanceNet(b).toString()).toBe('6.38');
    expect(calculateBalanceNet(b).eq(addFuturesWallets(calculateMarginNet(b), b))).toBe(true);
  });
  it('a negative futures wallet can take the net below zero (a healthy account may hold one)', () => {
    // 100 − 250 = −150 (PnL is not part of this net)
    expect(calculateBalanceNet(balance({ free: '100', um: '-250' })).toString()).toBe('-150');
  });
  it('keeps 8-decimal amounts exact (no float rounding)', () => {
    // 0.1 + 0.2 = 0.3 exactly; 0.00000001 − 0.00000001 = 0
    expect(calculateBalanceNet(balance({ free: '0.1', locked: '0.2', interest: '0.00000001', cm: '0.00000001' })).toString()).toBe('0.3');
  });
});
