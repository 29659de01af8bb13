import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { BINANCE_RESPONSES, listBinanceEndpoints, recogniseBinanceResponse } from '../../../src/io/binance/responses.js';
import { savedResponse } from './fixtures.js';

// Every documented response example is recognised by its shape, whatever the file is called.
const EXPECTED: [string, string][] = [
  ['papi-v1-balance.json', 'balances'],
  ['sapi-v1-portfolio-balance.json', 'balances'],
  ['papi-v1-account.json', 'accountSummary'],
  ['sapi-v1-portfolio-account.json', 'accountSummary'],
  ['papi-v1-um-account.json', 'futuresAccount'],
  ['papi-v1-cm-account.json', 'futuresAccount'],
  ['papi-v1-um-positionRisk.json', 'positionRisk'],
  ['papi-v1-cm-positionRisk.json', 'positionRisk'],
  ['fapi-v2-positionRisk.json', 'positionRisk'],
  ['fapi-v3-positionRisk.json', 'positionRisk'],
  ['dapi-v1-positionRisk.json', 'positionRisk'],
  ['sapi-v1-portfolio-asset-index-price.json', 'assetIndexPrice'],
  ['fapi-v1-premiumIndex.json', 'premiumIndex'],
  ['dapi-v1-premiumIndex.json', 'premiumIndex'],
];

describe('the table of Binance responses', () => {
  it.each(EXPECTED)('%s is a %s response', (file, kind) => {
    const { name, json } = savedResponse(file);
    // Renamed, it is still recognised: the shape decides.
    expect(recogniseBinanceResponse({ name: 'renamed.json', json }).shape?.kind).toBe(kind);
    expect(name).toBe(file);
  });

  it('lists every endpoint of the brief once, and each fixture endpoint is in the table', () => {
    const endpoints = listBinanceEndpoints();
    expect(new Set(endpoints).size).toBe(endpoints.length);
    for (const [file] of EXPECTED) expect(endpoints).toContain(`/${file.replace(/\.json$/, '').replaceAll('-', '/').replace('asset/index/price', 'asset-index-price')}`);
    expect(BINANCE_RESPONSES.filter((s) => s.use === 'market').flatMap((s) => s.endpoints)).toEqual(listBinanceEndpoints('market'));
  });

  it('an empty array is a response with nothing in it', () => {
    expect(recogniseBinanceResponse({ name: 'x.json', json: [] }).shape).toBeUndefined();
  });

  it('anything else names the file and the endpoints it could have been', () => {
    const bad = () => recogniseBinanceResponse({ name: 'mystery.json', json: { hello: 1 } });
    expect(bad).toThrow(InputError);
    expect(bad).toThrow(/mystery\.json.*\/papi\/v1\/balance.*got an object with the fields hello/);
    expect(() => recogniseBinanceResponse({ name: 'n.json', json: [1, 2] })).toThrow(/n\.json: \[0\]: expected a Binance response/);
  });
});
