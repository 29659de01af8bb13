import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { applyFill } from '../../src/replay/fills.js';

const d = (x: string | number) => new Dec(x);
const text = (f: ReturnType<typeof applyFill>) => [f.positionAmt.toString(), f.entryPrice.toString(), f.realizedPnl.toString()];

describe('applyFill', () => {
  it('averages a UM entry by quantity when adding', () => {
    // (1·40,000 + 1·42,000) / 2 = 41,000
    expect(text(applyFill('UM', d(1), d(40_000), d(1), d(42_000), d(1)))).toEqual(['2', '41000', '0']);
  });
  it('averages a CM entry harmonically, so coin PnL stays exact', () => {
    // 200 / (100/40,000 + 100/50,000) = 200 / 0.0045 = 44,444.4...
    expect(applyFill('CM', d(100), d(40_000), d(100), d(50_000), d(100)).entryPrice.toFixed(4)).toBe('44444.4444');
  });
  it('realizes PnL on the part closed and opens the rest at the fill price when crossing zero', () => {
    // long 1 from 40,000, sell 3 at 41,000: +1,000 realized, short 2 at 41,000
    expect(text(applyFill('UM', d(1), d(40_000), d(-3), d(41_000), d(1)))).toEqual(['-2', '41000', '1000']);
    // CM: 100 contracts of 100 USD closed from 40,000 at 50,000: 10,000·(1/40,000 − 1/50,000) = 0.05 coin
    expect(applyFill('CM', d(100), d(40_000), d(-100), d(50_000), d(100)).realizedPnl.toString()).toBe('0.05');
  });
});
