import { InputError } from '../domain/errors.js';
import { SERIES_KIND_CODE, type SeriesTable } from '../domain/series.js';

/**
 * The one way every scenario changes a price history: multiplicative factors over the base, so
 * the base's own noise, basis and funding ride on top of the scenario's shape.
 *
 *   index row of asset a           value · indexFactor(a, t)
 *   mark row of contract c         value · indexFactor(base, t) / indexFactor(quote, t) · (1 + basis(c, t))
 *                                  (quote USD for COIN-M: factor 1) — a USDⓈ-M mark is in its quote
 *                                  stablecoin, so it rises when that stablecoin depegs down
 *   funding row of symbol s        funding(s, t, value), unchanged by default
 *
 * Times, symbols and kinds are not touched: the result shares those columns with the base and
 * stays sorted. Pure: no I/O, no clock.
 */
export interface PriceTransform {
  /** USD index multiplier of an asset at time t (1 = unchanged). */
  indexFactor(asset: string, t: number): number;
  /** Premium of a contract's mark over its transformed fair level (0 = none). */
  basis?(contract: ContractSymbol, t: number): number;
  /** The funding rate in force instead of `rate` (the base's). */
  funding?(symbol: string, t: number, rate: number): number;
}

/** Stablecoins: they keep their USD price when the market moves (only a depeg moves them). */
export const STABLECOINS: ReadonlySet<string> = new Set(['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'DAI', 'USDP']);

/** Quotes recognised at the end of a USDⓈ-M symbol, longest first. */
const UM_QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB'];

export interface ContractSymbol {
  symbol: string;
  /** Underlying asset (BTC of BTCUSDT, BTCUSD_PERP, BTCUSDT_240628). */
  base: string;
  /** Quote asset of a USDⓈ-M contract, or `USD` for COIN-M. */
  quote: string;
  /** Has funding (no delivery date). */
  perpetual: boolean;
}

/** BTCUSDT, BTCUSDT_240628, BTCUSD_PERP, BTCUSD_240628, ETHBTC → base and quote; undefined if unknown. */
export function parseContractSymbol(symbol: string): ContractSymbol | undefined {
  const m = /^([A-Z0-9]+?)(?:_(PERP|\d{6}))?$/.exec(symbol);
  if (m === null) return undefined;
  const core = m[1]!;
  const suffix = m[2];
  const perpetual = suffix === undefined || suffix === 'PERP';
  for (const q of UM_QUOTES) {
    if (core.length > q.length && core.endsWith(q)) return { symbol, base: core.slice(0, -q.length), quote: q, perpetual };
  }
  if (suffix !== undefined && core.length > 3 && core.endsWith('USD')) return { symbol, base: core.slice(0, -3), quote: 'USD', perpetual };
  return undefined;
}

/** The assets with an index series, the contracts with a mark, and the perpetuals with funding rows. */
export interface SeriesInventory {
  first: number;
  last: number;
  indexAssets: Set<string>;
  markSymbols: Set<string>;
  fundingSymbols: Set<string>;
}

export function describeSeries(base: SeriesTable): SeriesInventory {
  const kindsBySymbol = new Map<number, number>();
  for (let i = 0; i < base.symbolIds.length; i++) {
    const id = base.symbolIds[i]!;
    kindsBySymbol.set(id, (kindsBySymbol.get(id) ?? 0) | (1 << base.kinds[i]!));
  }
  const pick = (kind: number) => new Set([...kindsBySymbol].filter(([, bits]) => (bits & (1 << kind)) !== 0).map(([id]) => base.symbols[id]!));
  const n = base.times.length;
  return {
    first: n === 0 ? 0 : base.times[0]!,
    last: n === 0 ? 0 : base.times[n - 1]!,
    indexAssets: pick(SERIES_KIND_CODE.index),
    markSymbols: pick(SERIES_KIND_CODE.mark),
    fundingSymbols: pick(SERIES_KIND_CODE.funding),
  };
}

/** Applies a transform row by row; a mark whose symbol cannot be split into base and quote is an InputError. */
export function applyPriceTransform(base: SeriesTable, tr: PriceTransform, src: string): SeriesTable {
  const n = base.times.length;
  const values = new Float64Array(n);
  const contracts = new Map<number, ContractSymbol>();
  const contractOf = (id: number): ContractSymbol => {
    let c = contracts.get(id);
    if (c === undefined) {
      const symbol = base.symbols[id]!;
      c = parseContractSymbol(symbol);
      if (c === undefined) throw new InputError(src, 'base', `mark symbols the scenario can split into base and quote (…USDT, …USDC, …USD_PERP, …USD_YYMMDD)`, JSON.stringify(symbol));
      contracts.set(id, c);
    }
    return c;
  };
  const quoteFactor = (quote: string, t: number) => (quote === 'USD' ? 1 : tr.indexFactor(quote, t));
  for (let i = 0; i < n; i++) {
    const t = base.times[i]!;
    const v = base.values[i]!;
    const id = base.symbolIds[i]!;
    const kind = base.kinds[i]!;
    if (kind === SERIES_KIND_CODE.index) values[i] = v * tr.indexFactor(base.symbols[id]!, t);
    else if (kind === SERIES_KIND_CODE.mark) {
      const c = contractOf(id);
      values[i] = ((v * tr.indexFactor(c.base, t)) / quoteFactor(c.quote, t)) * (1 + (tr.basis?.(c, t) ?? 0));
    } else values[i] = tr.funding === undefined ? v : tr.funding(base.symbols[id]!, t, v);
  }
  for (let i = 0; i < n; i++) {
    if (base.kinds[i] !== SERIES_KIND_CODE.funding && !(values[i]! > 0 && Number.isFinite(values[i]!))) {
      throw new InputError(src, 'params', 'parameters that keep every price above 0', `${base.symbols[base.symbolIds[i]!]} at ${new Date(base.times[i]!).toISOString()} would be ${values[i]}`);
    }
  }
  return { times: base.times, symbolIds: base.symbolIds, symbols: base.symbols, kinds: base.kinds, values };
}

/**
 * 0 before `at`, rising linearly to 1 over `rampMs`, 1 for `holdMs`, back to 0 over `recoveryMs`.
 * A zero ramp jumps at `at` itself; a zero recovery drops back at once.
 */
export function calculateEnvelope(t: number, at: number, rampMs: number, holdMs: number, recoveryMs: number): number {
  if (t < at) return 0;
  const u = t - at;
  if (u < rampMs) return u / rampMs;
  if (u < rampMs + holdMs) return 1;
  const r = u - rampMs - holdMs;
  return r < recoveryMs ? 1 - r / recoveryMs : 0;
}

/**
 * Index factors of a market move led by one asset: the asset follows `1 + r(t)`, each other
 * non-stablecoin asset `1 + β·r(t)` (β from `betas`, else `altBeta`; simple returns, so β = 1.3
 * turns −30 % into −39 %), stablecoins stay.
 */
export function moveMarket(asset: string, r: (t: number) => number, altBeta: number, betas: ReadonlyMap<string, number>): (a: string, t: number) => number {
  return (a, t) => {
    if (a === asset) return 1 + r(t);
    if (STABLECOINS.has(a)) return 1;
    return 1 + (betas.get(a) ?? altBeta) * r(t);
  };
}
