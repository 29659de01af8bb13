import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import { InputError } from '../../../src/domain/errors.js';
import type { CmPosition, UmPosition } from '../../../src/domain/types.js';
import { findFuturesMarket, importBinanceAccount, type AccountResponse } from '../../../src/io/binance/account.js';
import { savedResponse } from './fixtures.js';

const importOne = (...files: string[]) => importBinanceAccount(files.map(savedResponse), { id: 'acc' });

/** The mark price each documented position response reports beside the leg. */
function reportedMark(file: string, symbol: string, side: string): Dec {
  const rows = savedResponse(file).json as { symbol: string; positionSide: string; positionAmt: string; markPrice: string }[];
  const row = rows.find((r) => r.symbol === symbol && r.positionSide === side && Number(r.positionAmt) !== 0)!;
  return new Dec(row.markPrice);
}

/** UM PnL in the quote: amount × (mark − entry). */
const umPnl = (p: UmPosition, mark: Dec) => p.positionAmt.mul(mark.minus(p.entryPrice));
/** CM PnL in the coin: contracts × contract size (100 USD for BTC) × (1/entry − 1/mark). */
const cmPnl = (p: CmPosition, mark: Dec, size = 100) => p.positionAmt.mul(size).mul(new Dec(1).div(p.entryPrice).minus(new Dec(1).div(mark)));

const within = (a: Dec, b: Dec | undefined) => {
  expect(b).toBeDefined();
  expect(a.minus(b!).abs().lte('1e-8'), `${a.toString()} vs reported ${b!.toString()}`).toBe(true);
};

describe('importBinanceAccount: each documented account response', () => {
  it('/papi/v1/balance: the USDT row with its amounts and reported PnL', () => {
    const { portfolio } = importOne('papi-v1-balance.json');
    expect(portfolio.balances).toHaveLength(1);
    const b = portfolio.balances[0]!;
    expect(b.asset).toBe('USDT');
    expect([b.crossMarginFree, b.crossMarginLocked, b.crossMarginBorrowed, b.crossMarginInterest, b.umWalletBalance, b.cmWalletBalance].map(String)).toEqual(['100', '3', '10', '0.72469206', '0', '23.72469206']);
    expect(b.reportedUmUnrealizedPNL?.toString()).toBe('23.72469206');
    expect(b.reportedCmUnrealizedPNL).toBeUndefined(); // "" = not computed
  });

  it('/sapi/v1/portfolio/balance (PM Pro): optionWalletBalance and optionEquity are accepted', () => {
    const { portfolio, warnings } = importOne('sapi-v1-portfolio-balance.json');
    expect(portfolio.balances.map((b) => [b.asset, b.crossMarginFree.toString()])).toEqual([['BTC', '100']]);
    expect(warnings).toEqual([]);
  });

  it('/sapi/v1/portfolio/account: accountType PM_1 makes the account PM_PRO unless --mode says otherwise', () => {
    expect(importOne('sapi-v1-portfolio-account.json').portfolio.mode).toBe('PM_PRO');
    expect(importBinanceAccount([savedResponse('sapi-v1-portfolio-account.json')], { id: 'a', mode: 'PM' }).portfolio.mode).toBe('PM');
    // /papi/v1/account has no accountType: PM.
    expect(importOne('papi-v1-account.json').portfolio).toMatchObject({ mode: 'PM', balances: [], umPositions: [], cmPositions: [] });
  });

  it('/papi/v1/um/positionRisk (hedge mode): the LONG leg; the flat SHORT leg with entryPrice "0.0" is dropped; PnL within 1e-8', () => {
    const { portfolio } = importOne('papi-v1-um-positionRisk.json');
    expect(portfolio.umPositions.map((p) => [p.symbol, p.positionSide, p.positionAmt.toString(), p.entryPrice.toString()])).toEqual([['BTCUSDT', 'LONG', '0.001', '22185.2']]);
    within(umPnl(portfolio.umPositions[0]!, reportedMark('papi-v1-um-positionRisk.json', 'BTCUSDT', 'LONG')), portfolio.umPositions[0]!.reportedUnRealizedProfit);
  });

  it('/fapi/v2/positionRisk (hedge mode): same leg, flat leg dropped, PnL within 1e-8', () => {
    const { portfolio } = importOne('fapi-v2-positionRisk.json');
    expect(portfolio.umPositions.map((p) => [p.symbol, p.positionSide, p.positionAmt.toString()])).toEqual([['BTCUSDT', 'LONG', '0.001']]);
    within(umPnl(portfolio.umPositions[0]!, reportedMark('fapi-v2-positionRisk.json', 'BTCUSDT', 'LONG')), portfolio.umPositions[0]!.reportedUnRealizedProfit);
  });

  it('/fapi/v3/positionRisk: marginAsset, adl, bidNotional, askNotional accepted; PnL within 1e-8', () => {
    const { portfolio } = importOne('fapi-v3-positionRisk.json');
    expect(portfolio.umPositions.map((p) => [p.symbol, p.positionSide, p.positionAmt.toString(), p.entryPrice.toString()])).toEqual([['ADAUSDT', 'BOTH', '30', '0.385']]);
    within(umPnl(portfolio.umPositions[0]!, reportedMark('fapi-v3-positionRisk.json', 'ADAUSDT', 'BOTH')), portfolio.umPositions[0]!.reportedUnRealizedProfit);
  });

  it('/papi/v1/cm/positionRisk and /dapi/v1/positionRisk: the CM leg (flat legs dropped); PnL in BTC within 1e-8', () => {
    for (const file of ['papi-v1-cm-positionRisk.json', 'dapi-v1-positionRisk.json']) {
      const { portfolio } = importOne(file);
      expect(portfolio.umPositions).toEqual([]);
      expect(portfolio.cmPositions.map((p) => [p.symbol, p.positionSide, p.positionAmt.toString(), p.entryPrice.toString()])).toEqual([['BTCUSD_201225', 'LONG', '1', '11707.70000003']]);
      within(cmPnl(portfolio.cmPositions[0]!, reportedMark(file, 'BTCUSD_201225', 'LONG')), portfolio.cmPositions[0]!.reportedUnRealizedProfit);
    }
  });

  it('/papi/v1/um|cm/account: positions[] read (the documented ones are flat, so dropped); assets[] left to /papi/v1/balance', () => {
    expect(importOne('papi-v1-um-account.json').portfolio).toMatchObject({ balances: [], umPositions: [], cmPositions: [] });
    expect(importOne('papi-v1-cm-account.json').portfolio).toMatchObject({ balances: [], umPositions: [], cmPositions: [] });
    // An open leg in positions[], with um/account's own spelling of the PnL (unrealizedProfit).
    const open = savedResponse('papi-v1-um-account.json').json as { positions: Record<string, string>[] };
    open.positions[0] = { ...open.positions[0], positionAmt: '0.5', entryPrice: '30000', unrealizedProfit: '-12.5' };
    const { portfolio } = importBinanceAccount([{ name: 'um-account.json', json: open }], { id: 'a' });
    expect(portfolio.umPositions.map((p) => [p.symbol, p.positionAmt.toString(), p.reportedUnRealizedProfit?.toString()])).toEqual([['BTCUSDT', '0.5', '-12.5']]);
  });

  it('every documented account response together makes one account', () => {
    const { portfolio } = importOne('papi-v1-balance.json', 'papi-v1-account.json', 'papi-v1-um-positionRisk.json', 'papi-v1-cm-positionRisk.json', 'papi-v1-um-account.json', 'papi-v1-cm-account.json', 'fapi-v2-positionRisk.json', 'fapi-v3-positionRisk.json', 'dapi-v1-positionRisk.json');
    // The BTCUSDT LONG leg comes in two files with the same amount (one leg); so does the CM leg.
    expect(portfolio.umPositions.map((p) => p.symbol)).toEqual(['BTCUSDT', 'ADAUSDT']);
    expect(portfolio.cmPositions.map((p) => p.symbol)).toEqual(['BTCUSD_201225']);
  });
});

describe('importBinanceAccount: rules', () => {
  it('positions go to UM or CM by symbol unless the caller says which', () => {
    expect(['BTCUSDT', 'BTCUSDT_240628', 'ETHUSDC', 'BTCUSD_PERP', 'ETHUSD_240628'].map(findFuturesMarket)).toEqual(['UM', 'UM', 'UM', 'CM', 'CM']);
    const forced: AccountResponse = { ...savedResponse('fapi-v3-positionRisk.json'), market: 'CM' };
    expect(importBinanceAccount([forced], { id: 'a' }).portfolio.cmPositions).toHaveLength(1);
  });

  it('a leg two files disagree on names the file and the symbol', () => {
    const other = savedResponse('fapi-v2-positionRisk.json');
    (other.json as Record<string, string>[])[0]!.positionAmt = '0.002';
    expect(() => importBinanceAccount([savedResponse('papi-v1-um-positionRisk.json'), { name: 'other.json', json: other.json }], { id: 'a' })).toThrow(/other\.json: BTCUSDT: expected the same positionAmt as papi-v1-um-positionRisk\.json \(0\.001\)/);
  });

  it('a market response given as an account names the file', () => {
    expect(() => importOne('fapi-v1-premiumIndex.json')).toThrow(/fapi-v1-premiumIndex\.json: \(document\): expected an account response/);
  });

  it('a bad field names the file and the field', () => {
    const bad = savedResponse('fapi-v3-positionRisk.json');
    (bad.json as Record<string, unknown>[])[0]!.entryPrice = 'abc';
    expect(() => importBinanceAccount([bad], { id: 'a' })).toThrow(InputError);
    expect(() => importBinanceAccount([bad], { id: 'a' })).toThrow(/fapi-v3-positionRisk\.json: \[0\]\.entryPrice: expected a decimal number/);
    const typo = savedResponse('papi-v1-balance.json');
    (typo.json as Record<string, unknown>[])[0]!.crossMarginFre = '1';
    expect(() => importBinanceAccount([typo], { id: 'a' })).toThrow(/\[0\]\.crossMarginFre: expected one of the fields/);
  });

  it('a PM Pro SPAN option balance is reported as not modelled', () => {
    const spanned = savedResponse('sapi-v1-portfolio-balance.json');
    (spanned.json as Record<string, unknown>[])[0]!.optionWalletBalance = '2.5';
    expect(importBinanceAccount([spanned], { id: 'a' }).warnings).toEqual(['sapi-v1-portfolio-balance.json: BTC optionWalletBalance 2.5 is not modelled (options are left out)']);
  });
});
