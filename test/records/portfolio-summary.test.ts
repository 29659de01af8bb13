import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { checkPortfolioSummary, renderPortfolioSummary, type ReplayOutcome } from '../../src/records/portfolio-summary.js';

// The line of a portfolio whose replay had no snapshot at all (no prices): every nullable field
// null; and the checks the reader makes of a line.

const EMPTY: ReplayOutcome = {
  portfolioId: 'p', steps: 0, kernelSteps: 0, gapSteps: 5, initial: undefined, final: undefined, finalTime: undefined, minUniMMR: null, minUniMMRTime: undefined, worstSnapshot: undefined,
  firstTimeIn: {}, liquidations: 0, liquidationFeesUSD: new Dec(0), bankruptcyLossUSD: new Dec('0.123456789'), bankrupt: false, warnings: ['no prices'], events: [{ type: 'priceGap' }, { type: 'priceGap' }, { type: 'priceGapEnd' }],
};

describe('a portfolio’s summary line', () => {
  it('renders a replay without snapshots with nulls, counting its events by type', () => {
    const line = renderPortfolioSummary(EMPTY, 7, 'exact');
    expect(line).toMatchObject({ portfolioId: 'p', index: 7, ok: true, engine: 'exact', gapSteps: 5, initialUniMMR: null, minUniMMR: null, worst: null, worstStatus: null, finalStatus: null, bankruptcyLossUSD: '0.12345678', eventCounts: { priceGap: 2, priceGapEnd: 1 } });
  });
  it('reads back what it renders, and names the field of a line it cannot read', () => {
    const line = JSON.parse(JSON.stringify(renderPortfolioSummary(EMPTY, 7, 'fast'))) as Record<string, unknown>;
    expect(checkPortfolioSummary(line, 'summary.json', 'line 9')).toEqual(line);
    expect(() => checkPortfolioSummary({ ...line, liquidations: '0' }, 'summary.json', 'line 9')).toThrow(/^summary\.json: line 9\.liquidations: expected number, got "0"$/);
    expect(() => checkPortfolioSummary({ ...line, warnings: 'none' }, 'summary.json', 'line 9')).toThrow(/line 9\.warnings: expected array/);
    expect(() => checkPortfolioSummary([], 'summary.json', 'line 9')).toThrow(/line 9: expected a portfolio summary \(a JSON object\), got an array/);
    expect(checkPortfolioSummary({ ok: false, portfolioId: null, index: 2, error: 'bad' }, 'f', 'line 1')).toEqual({ ok: false, portfolioId: null, index: 2, error: 'bad' });
  });
});
