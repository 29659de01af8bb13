// What pmbt fetch downloads for contracts and portfolios, and where an asset's USD index comes from.
import { afterEach, describe, expect, it } from 'vitest';
import { SERIES_KIND_CODE } from '../../../src/domain/series.js';
import { memoryCache } from '../../../src/io/binance-data/cache.js';
import { parseDay, splitWholeMonths } from '../../../src/io/binance-data/days.js';
import { fetchPriceHistory } from '../../../src/io/binance-data/fetch-history.js';
import { classifyContract, collectPortfolioNeeds, planFetch } from '../../../src/io/binance-data/plan.js';
import { startBinanceDataServer, type BinanceDataServer } from '../../helpers/binance-data-server.js';

const day = (t: string) => parseDay(t)!;
let server: BinanceDataServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('classifyContract', () => {
  it('tells COIN-M from USDⓈ-M, perpetuals from deliveries, and finds base and margin assets', () => {
    expect(classifyContract('BTCUSD_PERP')).toEqual({ market: 'cm', perpetual: true, base: 'BTC', marginAsset: 'BTC' });
    expect(classifyContract('ETHUSD_240628')).toEqual({ market: 'cm', perpetual: false, base: 'ETH', marginAsset: 'ETH' });
    expect(classifyContract('BTCUSDT')).toEqual({ market: 'um', perpetual: true, base: 'BTC', marginAsset: 'USDT' });
    expect(classifyContract('ETHUSDC')).toEqual({ market: 'um', perpetual: true, base: 'ETH', marginAsset: 'USDC' });
    expect(classifyContract('BTCUSDT_240628')).toEqual({ market: 'um', perpetual: false, base: 'BTC', marginAsset: 'USDT' });
    expect(classifyContract('1000PEPEUSDT').base).toBe('1000PEPE');
    for (const bad of ['BTC', 'ETHBTC', 'btcusdt', 'BTCUSD_PERPX', 'USDT']) expect(() => classifyContract(bad), bad).toThrow(/expected a Binance futures contract/);
  });
});

describe('planFetch', () => {
  it('marks for every contract, funding for perpetuals, an index per asset, stablecoins constant', () => {
    const plan = planFetch(['BTCUSD_PERP', 'ETHUSDT_240628', 'BTCUSDT', 'BTCUSDT'], ['BNB', 'FDUSD']);
    expect(plan.series.map((s) => `${s.symbol} ${s.kind} ${s.sources.map((x) => `${x.market}:${x.dataset}:${x.name}`).join(' | ')}`)).toEqual([
      'BTCUSDT mark um:markPriceKlines:BTCUSDT',
      'BTCUSDT funding um:fundingRate:BTCUSDT',
      'BTCUSD_PERP mark cm:markPriceKlines:BTCUSD_PERP',
      'BTCUSD_PERP funding cm:fundingRate:BTCUSD_PERP',
      'ETHUSDT_240628 mark um:markPriceKlines:ETHUSDT_240628',
      'BNB index cm:indexPriceKlines:BNBUSD | um:indexPriceKlines:BNBUSDT',
      'BTC index cm:indexPriceKlines:BTCUSD | um:indexPriceKlines:BTCUSDT',
      'ETH index cm:indexPriceKlines:ETHUSD | um:indexPriceKlines:ETHUSDT',
    ]);
    expect(plan.constantIndex).toEqual(['FDUSD', 'USDT']);
  });

  it('collects what portfolios hold: positions, balances, loans, margin orders and actions', () => {
    const needs = { contracts: new Set<string>(), assets: new Set<string>() };
    collectPortfolioNeeds({
      balances: [{ asset: 'USDT' }, { asset: 'SOL', crossMarginBorrowed: '3' }],
      umPositions: [{ symbol: 'ETHUSDT' }], cmPositions: [{ symbol: 'BTCUSD_PERP' }],
      marginOpenOrders: [{ symbol: 'XRPUSDC' }, { symbol: 'X', baseAsset: 'ADA', quoteAsset: 'FDUSD' }],
      actions: [{ type: 'trade', symbol: 'BNBUSDT' }, { type: 'borrow', asset: 'DOGE' }],
    }, 'p.jsonl', needs);
    expect([...needs.contracts].sort()).toEqual(['BNBUSDT', 'BTCUSD_PERP', 'ETHUSDT']);
    expect([...needs.assets].sort()).toEqual(['ADA', 'DOGE', 'FDUSD', 'SOL', 'USDC', 'USDT', 'XRP']);
    expect(() => collectPortfolioNeeds({ umPositions: [{ symbol: 7 }] }, 'p.jsonl', needs)).toThrow('p.jsonl: umPositions[0].symbol: expected a symbol or asset name (capital letters, digits, _), got 7');
  });

  it('splits a range into whole months the archive can have and the other days', () => {
    const { months, days } = splitWholeMonths(day('2024-02-28'), day('2024-04-02'), day('2024-04-10'));
    expect(months).toEqual([day('2024-03-01')]);
    expect(days).toEqual([day('2024-02-28'), day('2024-02-29'), day('2024-04-01'), day('2024-04-02')]);
    // A month not ended before the archive's cut-off is fetched by day.
    expect(splitWholeMonths(day('2024-03-01'), day('2024-03-31'), day('2024-03-31')).months).toEqual([]);
  });
});

describe('index derivation', () => {
  it('an asset COIN-M does not list takes USDⓈ-M\'s <ASSET>USDT index, with a note', async () => {
    server = await startBinanceDataServer({ cmBases: ['BTC'] });
    let now = Date.parse('2024-06-01T00:00:00Z');
    const result = await fetchPriceHistory({
      plan: planFetch(['DOGEUSDT']), from: day('2024-03-01'), to: day('2024-03-02'), interval: '1h', cache: memoryCache(),
      http: { fetch: (u, i) => fetch(u, i), now: () => now, sleep: async (ms) => void (now += ms) }, urls: { archive: server.url, fapi: server.url, dapi: server.url },
    });
    expect(result.notes).toEqual(['DOGE index: DOGEUSD is not listed on COIN-M; using um DOGEUSDT']);
    const t = result.table;
    const doge = t.symbols.indexOf('DOGE');
    const rows = [...t.kinds.keys()].filter((i) => t.symbolIds[i] === doge && t.kinds[i] === SERIES_KIND_CODE.index);
    expect(rows.length).toBe(48);
    expect(server.log.some((l) => l.path.includes('/um/daily/indexPriceKlines/DOGEUSDT/1h/') && l.status === 200)).toBe(true);
  });
});
