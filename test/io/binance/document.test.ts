import { describe, expect, it } from 'vitest';
import { importBinanceAccount } from '../../../src/io/binance/account.js';
import { formatPortfolioDocument } from '../../../src/io/binance/document.js';
import { parsePortfolio } from '../../../src/io/json/portfolio.js';
import { buildRules } from '../../../src/rules/build.js';
import { readDefaultRuleDocuments } from '../../../src/io/rules-files.js';
import { savedResponse } from './fixtures.js';

const rules = buildRules(await readDefaultRuleDocuments());

describe('formatPortfolioDocument', () => {
  it('an imported account round-trips through the portfolio document reader', () => {
    const { portfolio } = importBinanceAccount(['papi-v1-balance.json', 'papi-v1-um-positionRisk.json', 'dapi-v1-positionRisk.json'].map(savedResponse), { id: 'acc-1', mode: 'PM_PRO', marginLeverage: 5 });
    const doc = JSON.parse(JSON.stringify(formatPortfolioDocument(portfolio))) as unknown;
    expect(parsePortfolio(doc, rules, 'acc-1.json')).toEqual({ ...portfolio, actions: [], marginOpenOrders: [] });
  });
});

describe('portfolio documents with pasted Binance legs', () => {
  const base = { id: 'p', balances: [{ asset: 'USDT', umWalletBalance: '1000' }] };

  it('drop a flat hedge-mode leg (entryPrice "0.0") and keep the open one', () => {
    const umPositions = savedResponse('fapi-v2-positionRisk.json').json;
    const p = parsePortfolio({ ...base, umPositions }, rules, 'p.json');
    expect(p.umPositions.map((l) => [l.symbol, l.positionSide, l.positionAmt.toString()])).toEqual([['BTCUSDT', 'LONG', '0.001']]);
    const v3 = parsePortfolio({ ...base, umPositions: savedResponse('fapi-v3-positionRisk.json').json }, rules, 'p.json');
    expect(v3.umPositions).toHaveLength(1);
  });

  it('still reject a typo in the document\'s own fields, and in a leg\'s', () => {
    expect(() => parsePortfolio({ ...base, umPositons: [] }, rules, 'p.json')).toThrow(/p\.json: umPositons: expected one of the fields/);
    expect(() => parsePortfolio({ ...base, balances: [{ asset: 'USDT', umWaletBalance: '1' }] }, rules, 'p.json')).toThrow(/balances\[0\]\.umWaletBalance: expected one of the fields/);
    // A typo in a flat leg is still a typo.
    expect(() => parsePortfolio({ ...base, umPositions: [{ symbol: 'X', positionAmt: '0', entryPrice: '0.0', entryPirce: '1' }] }, rules, 'p.json')).toThrow(/umPositions\[0\]\.entryPirce: expected one of the fields/);
    // An open leg still needs a positive entry price.
    expect(() => parsePortfolio({ ...base, umPositions: [{ symbol: 'X', positionAmt: '1', entryPrice: '0.0' }] }, rules, 'p.json')).toThrow(/umPositions\[0\]\.entryPrice: expected a number > 0/);
  });
});
