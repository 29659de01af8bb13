import { describe, expect, it } from 'vitest';
import { formatBinanceDecimal as f } from '../../src/records/binance-format.js';
import { renderPortfolioSummary } from '../../src/records/portfolio-summary.js';
import { replayPortfolio } from '../../src/replay/replay-portfolio.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { bookOf, OPTIONS, pricesAt, rulesTimelineOf } from '../helpers/replay.js';

// The final account's printed numbers from the kernel (src/replay/final-account.ts): the exact
// engine's strings when the proven bound keeps each in one 8-decimal cell, the exact engine otherwise.

const rules = rulesTimelineOf();
const minutes = Array.from({ length: 40 }, (_, m) => m);
const doc = { balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.1', entryPrice: '40000' }] };

function replayTo(lastPrice: number) {
  const book = bookOf(pricesAt(minutes, (m) => (m === 39 ? lastPrice : 40_000 + m)));
  const portfolio = portfolioOf(doc, rules.base);
  return replayPortfolio(portfolio, book, rules, OPTIONS, fastSlotsOf([portfolio], rules.base, book.timeline)[0]);
}

describe('the final account from the kernel', () => {
  it('prints the exact engine\'s digits where the bound keeps them in their cells', () => {
    // 0.1 BTC long at 40,000, last mark 40,001.23456785: equity 1,000 + 0.1 × 1.23456785 = 1,000.123456785
    // (USDT at a rate of 1); margin 1 % × 4,000.123456785 = 40.00123456785; uniMMR 1,000.123456785 / 40.00123456785 = 25.0023147432…
    const r = replayTo(40_001.23456785);
    expect(r.kernelSteps).toBe(39);
    expect(r.finalPrinted).toEqual({ accountStatus: 'NORMAL', uniMMR: '25.00231474', accountEquity: '1000.12345678', actualEquity: '1000.12345678' });
    // The exact snapshot, evaluated when read, prints the same.
    const final = r.final!;
    expect([final.accountStatus, f(final.uniMMR!), f(final.accountEquity), f(final.actualEquity)]).toEqual(['NORMAL', '25.00231474', '1000.12345678', '1000.12345678']);
    expect(renderPortfolioSummary(r, 0, 'fast')).toMatchObject({ finalStatus: 'NORMAL', finalUniMMR: '25.00231474', finalAccountEquity: '1000.12345678', finalActualEquity: '1000.12345678' });
  });
  it('leaves a final equity on a cell\'s edge to the exact engine', () => {
    // Last mark 40,001.2345678: equity 1,000 + 0.1 × 1.2345678 = 1,000.12345678 exactly, an edge: the
    // kernel's float is 1,000.1234567799999, and numbers within its bound cut to …77 or …78.
    const r = replayTo(40_001.2345678);
    expect(r.kernelSteps).toBe(39);
    expect(r.finalPrinted).toBeUndefined();
    expect(f(r.final!.accountEquity)).toBe('1000.12345678');
    expect(renderPortfolioSummary(r, 0, 'fast')).toMatchObject({ finalAccountEquity: '1000.12345678', finalActualEquity: '1000.12345678' });
  });
  it('has nothing to print when the replay ended on an exact step', () => {
    // Without a fast slot every step is exact: the final account is that step's snapshot (at 40,039: 1,000 + 0.1 × 39).
    const book = bookOf(pricesAt(minutes, (m) => 40_000 + m));
    const r = replayPortfolio(portfolioOf(doc, rules.base), book, rules, OPTIONS);
    expect(r.finalPrinted).toBeUndefined();
    expect(f(r.final!.accountEquity)).toBe('1003.90000000');
  });
});
