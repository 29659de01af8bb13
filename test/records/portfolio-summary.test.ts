import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { checkPortfolioSummary, renderPortfolioSummary, sumPayments, sumPaymentsDec, type ReplayOutcome } from '../../src/records/portfolio-summary.js';
import type { ReplayEvent } from '../../src/records/events/index.js';

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

describe('sumPayments: integers of 10⁻⁸ in float64 against Dec', () => {
  // Amounts of up to 45 digits at powers of ten from 1e-60 to 1e40, either sign: cuts to zero,
  // 8-decimal ties, payments of 10⁷ and more and sums past 2⁵³ units (added by Dec), and Dec's own
  // rounding past 10⁴⁰ units.
  const wide = fc.tuple(fc.bigInt({ min: -(10n ** 45n), max: 10n ** 45n }), fc.integer({ min: -60, max: 40 })).map(([m, k]) => new Dec(`${m}e${k}`));
  // Payments' own sizes, 40 digits below 10⁷ (most arrays stay on the integer path, which is what is checked).
  const usual = fc.tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: -50, max: -34 })).map(([m, k]) => new Dec(`${m}e${k}`));
  const amount = fc.oneof({ arbitrary: usual, weight: 19 }, { arbitrary: wide, weight: 1 });
  const payment = fc.tuple(fc.constantFrom('BTCUSDT', 'ETHUSD_PERP', 'USDT', 'BTC'), fc.boolean(), amount).map(([key, isFunding, a]): ReplayEvent => (isFunding
    ? { type: 'funding', time: 0, symbol: key, asset: 'USDT', rate: new Dec('0.0001'), markPrice: new Dec(1), amount: a }
    : { type: 'interest', time: 0, asset: key, kind: 'loan', amount: a }));
  it('gives the totals Dec gives, digit for digit', () => {
    fc.assert(fc.property(fc.array(payment, { maxLength: 30 }), (events) => {
      expect(sumPayments(events)).toEqual(sumPaymentsDec(events));
    }), { numRuns: 3000, seed: Number(process.env.PMBT_SEED ?? 20261202) });
  });
  const interest = (...amounts: string[]): ReplayEvent[] => amounts.map((a) => ({ type: 'interest', time: 0, asset: 'USDT', kind: 'loan', amount: new Dec(a) }));
  it('at the edges of float64\'s integers: the payment just below 10⁷, a sum just past 2⁵³ units', () => {
    // 9999999.999999999 cuts to 999,999,999,999,999 units; 10 of them, 9,999,999,999,999,990 units, pass 2⁵³ ≈ 9.007·10¹⁵.
    expect(sumPayments(interest('9999999.999999999')).interest).toEqual({ USDT: '9999999.99999999' });
    expect(sumPayments(interest(...Array<string>(10).fill('9999999.999999999'))).interest).toEqual({ USDT: '99999999.99999990' });
    // A sum of 2⁵³ − 1 = 9,007,199,254,740,991 units (9 × 999,999,999,999,999 + 7,199,254,741,000), and one unit more.
    const nine = Array<string>(9).fill('9999999.99999999');
    expect(sumPayments(interest(...nine, '71992.54741')).interest).toEqual({ USDT: '90071992.54740991' });
    expect(sumPayments(interest(...nine, '71992.54741', '0.00000001')).interest).toEqual({ USDT: '90071992.54740992' });
    // A negative payment cut toward zero, and one below 10⁻⁸: −0.00000001 and 0.
    expect(sumPayments(interest('-0.000000019', '0.000000009')).interest).toEqual({ USDT: '-0.00000001' });
  });
  it('past 10⁴⁰ units Dec rounds the sum, and that sum is the one printed', () => {
    // 10³² USD is 10⁴⁰ units: 10³² + 0.00000001 has 41 digits, which Dec rounds (half to even) to 10³².
    expect(sumPayments(interest('1e32', '0.00000001')).interest).toEqual({ USDT: '100000000000000000000000000000000.00000000' });
    // Below it every digit stays: 10³¹ + 0.00000001.
    expect(sumPayments(interest('1e31', '0.00000001')).interest).toEqual({ USDT: '10000000000000000000000000000000.00000001' });
  });
});
