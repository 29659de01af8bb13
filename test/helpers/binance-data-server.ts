// A loopback stand-in for Binance's public market data, in Binance's own formats: the data
// archive (data.binance.vision: zips with a header row as the archive writes them since 2022, and
// .CHECKSUM files) and the futures REST endpoints (kline arrays with prices as strings and times
// as numbers; funding objects). Prices are a deterministic function of the series and the time,
// so any symbol on any day has data. It can hold the archive back after a day (later days 404 →
// REST), inject 429 with Retry-After, 418, 500 and dropped connections, corrupt a zip, and
// counts requests and REST weight.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';
import { DAY_MS, KLINE_INTERVALS, nextMonth, parseDay } from '../../src/io/binance-data/days.js';
import { klineWeight } from '../../src/io/binance-data/rest.js';

export interface Fault {
  /** Matched against the request's path and query. */
  match: RegExp;
  response: { status: 418 | 429 | 500 | 503; retryAfter?: number } | 'drop';
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface BinanceDataServerOptions {
  /** The archive holds daily files up to this day and monthly files of months ended by then (default: all). */
  archiveUntil?: string;
  /** Bases COIN-M lists (default BTC, ETH, BNB, SOL, XRP); any *USDT/*USDC is listed on USDⓈ-M. */
  cmBases?: readonly string[];
  faults?: Fault[];
  /** Archive paths whose zip is served with a byte changed (its .CHECKSUM stays the true one). */
  corrupt?: readonly string[];
  /** Archive CSVs without the header row (files before 2022). */
  headerless?: boolean;
}

export interface LoggedRequest {
  path: string;
  status: number | 'dropped';
}

export interface BinanceDataServer {
  url: string;
  log: LoggedRequest[];
  /** REST weight charged per API (fapi, dapi). */
  weight: { fapi: number; dapi: number };
  options: BinanceDataServerOptions;
  close(): Promise<void>;
}

function hash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** A base price per underlying (BTC 60000, ETH 3500, else from the name), moving smoothly with time. */
export function priceAt(series: string, t: number): number {
  const base = series.startsWith('BTC') ? 60_000 : series.startsWith('ETH') ? 3_500 : 1 + (hash(series) % 500);
  const phase = (hash(`${series}#`) % 1000) / 159;
  const p = base * (1 + 0.03 * Math.sin((t / DAY_MS) * 2 * Math.PI / 3 + phase) + 0.002 * Math.sin(t / 3_600_000 + phase));
  return Number(p.toFixed(p < 10 ? 6 : 2));
}

export function fundingAt(symbol: string, t: number): number {
  return Number((0.0001 * (1 + Math.sin(t / DAY_MS + (hash(symbol) % 7)))).toFixed(8));
}

const FUNDING_MS = 8 * 3_600_000;
/** Realized funding times lag the hour by a few ms, as Binance's do. */
export const FUNDING_JITTER_MS = 3;

/** One bar: [open_time, open, high, low, close] of a series' deterministic price. */
export function barAt(series: string, open: number, intervalMs: number): [number, string, string, string, string] {
  const o = priceAt(series, open);
  const c = priceAt(series, open + intervalMs);
  return [open, o.toFixed(8), (Math.max(o, c) * 1.0004).toFixed(8), (Math.min(o, c) * 0.9996).toFixed(8), c.toFixed(8)];
}

function fundingTimes(start: number, end: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(start / FUNDING_MS) * FUNDING_MS; t + FUNDING_JITTER_MS < end; t += FUNDING_MS) if (t + FUNDING_JITTER_MS >= start) out.push(t + FUNDING_JITTER_MS);
  return out;
}

function isListed(options: BinanceDataServerOptions, market: string, name: string): boolean {
  if (market === 'um') return /^[A-Z0-9]+(USDT|USDC)(_\d{6})?$/.test(name);
  const m = /^([A-Z0-9]+)USD(_PERP|_\d{6})?$/.exec(name);
  return m !== null && (options.cmBases ?? ['BTC', 'ETH', 'BNB', 'SOL', 'XRP']).includes(m[1]!);
}

function archiveCsv(options: BinanceDataServerOptions, dataset: string, name: string, intervalMs: number, start: number, end: number): string {
  const lines: string[] = [];
  if (dataset === 'fundingRate') {
    if (!options.headerless) lines.push('calc_time,funding_interval_hours,last_funding_rate');
    for (const t of fundingTimes(start, end)) lines.push(`${t},8,${fundingAt(name, t).toFixed(8)}`);
  } else {
    if (!options.headerless) lines.push('open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore');
    for (let t = start; t < end; t += intervalMs) lines.push(`${barAt(`${dataset}:${name}`, t, intervalMs).join(',')},0,${t + intervalMs - 1},0,60,0,0,0`);
  }
  return `${lines.join('\n')}\n`;
}

const ARCHIVE = /^\/data\/futures\/(um|cm)\/(daily|monthly)\/(markPriceKlines|indexPriceKlines|premiumIndexKlines|fundingRate)\/([A-Z0-9_]+)\/(?:(\w+)\/)?([A-Z0-9_]+)-(\w+)-(\d{4}-\d{2}(?:-\d{2})?)\.zip(\.CHECKSUM)?$/;

/** The zip (and its true checksum) of an archive path, or undefined for a 404. */
function archiveFile(options: BinanceDataServerOptions, cache: Map<string, { zip: Uint8Array; sum: string }>, path: string): { zip: Uint8Array; sum: string } | undefined {
  const m = ARCHIVE.exec(path);
  if (m === null) return undefined;
  const [, market, frequency, dataset, name, interval, fileName, fileInterval, date] = m as unknown as string[];
  const isFunding = dataset === 'fundingRate';
  if (fileName !== name || (isFunding ? interval !== undefined || fileInterval !== 'fundingRate' || frequency === 'daily' : interval !== fileInterval)) return undefined;
  const intervalMs = isFunding ? 0 : KLINE_INTERVALS[interval!];
  if (intervalMs === undefined || !isListed(options, market!, name!)) return undefined;
  const start = frequency === 'daily' ? parseDay(date!) : parseDay(`${date}-01`);
  if (start === undefined) return undefined;
  const end = frequency === 'daily' ? start + DAY_MS : nextMonth(start);
  const until = options.archiveUntil === undefined ? Infinity : parseDay(options.archiveUntil)! + DAY_MS;
  if (end > until) return undefined;
  const key = path.replace(/\.CHECKSUM$/, '');
  let file = cache.get(key);
  if (file === undefined) {
    const csvName = key.slice(key.lastIndexOf('/') + 1).replace(/\.zip$/, '.csv');
    const zip = zipSync({ [csvName]: new TextEncoder().encode(archiveCsv(options, dataset!, name!, intervalMs, start, end)) }, { level: 1, mtime: new Date(2024, 0, 1) });
    file = { zip, sum: createHash('sha256').update(zip).digest('hex') };
    cache.set(key, file);
  }
  return file;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return status;
}

const REST = /^\/(fapi|dapi)\/v1\/(markPriceKlines|indexPriceKlines|fundingRate)$/;

function serveRest(options: BinanceDataServerOptions, server: BinanceDataServer, url: URL, res: ServerResponse): number {
  const m = REST.exec(url.pathname)!;
  const [, api, dataset] = m as unknown as [string, 'fapi' | 'dapi', string];
  const q = url.searchParams;
  const name = q.get(dataset === 'indexPriceKlines' ? 'pair' : 'symbol') ?? '';
  const isFunding = dataset === 'fundingRate';
  const limit = Number(q.get('limit') ?? (isFunding ? 100 : 500));
  const weight = isFunding ? 1 : klineWeight(limit);
  server.weight[api] += weight;
  const headers = { 'x-mbx-used-weight-1m': String(server.weight[api]) };
  if (!isListed(options, api === 'fapi' ? 'um' : 'cm', name)) return sendJson(res, 400, { code: -1121, msg: 'Invalid symbol.' }, headers);
  if (limit < 1 || limit > (isFunding ? 1000 : 1500)) return sendJson(res, 400, { code: -1130, msg: 'Data sent for paramter \'limit\' is not valid.' }, headers);
  const start = Number(q.get('startTime') ?? 0);
  const end = Number(q.get('endTime') ?? Date.now());
  if (isFunding) {
    const rows = fundingTimes(start, end + 1).slice(0, limit).map((t) => ({ symbol: name, fundingTime: t, fundingRate: fundingAt(name, t).toFixed(8), markPrice: priceAt(`markPriceKlines:${name}`, t).toFixed(8) }));
    return sendJson(res, 200, rows, headers);
  }
  const intervalMs = KLINE_INTERVALS[q.get('interval') ?? ''];
  if (intervalMs === undefined) return sendJson(res, 400, { code: -1120, msg: 'Invalid interval.' }, headers);
  const rows: unknown[] = [];
  for (let t = Math.ceil(start / intervalMs) * intervalMs; t <= end && rows.length < limit; t += intervalMs) {
    rows.push([...barAt(`${dataset}:${name}`, t, intervalMs), '0', t + intervalMs - 1, '0', 60, '0', '0', '0']);
  }
  return sendJson(res, 200, rows, headers);
}

function handle(options: BinanceDataServerOptions, server: BinanceDataServer, zips: Map<string, { zip: Uint8Array; sum: string }>, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const pathAndQuery = `${url.pathname}${url.search}`;
  const fault = options.faults?.find((f) => f.match.test(pathAndQuery) && (f.times ?? 1) > 0);
  if (fault !== undefined) {
    fault.times = (fault.times ?? 1) - 1;
    if (fault.response === 'drop') {
      server.log.push({ path: pathAndQuery, status: 'dropped' });
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = fault.response.retryAfter === undefined ? {} : { 'retry-after': String(fault.response.retryAfter) };
    server.log.push({ path: pathAndQuery, status: sendJson(res, fault.response.status, { code: -1003, msg: 'Too many requests; injected.' }, headers) });
    return;
  }
  if (REST.test(url.pathname)) {
    server.log.push({ path: pathAndQuery, status: serveRest(options, server, url, res) });
    return;
  }
  const file = archiveFile(options, zips, url.pathname);
  if (file === undefined) {
    res.writeHead(404, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>');
    server.log.push({ path: pathAndQuery, status: 404 });
    return;
  }
  let body: Uint8Array;
  if (url.pathname.endsWith('.CHECKSUM')) body = new TextEncoder().encode(`${file.sum}  ${url.pathname.slice(url.pathname.lastIndexOf('/') + 1).replace(/\.CHECKSUM$/, '')}\n`);
  else if (options.corrupt?.includes(url.pathname.replace(/^\//, ''))) {
    body = Uint8Array.from(file.zip);
    body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
  } else body = file.zip;
  res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(body.length) });
  res.end(body);
  server.log.push({ path: pathAndQuery, status: 200 });
}

/** Starts the server on 127.0.0.1 at a free port. */
export async function startBinanceDataServer(options: BinanceDataServerOptions = {}): Promise<BinanceDataServer> {
  const zips = new Map<string, { zip: Uint8Array; sum: string }>();
  let http: Server | undefined;
  const server: BinanceDataServer = {
    url: '', log: [], weight: { fapi: 0, dapi: 0 }, options,
    close: () => new Promise((resolve) => {
      http?.closeAllConnections();
      http?.close(() => resolve());
    }),
  };
  http = createServer((req, res) => handle(options, server, zips, req, res));
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  server.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return server;
}
