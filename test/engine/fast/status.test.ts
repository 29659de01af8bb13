import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import { ACCOUNT_STATUSES } from '../../../src/domain/types.js';
import { findAccountStatus as findExactStatus } from '../../../src/engine/exact/status.js';
import { FORCE_LIQUIDATION, findAccountStatus, MARGIN_CALL, NEEDS_EXACT, NORMAL, REDUCE_ONLY, STATUS_CODES } from '../../../src/engine/fast/status.js';

// src/engine/fast/status.ts: the float64 status ladder on codes (docs/margin-rules.md §3–§4; NaN
// uniMMR stands for the exact engine's null).

const ladder = (adjusted: number, uniMMR: number) => findAccountStatus(adjusted, uniMMR, 1.5, 1.2, 1.05);

describe('status codes', () => {
  it('index STATUS_CODES, which lists the domain\'s statuses in the same order', () => {
    expect(STATUS_CODES).toEqual(ACCOUNT_STATUSES);
    expect([NORMAL, MARGIN_CALL, REDUCE_ONLY, FORCE_LIQUIDATION].map((c) => STATUS_CODES[c])).toEqual(['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION']);
  });
  it('NEEDS_EXACT is no status', () => {
    expect(NEEDS_EXACT).toBeLessThan(0);
    expect((STATUS_CODES as readonly string[])[NEEDS_EXACT]).toBeUndefined();
  });
});

describe('findAccountStatus', () => {
  it.each([
    [1.5000001, NORMAL],
    [1.5, MARGIN_CALL], // each band includes its upper edge
    [1.2, REDUCE_ONLY],
    [1.05, FORCE_LIQUIDATION],
    [1.0500001, REDUCE_ONLY],
    [1.2000001, MARGIN_CALL],
    [0, FORCE_LIQUIDATION],
    [-2, FORCE_LIQUIDATION],
  ])('uniMMR %d with positive equity → code %d', (uniMMR, code) => {
    expect(ladder(10, uniMMR)).toBe(code);
  });
  it('negative adjusted equity liquidates, even with no maintenance margin (NaN uniMMR)', () => {
    expect(ladder(-1e-12, 50)).toBe(FORCE_LIQUIDATION);
    expect(ladder(-5, Number.NaN)).toBe(FORCE_LIQUIDATION);
  });
  it('no maintenance margin and non-negative equity: NORMAL (zero and negative zero included)', () => {
    expect(ladder(3, Number.NaN)).toBe(NORMAL);
    expect(ladder(0, Number.NaN)).toBe(NORMAL);
    expect(ladder(-0, Number.NaN)).toBe(NORMAL);
  });
  it('a NaN adjusted equity is not negative: the caller must test NaN first (the kernel does: NEEDS_EXACT)', () => {
    expect(ladder(Number.NaN, Number.NaN)).toBe(NORMAL);
  });
  it('reads the thresholds it is given', () => {
    expect([3.01, 3, 2, 1].map((u) => findAccountStatus(1, u, 3, 2, 1))).toEqual([NORMAL, MARGIN_CALL, REDUCE_ONLY, FORCE_LIQUIDATION]);
  });
});

describe('against the exact ladder on the same inputs', () => {
  it('gives the exact engine\'s status at and around every threshold, for every sign of equity', () => {
    const thresholds = { marginCall: new Dec('1.5'), reduceOnly: new Dec('1.2'), liquidation: new Dec('1.05') };
    const mmrs = [null, -1, 0, 1, 1.05, 1.0500000001, 1.1, 1.2, 1.2000000001, 1.4999999999, 1.5, 1.5000000001, 2, 1e6];
    for (const adjusted of [-1000, -1e-9, 0, 1e-9, 1000]) {
      for (const u of mmrs) {
        const fast = ladder(adjusted, u === null ? Number.NaN : u);
        expect(STATUS_CODES[fast], `${adjusted} ${u}`).toBe(findExactStatus(new Dec(adjusted), u === null ? null : new Dec(u), thresholds));
      }
    }
  });
});
