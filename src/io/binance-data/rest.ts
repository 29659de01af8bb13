import { InputError } from '../../domain/errors.js';
import { describeValue } from '../../domain/json-fields.js';
import { BINANCE_KLINE_COLUMNS } from '../binance/klines.js';
import { extractCandleSeries, type SeriesPart } from '../convert/series-parts.js';
import { jsonRowsTable } from '../convert/json-tables.js';
import { DEFAULT_RETRY, describeFailure, getWithRetry, WeightBudget, type HttpDeps, type RetryPolicy } from './http.js';
import type { SeriesSpec, SourceSpec } from './plan.js';

// Binance's public futures REST API, for the days the archive does not have yet.
//   GET /fapi/v1/markPriceKlines?symbol  /fapi/v1/indexPriceKlines?pair  /fapi/v1/fundingRate?symbol
//   GET /dapi/v1/markPriceKlines?symbol  /dapi/v1/indexPriceKlines?pair  /dapi/v1/fundingRate?symbol
// Klines: limit ≤ 1500, weight by limit (klineWeight); funding: limit ≤ 1000, weight 1 on dapi,
// and on fapi a separate 500 per 5 minutes shared with /fapi/v1/fundingInfo.

export const KLINE_PAGE = 1500;
export const FUNDING_PAGE = 1000;
/** Binance's published IP limit on fapi and dapi is 2400 per minute; we leave room for other clients. */
export const DEFAULT_WEIGHT_PER_MINUTE = 2000;

/** The request weight of a kline request (markPriceKlines, indexPriceKlines) by its limit. */
export function klineWeight(limit: number): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

export interface RestClient {
  deps: HttpDeps;
  hosts: { um: string; cm: string };
  retry: RetryPolicy;
  budgets: { um: WeightBudget; cm: WeightBudget; umFunding: WeightBudget };
  requests: number;
}

export function createRestClient(deps: HttpDeps, hosts: { um: string; cm: string }, options: { retry?: RetryPolicy; weightPerMinute?: number } = {}): RestClient {
  const limit = options.weightPerMinute ?? DEFAULT_WEIGHT_PER_MINUTE;
  return {
    deps,
    hosts: { um: hosts.um.replace(/\/+$/, ''), cm: hosts.cm.replace(/\/+$/, '') },
    retry: options.retry ?? DEFAULT_RETRY,
    budgets: { um: new WeightBudget(limit), cm: new WeightBudget(limit), umFunding: new WeightBudget(500, 300_000) },
    requests: 0,
  };
}

/** The symbol or pair is not listed on that market (Binance's -1121 "Invalid symbol"): try another source. */
export class UnlistedSymbolError extends Error {
  override name = 'UnlistedSymbolError';
  constructor(
    readonly url: string,
    readonly failure: string,
    message: string,
  ) {
    super(message);
  }

  /** When no other source is left: bad input, naming the URL and Binance's answer. */
  toInputError(): InputError {
    return new InputError(this.url, '', 'a successful response', this.failure);
  }
}

function endpointOf(client: RestClient, source: SourceSpec): string {
  const api = source.market === 'um' ? 'fapi' : 'dapi';
  const param = source.dataset === 'indexPriceKlines' ? 'pair' : 'symbol';
  return `${client.hosts[source.market]}/${api}/v1/${source.dataset}?${param}=${encodeURIComponent(source.name)}`;
}

/** One page: weight taken, retried, a failure other than an unlisted symbol an error naming the URL. */
async function getPage(client: RestClient, source: SourceSpec, url: string, weight: number): Promise<{ body: unknown; bytes: number }> {
  const budget = source.dataset === 'fundingRate' && source.market === 'um' ? client.budgets.umFunding : client.budgets[source.market];
  await budget.take(weight, client.deps);
  client.requests++;
  const res = await getWithRetry(client.deps, url, client.retry, (r) => client.budgets[source.market].observe(r, client.deps));
  if (!res.ok) {
    const failure = await describeFailure(res);
    if (res.status === 400 && failure.includes('"code":-1121')) throw new UnlistedSymbolError(url, failure, `${source.name} is not listed on ${source.market === 'um' ? 'USDⓈ-M' : 'COIN-M'}`);
    throw new InputError(url, '', 'a successful response', failure);
  }
  const text = await res.text();
  try {
    return { body: JSON.parse(text) as unknown, bytes: text.length };
  } catch {
    throw new InputError(url, '', 'a JSON response', JSON.stringify(text.slice(0, 80)));
  }
}

function readArray(url: string, body: unknown): unknown[] {
  if (!Array.isArray(body)) throw new InputError(url, '', 'a JSON array', describeValue(body));
  return body;
}

/**
 * The klines opening in [start, end), page by page: each page asks for no more bars than remain
 * (a smaller limit weighs less) and the next starts one interval after the last bar received.
 */
export async function fetchRestKlines(client: RestClient, source: SourceSpec, interval: string, intervalMs: number, start: number, end: number): Promise<{ rows: unknown[][]; bytes: number }> {
  const rows: unknown[][] = [];
  let bytes = 0;
  let cursor = start;
  while (cursor < end) {
    const limit = Math.min(KLINE_PAGE, Math.ceil((end - cursor) / intervalMs));
    const url = `${endpointOf(client, source)}&interval=${interval}&startTime=${cursor}&endTime=${end - 1}&limit=${limit}`;
    const page = await getPage(client, source, url, klineWeight(limit));
    bytes += page.bytes;
    const bars = readArray(url, page.body);
    let last = -1;
    bars.forEach((bar, i) => {
      if (!Array.isArray(bar) || bar.length < 5 || typeof bar[0] !== 'number') throw new InputError(url, `[${i}]`, 'a kline [open_time, open, high, low, close, ...]', describeValue(bar));
      const open = bar[0];
      if (open >= cursor && open < end) rows.push(bar);
      last = Math.max(last, open);
    });
    if (bars.length < limit || last < cursor) break;
    cursor = last + intervalMs;
  }
  return { rows, bytes };
}

/** The realized funding in [start, end), page by page from one past the last funding time received. */
export async function fetchRestFunding(client: RestClient, source: SourceSpec, start: number, end: number): Promise<{ rows: Record<string, unknown>[]; bytes: number }> {
  const rows: Record<string, unknown>[] = [];
  let bytes = 0;
  let cursor = start;
  while (cursor < end) {
    const url = `${endpointOf(client, source)}&startTime=${cursor}&endTime=${end - 1}&limit=${FUNDING_PAGE}`;
    const page = await getPage(client, source, url, 1);
    bytes += page.bytes;
    const items = readArray(url, page.body);
    let last = -1;
    items.forEach((item, i) => {
      const time = (item as { fundingTime?: unknown } | null)?.fundingTime;
      if (typeof item !== 'object' || item === null || typeof time !== 'number') throw new InputError(url, `[${i}].fundingTime`, 'a funding time in ms', describeValue(time));
      if (time >= cursor && time < end) rows.push(item as Record<string, unknown>);
      last = Math.max(last, time);
    });
    if (items.length < FUNDING_PAGE || last < cursor) break;
    cursor = last + 1;
  }
  return { rows, bytes };
}

/** REST kline arrays as series rows, read like the archive's CSV: close at open + interval, with high and low. */
export function decodeRestKlines(rows: readonly unknown[][], src: string, series: SeriesSpec, intervalMs: number): SeriesPart {
  return extractCandleSeries(jsonRowsTable(rows, src, BINANCE_KLINE_COLUMNS), { symbol: series.symbol, kind: series.kind, column: 'close', at: 'close', intervalMs, timeColumn: 'open_time', timeUnit: 'ms', skipMissing: false, extremes: true });
}

/** REST funding objects {symbol, fundingTime, fundingRate, markPrice} as series rows at their funding time. */
export function decodeRestFunding(rows: readonly Record<string, unknown>[], src: string, series: SeriesSpec): SeriesPart {
  return extractCandleSeries(jsonRowsTable(rows, src, ['fundingTime', 'fundingRate']), { symbol: series.symbol, kind: 'funding', column: 'fundingRate', at: 'open', timeColumn: 'fundingTime', timeUnit: 'ms', skipMissing: false });
}
