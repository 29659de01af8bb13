import { SERIES_KIND_CODE, type SeriesTable } from '../domain/series.js';
import { calculateFundingRows, calculateSentiment, simulateBasis, type FundingRow } from './basis.js';
import { findCrashWindow } from './crash.js';
import { DAY_MINUTES, MINUTE_MS, resolveSampleMarketOptions, type SampleMarketOptions, type SampleMarketOverrides } from './market-options.js';
import { simulateAssetPaths, simulateStablecoinPrices } from './paths.js';

/**
 * The synthetic sample market as a SeriesTable (docs/formats.md): one row per minute for every index
 * (options.assets, then options.stablecoins) and every contract's mark (options.contracts), plus the
 * realized funding of every perpetual.
 *
 * Row order: by time; within one timestamp index rows, then mark rows, then funding rows, each in
 * the order of `symbols` (assets, stablecoins, contracts as listed in the options). Funding rows
 * carry their jitter, so they sit between the rows of their minute and those of the next.
 *
 * Prices: index in USD; a USDⓈ-M mark in its quote stablecoin, index/P_quote·(1 + basis); a COIN-M
 * mark in USD, index·(1 + basis). Everything is rounded to options.decimals.
 */
export function generateSampleMarket(overrides: SampleMarketOverrides = {}): SeriesTable {
  const o = resolveSampleMarketOptions(overrides);
  const steps = Math.round(o.days * DAY_MINUTES);
  const { logPrices, volScale } = simulateAssetPaths(o, steps);
  const stablePrices = simulateStablecoinPrices(o, volScale, steps);

  const indexSymbols = [...o.assets.map((a) => a.asset), ...o.stablecoins.map((s) => s.asset)];
  const usdPrices = new Map<string, Float64Array>();
  o.assets.forEach((a, i) => usdPrices.set(a.asset, Float64Array.from(logPrices[i]!, Math.exp)));
  o.stablecoins.forEach((s, i) => usdPrices.set(s.asset, stablePrices[i]!));

  const driftPerMinute = o.factor.driftPerDayBefore / DAY_MINUTES;
  const sentiments = new Map(o.assets.map((a, i) => [a.asset, calculateSentiment(logPrices[i]!, o.basis.sentimentHalfLifeMinutes, a.beta * driftPerMinute)]));
  const stableSentiment = new Float64Array(steps);

  const markPrices: Float64Array[] = [];
  const funding: FundingRow[] = [];
  for (const c of o.contracts) {
    const sentiment = sentiments.get(c.asset) ?? stableSentiment;
    const basis = simulateBasis(o, c, { sentiment, volScale, start: o.start });
    const index = usdPrices.get(c.asset)!;
    const quote = c.quote === 'USD' ? undefined : usdPrices.get(c.quote)!;
    const mark = new Float64Array(steps);
    for (let t = 0; t < steps; t++) mark[t] = (index[t]! / (quote === undefined ? 1 : quote[t]!)) * (1 + basis[t]!);
    markPrices.push(mark);
    if (c.expiry === undefined) funding.push(...calculateFundingRows(o, c, basis, o.start));
  }

  const symbols = [...indexSymbols, ...o.contracts.map((c) => c.symbol)];
  const symbolId = new Map(symbols.map((s, i) => [s, i]));
  const fundingByMinute = groupFundingByMinute(funding, symbolId, o.start);
  const rowsPerStep = symbols.length;
  const n = steps * rowsPerStep + funding.length;
  const table: SeriesTable = { times: new Float64Array(n), symbolIds: new Int32Array(n), symbols, kinds: new Uint8Array(n), values: new Float64Array(n) };
  const scale = 10 ** o.decimals;
  const round = (v: number) => Math.round(v * scale) / scale;
  const indexSeries = indexSymbols.map((s) => usdPrices.get(s)!);

  let row = 0;
  const put = (time: number, id: number, kind: number, value: number) => {
    table.times[row] = time;
    table.symbolIds[row] = id;
    table.kinds[row] = kind;
    table.values[row] = value;
    row++;
  };
  for (let t = 0; t < steps; t++) {
    const time = o.start + t * MINUTE_MS;
    indexSeries.forEach((series, i) => put(time, i, SERIES_KIND_CODE.index, round(series[t]!)));
    markPrices.forEach((series, i) => put(time, indexSymbols.length + i, SERIES_KIND_CODE.mark, round(series[t]!)));
    for (const f of fundingByMinute.get(t) ?? []) put(f.time, symbolId.get(f.symbol)!, SERIES_KIND_CODE.funding, round(f.rate));
  }
  return table;
}

/** Funding rows keyed by the minute they follow, each group sorted by time then symbol order. */
function groupFundingByMinute(rows: readonly FundingRow[], symbolId: ReadonlyMap<string, number>, start: number): Map<number, FundingRow[]> {
  const out = new Map<number, FundingRow[]>();
  for (const r of rows) {
    const minute = Math.floor((r.time - start) / MINUTE_MS);
    const group = out.get(minute) ?? [];
    group.push(r);
    out.set(minute, group);
  }
  for (const group of out.values()) group.sort((a, b) => a.time - b.time || symbolId.get(a.symbol)! - symbolId.get(b.symbol)!);
  return out;
}

/** When the crash of a market generated with these options happens, in ms. */
export interface SampleCrashTimes {
  /** The fall runs from `start` to `bottom`; the rebound from `bottom` to `reboundEnd`. */
  start: number;
  bottom: number;
  reboundEnd: number;
  /** Fall of a beta-1 asset (BTC by default) from `start` to `bottom`, e.g. 0.28. */
  depth: number;
}

export function findSampleCrashTimes(overrides: SampleMarketOverrides = {}): SampleCrashTimes | undefined {
  const o: SampleMarketOptions = resolveSampleMarketOptions(overrides);
  if (!o.crash.enabled) return undefined;
  const w = findCrashWindow(o.crash);
  return { start: o.start + w.startMinute * MINUTE_MS, bottom: o.start + w.endMinute * MINUTE_MS, reboundEnd: o.start + w.reboundEndMinute * MINUTE_MS, depth: o.crash.depth };
}
