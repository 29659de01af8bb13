import { Dec } from '../../domain/decimal.js';
import { InputError, type InputSource } from '../../domain/errors.js';
import type { MarketSnapshot } from '../../domain/types.js';
import { joinPath, readObject, readPositiveDecimal, readString } from '../../domain/json-fields.js';
import { parseMarketSnapshot } from '../json/market.js';
import { recogniseBinanceResponse, type SavedResponse } from './responses.js';

// A market snapshot from Binance's own market responses, alone or several merged:
// /sapi/v1/portfolio/asset-index-price gives the assets' USD index prices, /fapi/v1/premiumIndex
// and /dapi/v1/premiumIndex the contracts' mark prices (their indexPrice is the contract's
// underlying index, in the quote asset: not an asset's USD index, so not used). A market snapshot
// document (docs/formats.md) may be merged in too. The same price given twice must agree.

/** Stablecoins whose USD index is taken as 1, with a warning, when no input gives it. */
export const STABLECOIN_DEFAULTS = ['USDT', 'USDC', 'FDUSD'] as const;

export interface BuiltMarket {
  market: MarketSnapshot;
  indexPrices: Map<string, Dec>;
  markPrices: Map<string, Dec>;
  time?: number;
  warnings: string[];
}

interface Prices {
  index: Map<string, { value: Dec; from: InputSource }>;
  mark: Map<string, { value: Dec; from: InputSource }>;
  time?: number;
}

function setPrice(table: Prices['index'], name: string, value: Dec, from: InputSource, path: string): void {
  const seen = table.get(name);
  if (seen !== undefined && !seen.value.eq(value)) throw new InputError(from, path, `the price ${seen.from} gives for ${name} (${seen.value.toString()})`, value.toString());
  if (seen === undefined) table.set(name, { value, from });
}

function noteTime(p: Prices, v: unknown): void {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) p.time = Math.max(p.time ?? 0, v);
}

const isMarketDocument = (json: unknown) => typeof json === 'object' && json !== null && !Array.isArray(json) && ('indexPrices' in json || 'markPrices' in json);

function addMarketResponse(p: Prices, response: SavedResponse): void {
  const { name, json } = response;
  if (isMarketDocument(json)) {
    const doc = parseMarketSnapshot(json, name);
    for (const [k, v] of doc.indexPrices as Map<string, Dec>) setPrice(p.index, k, v, name, joinPath('indexPrices', k));
    for (const [k, v] of doc.markPrices as Map<string, Dec>) setPrice(p.mark, k, v, name, joinPath('markPrices', k));
    noteTime(p, doc.time);
    return;
  }
  const r = recogniseBinanceResponse(response);
  if (r.shape === undefined) return;
  if (r.shape.use !== 'market') throw new InputError(name, '', 'a market response (/sapi/v1/portfolio/asset-index-price, /fapi/v1/premiumIndex, /dapi/v1/premiumIndex) or a market snapshot', `an account response (${r.shape.endpoints.join(' or ')})`);
  r.rows.forEach((raw, i) => {
    const path = Array.isArray(json) ? `[${i}]` : '';
    const o = readObject(name, path, raw);
    if (r.shape?.kind === 'assetIndexPrice') {
      const asset = readString(name, joinPath(path, 'asset'), o.asset);
      setPrice(p.index, asset, readPositiveDecimal(name, joinPath(path, 'assetIndexPrice'), o.assetIndexPrice), name, joinPath(path, 'assetIndexPrice'));
    } else {
      const symbol = readString(name, joinPath(path, 'symbol'), o.symbol);
      setPrice(p.mark, symbol, readPositiveDecimal(name, joinPath(path, 'markPrice'), o.markPrice), name, joinPath(path, 'markPrice'));
    }
    noteTime(p, o.time);
  });
}

/**
 * The market the responses give. A stablecoin of STABLECOIN_DEFAULTS that none gives is set to 1
 * with a warning, for those in `stablecoinsNeeded` (default: all three); any other missing index
 * price is left missing, for the engine to name.
 */
export function buildBinanceMarket(responses: readonly SavedResponse[], stablecoinsNeeded: Iterable<string> = STABLECOIN_DEFAULTS): BuiltMarket {
  const p: Prices = { index: new Map(), mark: new Map() };
  for (const r of responses) addMarketResponse(p, r);
  const warnings: string[] = [];
  const needed = new Set(stablecoinsNeeded);
  for (const coin of STABLECOIN_DEFAULTS) {
    if (!needed.has(coin) || p.index.has(coin)) continue;
    p.index.set(coin, { value: new Dec(1), from: 'default' });
    warnings.push(`index price of ${coin}: no input gives it, 1 USD assumed (a stablecoin default)`);
  }
  const indexPrices = new Map([...p.index].map(([k, v]) => [k, v.value]));
  const markPrices = new Map([...p.mark].map(([k, v]) => [k, v.value]));
  return { market: { time: p.time, indexPrices, markPrices }, indexPrices, markPrices, time: p.time, warnings };
}

/** The market snapshot document (docs/formats.md) of a built market, for --market-out. */
export function formatMarketDocument(m: BuiltMarket): Record<string, unknown> {
  const sorted = (prices: Map<string, Dec>) => Object.fromEntries([...prices].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v.toString()]));
  return { version: 1, ...(m.time === undefined ? {} : { time: m.time }), indexPrices: sorted(m.indexPrices), markPrices: sorted(m.markPrices) };
}
