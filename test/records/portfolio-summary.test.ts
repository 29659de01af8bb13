import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { checkPortfolioSummary, renderPortfolioSummary, type ReplayOutcome } from '../../src/records/portfolio-summary.js';

// The line of a portfolio whose replay had no snapshot at all (no prices): every nullable field
// null; and the checks the reader makes of a line.

const EMPTY: ReplayOutcome = {
  portfolioId: 'p', steps: 0, kernelSteps: 0, gapSteps: 5, initial: undefined, final: undefined, finalTime: undefined, minUniMMR: null, minUniMMRTime: undefined, worstSnapshot: undefined,
  firstTimeIn: {}, liquidations: 0, liquidationFeesUSD: new Dec(0), bankruptcyLossUSD: new Dec('0.123456789'), bankrupt: false, warnings: ['no prices'], events: [
    { type: 'priceGap', time: 1, series: 'mark:BTCUSDT', reason: 'gap' }, { type: 'priceGap', time: 2, series: 'index:BTC', reason: 'gap' }, { type: 'priceGapEnd', time: 3 },
  ],
};

// Funding in two legs of one symbol and a COIN-M one, interest on a loan and a negative balance.
const funding = (symbol: string, asset: string, amount: string) => ({ type: 'funding' as const, time: 0, symbol, asset, rate: new Dec('0.0001'), markPrice: new Dec(60000), amount: new Dec(amount) });
const PAYING: ReplayOutcome = {
  ...EMPTY,
  events: [
    funding('BTCUSDT', 'USDT', '-1.123456789'), funding('BTCUSDT', 'USDT', '0.000000019'), funding('BTCUSD_PERP', 'BTC', '0.000000017'), funding('BTCUSD_PERP', 'BTC', '-0.0000000999'),
    { type: 'interest', time: 0, asset: 'USDT', kind: 'loan', amount: new Dec('0.000000015') }, { type: 'interest', time: 1, asset: 'USDT', kind: 'negativeBalance', amount: new Dec('0.000000015') },
  ],
};

describe('a portfolio’s summary line', () => {
  it('renders a replay without snapshots with nulls, counting its events by type', () => {
    const line = renderPortfolioSummary(EMPTY, 7, 'exact');
    expect(line).toMatchObject({ portfolioId: 'p', index: 7, ok: true, engine: 'exact', gapSteps: 5, initialUniMMR: null, minUniMMR: null, worst: null, worstStatus: null, finalStatus: null, bankruptcyLossUSD: '0.12345678', eventCounts: { priceGap: 2, priceGapEnd: 1 }, funding: {}, interest: {} });
  });
  it('adds up funding per symbol and interest per asset, each payment as printed (cut to 8 decimals)', () => {
    const line = renderPortfolioSummary(PAYING, 0, 'fast');
    // −1.12345678 + 0.00000001; 0.00000001 − 0.00000009 (the cut of each, not of the sum); 0.00000001 twice
    expect(line).toMatchObject({ funding: { BTCUSDT: '-1.12345677', BTCUSD_PERP: '-0.00000008' }, interest: { USDT: '0.00000002' }, eventCounts: { funding: 4, interest: 2 } });
    expect(Object.keys((line as { funding: object }).funding)).toEqual(['BTCUSDT', 'BTCUSD_PERP']);
  });
  it('reads back what it renders, and names the field of a line it cannot read', () => {
    const line = JSON.parse(JSON.stringify(renderPortfolioSummary(EMPTY, 7, 'fast'))) as Record<string, unknown>;
    expect(checkPortfolioSummary(line, 'summary.json', 'line 9')).toEqual(line);
    expect(() => checkPortfolioSummary({ ...line, liquidations: '0' }, 'summary.json', 'line 9')).toThrow(/^summary\.json: line 9\.liquidations: expected number, got "0"$/);
    expect(() => checkPortfolioSummary({ ...line, warnings: 'none' }, 'summary.json', 'line 9')).toThrow(/line 9\.warnings: expected array/);
    expect(() => checkPortfolioSummary({ ...line, funding: { BTCUSDT: 1 } }, 'summary.json', 'line 9')).toThrow(/line 9\.funding\.BTCUSDT: expected an 8-decimal amount, got 1/);
    expect(() => checkPortfolioSummary({ ...line, interest: [] }, 'summary.json', 'line 9')).toThrow(/line 9\.interest: expected an object of amounts/);
    // lines written before the totals were recorded have neither
    const { funding: _f, interest: _i, ...before } = line;
    expect(checkPortfolioSummary(before, 'summary.json', 'line 9')).toEqual(before);
    expect(() => checkPortfolioSummary([], 'summary.json', 'line 9')).toThrow(/line 9: expected a portfolio summary \(a JSON object\), got an array/);
    expect(checkPortfolioSummary({ ok: false, portfolioId: null, index: 2, error: 'bad' }, 'f', 'line 1')).toEqual({ ok: false, portfolioId: null, index: 2, error: 'bad' });
  });
});
