import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import type { StatusThresholds } from '../../../src/domain/types.js';
import { calculateAccountSnapshot } from '../../../src/engine/exact/snapshot.js';
import { findAccountStatus } from '../../../src/engine/exact/status.js';
import { makeRules } from '../../helpers/rules.js';
import { marketOf, portfolioOf } from '../../helpers/portfolio.js';

// src/engine/exact/status.ts: the status ladder of docs/margin-rules.md §3–§4 (default thresholds
// 1.5 / 1.2 / 1.05; each band includes its upper edge).

const d = (x: string | number) => new Dec(x);
const THRESHOLDS: StatusThresholds = { marginCall: d('1.5'), reduceOnly: d('1.2'), liquidation: d('1.05') };

describe('findAccountStatus', () => {
  it.each([
    ['1.50000001', 'NORMAL'],
    ['1.5', 'MARGIN_CALL'], // (1.2, 1.5]: the line itself is a margin call
    ['1.20000001', 'MARGIN_CALL'],
    ['1.2', 'REDUCE_ONLY'], // (1.05, 1.2]
    ['1.05000001', 'REDUCE_ONLY'],
    ['1.05', 'FORCE_LIQUIDATION'], // ≤ 1.05
    ['0', 'FORCE_LIQUIDATION'],
    ['-3', 'FORCE_LIQUIDATION'],
    ['1000', 'NORMAL'],
  ] as const)('uniMMR %s with positive equity → %s', (uniMMR, status) => {
    expect(findAccountStatus(d(100), d(uniMMR), THRESHOLDS)).toBe(status);
  });
  it('negative adjusted equity liquidates whatever uniMMR says, and with no maintenance margin', () => {
    expect(findAccountStatus(d('-0.00000001'), d(1000), THRESHOLDS)).toBe('FORCE_LIQUIDATION');
    expect(findAccountStatus(d(-1), null, THRESHOLDS)).toBe('FORCE_LIQUIDATION');
  });
  it('zero adjusted equity is not negative: with no maintenance margin it is NORMAL (negative zero too)', () => {
    expect(findAccountStatus(d(0), null, THRESHOLDS)).toBe('NORMAL');
    expect(findAccountStatus(d('-0'), null, THRESHOLDS)).toBe('NORMAL');
  });
  it('null uniMMR (no maintenance margin) with positive equity is NORMAL', () => {
    expect(findAccountStatus(d(5), null, THRESHOLDS)).toBe('NORMAL');
  });
  it('reads the thresholds it is given, not the defaults', () => {
    const t: StatusThresholds = { marginCall: d(3), reduceOnly: d(2), liquidation: d(1) };
    expect([d('3.01'), d(3), d('2.5'), d(2), d('1.5'), d(1)].map((u) => findAccountStatus(d(1), u, t))).toEqual([
      'NORMAL', 'MARGIN_CALL', 'MARGIN_CALL', 'REDUCE_ONLY', 'REDUCE_ONLY', 'FORCE_LIQUIDATION',
    ]);
  });
  it('never returns BANKRUPTED (that is the replay\'s, after liquidation)', () => {
    for (const u of ['-100', '-1', '0', '1', '100']) expect(findAccountStatus(d(-1e9), d(u), THRESHOLDS)).toBe('FORCE_LIQUIDATION');
  });
});

// Moved from test/engine/golden.test.ts: the ladder through the snapshot.
describe('status ladder (docs/margin-rules.md §3–§4)', () => {
  const rules = makeRules({ collateral: { USDT: '1' } });
  // USDT equity E and a USDT loan L at 3x (10%): uniMMR = (E − L) / (0.1·L) with E the free balance.
  const statusAt = (free: string, borrowed: string) =>
    calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', crossMarginFree: free, crossMarginBorrowed: borrowed, marginLeverage: 3 }] }, rules), marketOf({ USDT: '1' }), rules);
  it.each([
    ['1150.01', 'NORMAL'], // (1150.01 − 1000)/100 = 1.5001
    ['1150', 'MARGIN_CALL'], // exactly 1.5 → (1.2, 1.5]
    ['1120', 'REDUCE_ONLY'], // exactly 1.2
    ['1105.01', 'REDUCE_ONLY'], // 1.0501
    ['1105', 'FORCE_LIQUIDATION'], // exactly 1.05
  ])('free %s against a 1,000 loan → %s', (free, status) => {
    expect(statusAt(free, '1000').accountStatus).toBe(status);
  });
  it('negative adjusted equity liquidates even with no maintenance margin', () => {
    // −100 USDT futures balance against +0.001 BTC at 40,000 (40 USD): equity −60, no MM
    const r = makeRules({ collateral: { USDT: '1', BTC: '0.95' } });
    const s = calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '-100' }, { asset: 'BTC', crossMarginFree: '0.001' }] }, r), marketOf({ USDT: '1', BTC: '40000' }), r);
    expect(s.uniMMR).toBeNull();
    expect(s.accountEquity.toString()).toBe('-62'); // −100 + 40·0.95
    expect(s.accountStatus).toBe('FORCE_LIQUIDATION');
  });
  it('no maintenance margin and non-negative equity: uniMMR null, NORMAL', () => {
    const s = statusAt('10', '0');
    expect(s.uniMMR).toBeNull();
    expect(s.accountStatus).toBe('NORMAL');
  });
});
