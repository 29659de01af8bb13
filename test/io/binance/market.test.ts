import { describe, expect, it } from 'vitest';
import { buildBinanceMarket, formatMarketDocument } from '../../../src/io/binance/market.js';
import { parseMarketSnapshot } from '../../../src/io/json/market.js';
import { savedResponse } from './fixtures.js';

const THREE = ['sapi-v1-portfolio-asset-index-price.json', 'fapi-v1-premiumIndex.json', 'dapi-v1-premiumIndex.json'].map(savedResponse);
const text = (m: Map<string, { toString(): string }>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));

describe('buildBinanceMarket', () => {
  it('merges asset-index-price, fapi and dapi premiumIndex into the hand-derived prices', () => {
    const built = buildBinanceMarket(THREE, ['USDT']);
    // Index: BTC from asset-index-price, USDT the stated default. Marks: BTCUSDT from the fapi
    // object, both dapi rows. premiumIndex's indexPrice (a contract's index in its quote) is not used.
    expect(text(built.indexPrices)).toEqual({ BTC: '28251.9136906', USDT: '1' });
    expect(text(built.markPrices)).toEqual({ BTCUSDT: '11793.63104562', BTCUSD_PERP: '11029.69574559', BTCUSD_200925: '12077.0134375' });
    expect(built.time).toBe(1683518338121); // the latest of the responses' times
    expect(built.market.indexPrices.get('BTC')?.toString()).toBe('28251.9136906');
  });

  it('a stablecoin no input gives is 1 with a warning; one an input gives is not', () => {
    expect(buildBinanceMarket(THREE).warnings).toEqual(['USDT', 'USDC', 'FDUSD'].map((c) => `index price of ${c}: no input gives it, 1 USD assumed (a stablecoin default)`));
    const withUsdt = [...THREE, { name: 'usdt.json', json: [{ asset: 'USDT', assetIndexPrice: '0.9998', time: 1 }] }];
    const built = buildBinanceMarket(withUsdt, ['USDT']);
    expect(built.warnings).toEqual([]);
    expect(built.indexPrices.get('USDT')?.toString()).toBe('0.9998');
    // Only the stablecoins asked for are defaulted; other assets stay missing for the engine to name.
    expect(buildBinanceMarket(THREE, []).indexPrices.has('USDT')).toBe(false);
    expect(buildBinanceMarket(THREE, []).indexPrices.has('ETH')).toBe(false);
  });

  it('each response alone; a single object; a market snapshot document merged in', () => {
    expect(text(buildBinanceMarket([THREE[1]!], []).markPrices)).toEqual({ BTCUSDT: '11793.63104562' });
    const doc = { name: 'm.json', json: { time: 5, indexPrices: { ETH: '2000' }, markPrices: { ETHUSDT: '2001' } } };
    expect(text(buildBinanceMarket([doc, THREE[0]!], []).indexPrices)).toEqual({ ETH: '2000', BTC: '28251.9136906' });
  });

  it('the document it writes parses as a market snapshot with the same prices', () => {
    const built = buildBinanceMarket(THREE, ['USDT']);
    const doc = formatMarketDocument(built);
    expect(doc).toEqual({ version: 1, time: 1683518338121, indexPrices: { BTC: '28251.9136906', USDT: '1' }, markPrices: { BTCUSDT: '11793.63104562', BTCUSD_200925: '12077.0134375', BTCUSD_PERP: '11029.69574559' } });
    const back = parseMarketSnapshot(JSON.parse(JSON.stringify(doc)), 'm.json');
    expect(back.markPrices.get('BTCUSD_PERP')?.toString()).toBe('11029.69574559');
  });

  it('bad responses name the file and the field', () => {
    expect(() => buildBinanceMarket([THREE[0]!, { name: 'b.json', json: [{ asset: 'BTC', assetIndexPrice: '1', time: 1 }] }])).toThrow(/b\.json: \[0\]\.assetIndexPrice: expected the price sapi-v1-portfolio-asset-index-price\.json gives for BTC/);
    expect(() => buildBinanceMarket([{ name: 'n.json', json: { symbol: 'BTCUSDT', markPrice: '-1' } }])).toThrow(/n\.json: markPrice: expected a number > 0/);
    expect(() => buildBinanceMarket([savedResponse('papi-v1-balance.json')])).toThrow(/papi-v1-balance\.json: \(document\): expected a market response/);
  });
});
