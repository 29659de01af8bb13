import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import { buildRules } from '../../src/rules/build.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';
import { findCmContract, findUmContract, splitSymbol } from '../../src/rules/resolve.js';
import { loadDefaultRules, makeRules, PROGRAM } from '../helpers/rules.js';

const errorOf = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
};

describe('default rules in data/rules/', () => {
  it('load, validate and cover every USDⓈ-M symbol of the 2024-10-24 snapshot', async () => {
    const rules = await loadDefaultRules();
    expect(rules.umBrackets.size).toBe(349);
    expect(rules.sources.join(' ')).toMatch(/2024-10-24/);
    expect(rules.thresholds.liquidation.toString()).toBe('1.05');
    expect(rules.loanMaintMarginRatio.get(10)!.toString()).toBe('0.05');
  });
  it('give COIN-M contracts for the major coins: BTC 100 USD a contract, others 10 USD', async () => {
    const rules = await loadDefaultRules();
    expect(findCmContract(rules, 'BTCUSD_PERP').contractSize.toString()).toBe('100');
    expect(findCmContract(rules, 'ETHUSD_PERP').contractSize.toString()).toBe('10');
    // a quarterly falls back to its perpetual's contract
    expect(findCmContract(rules, 'BTCUSD_250328').bracketTable).toBe('BTCUSD_PERP');
    expect(findCmContract(rules, 'SOLUSD_PERP').marginAsset).toBe('SOL');
  });
  it('resolve margin assets from symbols', async () => {
    const rules = await loadDefaultRules();
    expect(findUmContract(rules, 'ETHUSDC').marginAsset).toBe('USDC');
    expect(findUmContract(rules, 'BTCUSDT_241227').bracketTable).toBe('BTCUSDT_241227');
    expect(splitSymbol(rules, 'ETHBTC')).toEqual({ base: 'ETH', quote: 'BTC' });
  });
  it('a user file overrides one table and leaves the rest', async () => {
    const rules = await loadDefaultRules([{ name: 'user.json', doc: { version: 1, collateral: { BTC: '0.5' }, thresholds: { marginCall: '2' } } }]);
    expect(rules.collateral.get('BTC')![0]!.collateralRate.toString()).toBe('0.5');
    expect(rules.collateral.get('ETH')![0]!.collateralRate.toString()).toBe('0.95');
    expect(rules.thresholds.marginCall.toString()).toBe('2');
    expect(rules.thresholds.reduceOnly.toString()).toBe('1.2');
  });
});

describe('table validation names the file, the table and the row', () => {
  it('rejects a broken cum identity', async () => {
    const docs = [...(await readDefaultRuleDocuments()), { name: 'mine.json', doc: { version: 1, umBrackets: { BTCUSDT: [
      { bracket: 1, notionalFloor: 0, notionalCap: 50000, maintMarginRatio: 0.004, cum: 0 },
      { bracket: 2, notionalFloor: 50000, notionalCap: 600000, maintMarginRatio: 0.005, cum: 40 },
    ] } } }];
    const e = errorOf(() => buildRules(docs));
    expect(e.source).toBe('mine.json');
    expect(e.path).toBe('umBrackets.BTCUSDT[1].cum');
    // 0 + 50,000·(0.005 − 0.004) = 50
    expect(e.expected).toMatch(/^50 /);
  });
  it('rejects non-contiguous rows', () => {
    const e = errorOf(() => makeRules({ umBrackets: { X: [
      { notionalFloor: 0, notionalCap: 100, maintMarginRatio: 0.01 },
      { notionalFloor: 200, notionalCap: 300, maintMarginRatio: 0.02 },
    ] } }));
    expect(e.path).toBe('umBrackets.X[1].notionalFloor');
    expect(e.message).toMatch(/contiguous/);
  });
  it('rejects a first row that does not start at 0, and a cap not above its floor', () => {
    expect(errorOf(() => makeRules({ collateral: { A: [{ tierFloor: 5, tierCap: 10, collateralRate: 1 }] } })).path).toBe('collateral.A[0].tierFloor');
    expect(errorOf(() => makeRules({ cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [{ qtyFloor: 0, qtyCap: 0, maintMarginRatio: 0.01 }] } } })).path)
      .toBe('cmContracts.BTCUSD_PERP.brackets[0].qtyCap');
  });
  it('rejects collateral tiers whose rate rises, and a tier cum that breaks the identity', () => {
    expect(errorOf(() => makeRules({ collateral: { A: [{ tierFloor: 0, tierCap: 10, collateralRate: 0.5 }, { tierFloor: 10, tierCap: 20, collateralRate: 0.9 }] } })).path)
      .toBe('collateral.A[1].collateralRate');
    const e = errorOf(() => makeRules({ collateral: { A: [{ tierFloor: 0, tierCap: 1000, collateralRate: 1, cum: 0 }, { tierFloor: 1000, tierCap: 2000, collateralRate: 0.9, cum: 0 }] } }));
    // cum_2 = 0 + 1,000·(1 − 0.9) = 100
    expect([e.path, e.expected.split(' ')[0]]).toEqual(['collateral.A[1].cum', '100']);
  });
  it('rejects rates outside [0, 1], thresholds out of order, unknown keys and a wrong version', () => {
    expect(errorOf(() => makeRules({ collateral: { A: '1.2' } })).path).toBe('collateral.A');
    expect(errorOf(() => makeRules({ thresholds: { marginCall: '1.1', reduceOnly: '1.2', liquidation: '1.05' } })).path).toBe('thresholds');
    expect(errorOf(() => makeRules({ colateral: {} })).path).toBe('colateral');
    expect(errorOf(() => buildRules([PROGRAM, { name: 'v2.json', doc: { version: 2 } }])).source).toBe('v2.json');
  });
  it('rejects a delivery mapping to a table that does not exist', () => {
    expect(errorOf(() => makeRules({ umContracts: { BTCUSDT_991231: { bracketsFrom: 'NOPE' } } })).path).toBe('umContracts.BTCUSDT_991231.bracketsFrom');
  });
});

describe('rules as saved Binance responses', () => {
  it('reads /sapi/v1 flat and /sapi/v2 tiered collateral rates and UM/CM leverage brackets', async () => {
    const rules = await loadDefaultRules([
      { name: 'v1.json', doc: [{ asset: 'BTC', collateralRate: '0.9000' }, { asset: 'PEPE', collateralRate: '0.5000' }] },
      { name: 'v2.json', doc: [{ asset: 'BNB', collateralInfo: [
        { tierFloor: '0.0000', tierCap: '1000.0000', collateralRate: '1.0000', cum: '0.0000' },
        { tierFloor: '1000.0000', tierCap: '2000.0000', collateralRate: '0.9000', cum: '100.0000' },
      ] }] },
      { name: 'um.json', doc: [{ symbol: 'NEWUSDT', notionalCoef: '1.50', brackets: [{ bracket: 1, initialLeverage: 75, notionalCap: 10000, notionalFloor: 0, maintMarginRatio: 0.0065, cum: 0 }] }] },
      { name: 'cm.json', doc: [{ symbol: 'NEWUSD_PERP', brackets: [{ bracket: 1, initialLeverage: 125, qtyCap: 50, qtyFloor: 0, maintMarginRatio: 0.004, cum: 0.0 }] }] },
    ]);
    expect(rules.collateral.get('PEPE')![0]!.collateralRate.toString()).toBe('0.5');
    expect(rules.collateral.get('BNB')!.length).toBe(2);
    expect(findUmContract(rules, 'NEWUSDT').brackets[0]!.maintMarginRatio.toString()).toBe('0.0065');
    const cm = findCmContract(rules, 'NEWUSD_PERP');
    expect([cm.marginAsset, cm.contractSize.toString()]).toEqual(['NEW', '10']);
  });
  it('a broken saved response is reported against its file', async () => {
    const docs = [...(await readDefaultRuleDocuments()), { name: 'v2.json', doc: [{ asset: 'BNB', collateralInfo: [
      { tierFloor: '0', tierCap: '1000', collateralRate: '1', cum: '0' },
      { tierFloor: '1000', tierCap: '2000', collateralRate: '0.9', cum: '0' },
    ] }] }];
    const e = errorOf(() => buildRules(docs));
    expect([e.source, e.path]).toEqual(['v2.json', 'collateral.BNB[1].cum']);
  });
});
