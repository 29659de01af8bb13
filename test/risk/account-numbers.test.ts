// calculateAccountNumbers (src/engine/exact/account-numbers.ts), the exact numbers the distance
// search reads, must be calculateAccountSnapshot's to the last digit: the sample's portfolios (PM and
// PM Pro, UM and CM legs, loans, open orders) at shocked markets of every family, and the same
// error where a price or rule is missing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchContext } from '../../src/batch/context.js';
import { Dec } from '../../src/domain/decimal.js';
import type { MarketSnapshot, Portfolio, Rules } from '../../src/domain/types.js';
import { calculateAccountNumbers, prepareAccountNumbers, type AccountNumbers } from '../../src/engine/exact/account-numbers.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { applyShock, findContractUnderlyings, makeAllFamily, makeDepegFamily, makeLeaderFamily, makeSingleFamily } from '../../src/risk/shock.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { loadDefaultRules } from '../helpers/rules.js';
import { loadSampleBatch } from '../helpers/sample-batch.js';

let ctx: BatchContext;
let portfolios: Portfolio[];
beforeAll(async () => {
  const { ctx: c, docs } = await loadSampleBatch();
  ctx = c;
  portfolios = [...docs.values()].map((doc) => parsePortfolio(doc, ctx.rules.base));
});

/** Both evaluations as printed digits (toString keeps every digit and the sign of a zero); `numbers`: a prepared evaluator of the portfolio. */
function both(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, numbers?: (m: MarketSnapshot) => AccountNumbers) {
  const full = calculateAccountSnapshot(portfolio, market, rules);
  const lean = numbers === undefined ? calculateAccountNumbers(portfolio, market, rules) : numbers(market);
  const digits = (x: { adjustedEquity: Dec; accountMaintMargin: Dec; uniMMR: Dec | null; accountStatus: string }) =>
    [x.adjustedEquity.toString(), x.accountMaintMargin.toString(), x.uniMMR?.toString() ?? 'null', x.accountStatus, Object.is(x.adjustedEquity.toNumber(), -0)];
  return { full: digits(full), lean: digits(lean) };
}

describe('calculateAccountNumbers is calculateAccountSnapshot without the breakdown', () => {
  it('on the sample portfolios at shocked markets of every family', () => {
    const rules = ctx.rules.base;
    const market = ctx.book.marketAt(0);
    const families = [makeAllFamily(), makeLeaderFamily('BTC', new Map([['ETH', new Dec('1.37')]])), makeSingleFamily('ETH'), makeDepegFamily('USDT'), makeDepegFamily('USDC')];
    const shocks = ['-0.4567891234', '-0.125', '0', '0.0731', '0.45'].map((s) => new Dec(s));
    let compared = 0;
    let withOrders = 0;
    let cm = 0;
    for (const portfolio of portfolios.slice(0, 250)) {
      const contracts = findContractUnderlyings(portfolio, rules);
      // One prepared evaluator across every market, as the search uses it.
      const numbers = prepareAccountNumbers(portfolio, rules);
      if (portfolio.mode === 'PM' && portfolio.marginOpenOrders.length > 0) withOrders++;
      if (portfolio.cmPositions.length > 0) cm++;
      for (const family of families) {
        for (const shock of shocks) {
          const { full, lean } = both(portfolio, applyShock(market, family, contracts, shock), rules, numbers);
          expect(lean).toEqual(full);
          compared++;
        }
      }
    }
    expect(compared).toBe(250 * families.length * shocks.length);
    // The sample exercises the open orders' and COIN-M paths.
    expect(withOrders).toBeGreaterThan(0);
    expect(cm).toBeGreaterThan(0);
  });

  it('throws the snapshot\'s error where a price is missing', async () => {
    const rules = await loadDefaultRules();
    const portfolio = portfolioOf({
      mode: 'PM', balances: [{ asset: 'USDT', crossMarginFree: '1000' }, { asset: 'ETH', crossMarginFree: '2', crossMarginBorrowed: '0.5', marginLeverage: 3 }],
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.1', entryPrice: '40000' }],
    }, rules);
    const complete = marketOf({ USDT: '1', BTC: '39000', ETH: '2100' }, { BTCUSDT: '39010' });
    const { full, lean } = both(portfolio, complete, rules);
    expect(lean).toEqual(full);
    for (const market of [marketOf({ USDT: '1', BTC: '39000' }, { BTCUSDT: '39010' }), marketOf({ USDT: '1', BTC: '39000', ETH: '2100' })]) {
      expect(() => calculateAccountSnapshot(portfolio, market, rules)).toThrow();
      const message = (() => {
        try {
          calculateAccountSnapshot(portfolio, market, rules);
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      })();
      expect(() => calculateAccountNumbers(portfolio, market, rules)).toThrow(message);
    }
    // A prepared evaluator that failed on a market without a price still evaluates a complete one.
    const numbers = prepareAccountNumbers(portfolio, rules);
    expect(() => numbers(marketOf({ USDT: '1', BTC: '39000' }, { BTCUSDT: '39010' }))).toThrow();
    expect(both(portfolio, complete, rules, numbers).lean).toEqual(full);
  });
});
