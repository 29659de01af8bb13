import { InputError } from '../../domain/errors.js';
import type { SeriesKind } from '../../domain/series.js';
import { parseFuturesSymbol, type FuturesMarket } from '../binance/symbols.js';

// What to download for a set of contracts and assets (docs/cli.md "pmbt fetch"): per contract its
// mark klines and, for a perpetual, its realized funding; per asset its USD index.

export type { FuturesMarket };
export type Dataset = 'markPriceKlines' | 'indexPriceKlines' | 'fundingRate';

/** One Binance series: where it lives (market, data set, Binance's symbol or pair). */
export interface SourceSpec {
  market: FuturesMarket;
  dataset: Dataset;
  /** The contract symbol (mark, funding) or the pair (index) as Binance names it. */
  name: string;
}

/** One series of the price history and the Binance series it is read from, tried in order. */
export interface SeriesSpec {
  symbol: string;
  kind: SeriesKind;
  sources: readonly SourceSpec[];
}

export interface FetchPlan {
  series: SeriesSpec[];
  /** Assets given a constant USD index of 1 at every bar (stablecoins). */
  constantIndex: string[];
  contracts: string[];
  assets: string[];
}

export interface ContractInfo {
  market: FuturesMarket;
  perpetual: boolean;
  base: string;
  /** The asset the contract is margined and settled in. */
  marginAsset: string;
}

/** Assumed worth 1 USD: Binance publishes no USD index for them on the futures markets. */
export const STABLECOINS = ['USDT', 'USDC', 'FDUSD'] as const;
const CONTRACT_EXPECTED = 'a Binance futures contract: BTCUSDT, BTCUSDC, BTCUSDT_240628 (USDⓈ-M) or BTCUSD_PERP, BTCUSD_240628 (COIN-M)';

/** The contract's market, base and margin asset (parseFuturesSymbol); an InputError for anything else. */
export function classifyContract(symbol: string, src = '--symbols'): ContractInfo {
  const contract = parseFuturesSymbol(symbol);
  if (contract === undefined) throw new InputError(src, symbol, CONTRACT_EXPECTED, JSON.stringify(symbol));
  return { market: contract.market, perpetual: contract.perpetual, base: contract.base, marginAsset: contract.market === 'cm' ? contract.base : contract.quote };
}

/**
 * An asset's USD index: COIN-M's `<ASSET>USD` pair index (quoted in USD) where COIN-M lists the
 * asset, else USDⓈ-M's `<ASSET>USDT` pair index taking 1 USDT = 1 USD.
 */
export function indexSources(asset: string): SourceSpec[] {
  return [
    { market: 'cm', dataset: 'indexPriceKlines', name: `${asset}USD` },
    { market: 'um', dataset: 'indexPriceKlines', name: `${asset}USDT` },
  ];
}

const isStablecoin = (asset: string) => (STABLECOINS as readonly string[]).includes(asset);

/** The series for these contracts and (besides theirs) these assets, in a stable order. */
export function planFetch(contracts: readonly string[], extraAssets: readonly string[] = []): FetchPlan {
  const uniqueContracts = [...new Set(contracts)].sort();
  const assets = new Set(extraAssets);
  const series: SeriesSpec[] = [];
  for (const symbol of uniqueContracts) {
    const info = classifyContract(symbol);
    assets.add(info.base);
    assets.add(info.marginAsset);
    series.push({ symbol, kind: 'mark', sources: [{ market: info.market, dataset: 'markPriceKlines', name: symbol }] });
    if (info.perpetual) series.push({ symbol, kind: 'funding', sources: [{ market: info.market, dataset: 'fundingRate', name: symbol }] });
  }
  const sortedAssets = [...assets].sort();
  for (const asset of sortedAssets) {
    if (!isStablecoin(asset)) series.push({ symbol: asset, kind: 'index', sources: indexSources(asset) });
  }
  return { series, constantIndex: sortedAssets.filter(isStablecoin), contracts: uniqueContracts, assets: sortedAssets };
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (row: unknown, name: string): unknown => (typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[name] : undefined);

function readName(src: string, path: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Z0-9_]+$/.test(value)) throw new InputError(src, path, 'a symbol or asset name (capital letters, digits, _)', JSON.stringify(value));
  return value;
}

/** A margin order's symbol split into base and quote, with the quotes pmbt's default rules know. */
function splitSpotPair(src: string, path: string, symbol: string): string[] {
  const quote = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'BTC', 'ETH', 'BNB'].find((q) => symbol.endsWith(q) && symbol.length > q.length);
  if (quote === undefined) throw new InputError(src, path, 'a margin pair ending in a known quote asset (USDT, USDC, FDUSD, BUSD, BTC, ETH, BNB), or baseAsset and quoteAsset', JSON.stringify(symbol));
  return [symbol.slice(0, -quote.length), quote];
}

/**
 * The contracts and assets one portfolio document involves: positions' and trades' contracts;
 * balances' and loans' assets, transfers' and borrows' assets, and margin orders' two assets.
 */
export function collectPortfolioNeeds(doc: Record<string, unknown>, src: string, into: { contracts: Set<string>; assets: Set<string> }): void {
  for (const key of ['umPositions', 'cmPositions'] as const) {
    asArray(doc[key]).forEach((p, i) => into.contracts.add(readName(src, `${key}[${i}].symbol`, field(p, 'symbol'))));
  }
  asArray(doc.balances).forEach((b, i) => into.assets.add(readName(src, `balances[${i}].asset`, field(b, 'asset'))));
  asArray(doc.marginOpenOrders).forEach((o, i) => {
    const base = field(o, 'baseAsset');
    const quote = field(o, 'quoteAsset');
    const pair = base !== undefined && quote !== undefined
      ? [readName(src, `marginOpenOrders[${i}].baseAsset`, base), readName(src, `marginOpenOrders[${i}].quoteAsset`, quote)]
      : splitSpotPair(src, `marginOpenOrders[${i}].symbol`, readName(src, `marginOpenOrders[${i}].symbol`, field(o, 'symbol')));
    pair.forEach((a) => into.assets.add(a));
  });
  asArray(doc.actions).forEach((a, i) => {
    if (field(a, 'type') === 'trade') into.contracts.add(readName(src, `actions[${i}].symbol`, field(a, 'symbol')));
    else if (field(a, 'asset') !== undefined) into.assets.add(readName(src, `actions[${i}].asset`, field(a, 'asset')));
  });
}
