import { InputError } from '../../domain/errors.js';
import type { SeriesPart } from '../convert/series-parts.js';
import { constantIndexPart } from '../convert/merge.js';
import { archivePath, decodeArchiveZip, parseChecksum, verifyChecksum } from './archive.js';
import { cacheKeyOfUrl, checkCacheKey, type ByteCache } from './cache.js';
import { DAY_MS, formatDay, listDays, nextMonth, startOfMonth } from './days.js';
import { getWithRetry, type HttpDeps, type RetryPolicy } from './http.js';
import type { SeriesSpec, SourceSpec } from './plan.js';
import { decodeRestFunding, decodeRestKlines, fetchRestFunding, fetchRestKlines, type RestClient } from './rest.js';

/** One file's worth of a series: a monthly or daily archive zip, or a day (or today's closed bars) from REST. */
export type FetchUnit = { type: 'month'; start: number } | { type: 'day'; start: number } | { type: 'today'; start: number; end: number };

/** Everything a unit needs; shared by all units of a run. */
export interface UnitContext {
  http: HttpDeps;
  retry: RetryPolicy;
  cache: ByteCache;
  rest: RestClient;
  /** The archive's base URL, without a trailing slash. */
  archiveUrl: string;
  interval: string;
  intervalMs: number;
  /** First day and the end (exclusive, ms) of the range asked for. */
  from: number;
  end: number;
  /** Downloaded bytes, and units served from the cache. */
  onBytes: (n: number) => void;
  onCached: () => void;
}

export interface UnitResult {
  parts: SeriesPart[];
  /** Units a missing monthly file was replaced by. */
  replacedBy?: FetchUnit[];
}

const decoder = new TextDecoder();

/**
 * A verified archive zip, from the cache or the archive; undefined when the archive has no such
 * file (404). A cached zip is checked again against its cached .CHECKSUM, and dropped if it fails.
 */
async function getArchiveZip(ctx: UnitContext, path: string): Promise<Uint8Array | undefined> {
  const url = `${ctx.archiveUrl}/${path}`;
  const key = cacheKeyOfUrl(url);
  const zipName = path.slice(path.lastIndexOf('/') + 1);
  const [cachedZip, cachedSum] = await Promise.all([ctx.cache.get(key), ctx.cache.get(`${key}.CHECKSUM`)]);
  if (cachedZip !== undefined && cachedSum !== undefined) {
    try {
      verifyChecksum(cachedZip, parseChecksum(decoder.decode(cachedSum), zipName, `${url}.CHECKSUM`), url);
      ctx.onCached();
      return cachedZip;
    } catch {
      await Promise.all([ctx.cache.delete(key), ctx.cache.delete(`${key}.CHECKSUM`)]);
    }
  }
  const sumRes = await getWithRetry(ctx.http, `${url}.CHECKSUM`, ctx.retry);
  if (sumRes.status === 404) return undefined;
  const sumBytes = new Uint8Array(await sumRes.arrayBuffer());
  if (!sumRes.ok) throw new InputError(`${url}.CHECKSUM`, '', 'the checksum file', `HTTP ${sumRes.status}`);
  const expected = parseChecksum(decoder.decode(sumBytes), zipName, `${url}.CHECKSUM`);
  const zipRes = await getWithRetry(ctx.http, url, ctx.retry);
  if (zipRes.status === 404) return undefined;
  const zip = new Uint8Array(await zipRes.arrayBuffer());
  if (!zipRes.ok) throw new InputError(url, '', 'the zip file', `HTTP ${zipRes.status}`);
  ctx.onBytes(sumBytes.length + zip.length);
  try {
    verifyChecksum(zip, expected, url);
  } catch (e) {
    await Promise.all([ctx.cache.delete(key), ctx.cache.delete(`${key}.CHECKSUM`)]);
    throw e;
  }
  await ctx.cache.put(`${key}.CHECKSUM`, sumBytes);
  await ctx.cache.put(key, zip);
  return zip;
}

function decodeZip(ctx: UnitContext, zip: Uint8Array, path: string, series: SeriesSpec): Promise<SeriesPart> {
  return decodeArchiveZip(zip, `${ctx.archiveUrl}/${path}`, series, ctx.intervalMs);
}

const restKey = (ctx: UnitContext, source: SourceSpec, day: number) =>
  checkCacheKey(`rest/${source.market}/${source.dataset}/${source.name}/${source.dataset === 'fundingRate' ? 'all' : ctx.interval}/${formatDay(day)}.json`);

/** A day (or today's closed bars) from REST; a whole day is cached as Binance's own JSON. */
async function getRestDay(ctx: UnitContext, series: SeriesSpec, source: SourceSpec, start: number, end: number, cache: boolean): Promise<SeriesPart> {
  const key = restKey(ctx, source, start);
  const src = `${ctx.rest.hosts[source.market]} ${source.dataset} ${source.name} ${formatDay(start)}`;
  const cached = cache ? await ctx.cache.get(key) : undefined;
  let rows: unknown[];
  if (cached !== undefined) {
    rows = JSON.parse(decoder.decode(cached)) as unknown[];
    ctx.onCached();
  } else {
    const fetched = source.dataset === 'fundingRate'
      ? await fetchRestFunding(ctx.rest, source, start, end)
      : await fetchRestKlines(ctx.rest, source, ctx.interval, ctx.intervalMs, start, end);
    rows = fetched.rows;
    ctx.onBytes(fetched.bytes);
    if (cache) await ctx.cache.put(key, new TextEncoder().encode(JSON.stringify(rows)));
  }
  return source.dataset === 'fundingRate'
    ? decodeRestFunding(rows as Record<string, unknown>[], src, series)
    : decodeRestKlines(rows as unknown[][], src, series, ctx.intervalMs);
}

/** The days of a month that lie in the range asked for. */
function daysOfMonth(ctx: UnitContext, month: number): number[] {
  return listDays(Math.max(month, ctx.from), Math.min(nextMonth(month), ctx.end) - DAY_MS);
}

async function hasAllDaysCached(ctx: UnitContext, source: SourceSpec, days: readonly number[]): Promise<boolean> {
  for (const day of days) {
    if ((await ctx.cache.get(restKey(ctx, source, day))) !== undefined) continue;
    if (source.dataset === 'fundingRate' || (await ctx.cache.get(cacheKeyOfUrl(`${ctx.archiveUrl}/${archivePath(source, ctx.interval, { daily: day })}`))) === undefined) return false;
  }
  return days.length > 0;
}

/**
 * Fetches one unit. A day: its archive zip, else (404: not published yet, or not listed then)
 * REST; a REST day already cached is used before asking the archive again. Funding has monthly
 * files only, so its days always come from REST. A month missing from the archive is replaced by
 * its days.
 */
export async function fetchUnit(ctx: UnitContext, series: SeriesSpec, source: SourceSpec, unit: FetchUnit): Promise<UnitResult> {
  if (unit.type === 'today') return { parts: [await getRestDay(ctx, series, source, unit.start, unit.end, false)] };
  if (unit.type === 'month') {
    const path = archivePath(source, ctx.interval, { monthly: unit.start });
    const days = daysOfMonth(ctx, unit.start);
    // A month already fetched day by day (its file was missing last time) is not asked for again.
    if (await hasAllDaysCached(ctx, source, days)) return { parts: [], replacedBy: days.map((start) => ({ type: 'day', start })) };
    const zip = await getArchiveZip(ctx, path);
    if (zip !== undefined) return { parts: [await decodeZip(ctx, zip, path, series)] };
    return { parts: [], replacedBy: days.map((start) => ({ type: 'day', start })) };
  }
  const dayEnd = unit.start + DAY_MS;
  if (source.dataset !== 'fundingRate') {
    const path = archivePath(source, ctx.interval, { daily: unit.start });
    const hasRestDay = (await ctx.cache.get(restKey(ctx, source, unit.start))) !== undefined;
    const zip = hasRestDay ? undefined : await getArchiveZip(ctx, path);
    if (zip !== undefined) return { parts: [await decodeZip(ctx, zip, path, series)] };
  }
  return { parts: [await getRestDay(ctx, series, source, unit.start, dayEnd, true)] };
}

/**
 * The units of one source over the range: klines by whole months where the archive can have
 * them, else by day; funding by month (the archive has no daily funding files); today's closed
 * bars from REST when the range reaches today.
 */
export function planUnits(source: SourceSpec, from: number, to: number, today: number, nowMs: number, intervalMs: number, splitMonths: (from: number, to: number, before: number) => { months: number[]; days: number[] }): FetchUnit[] {
  const lastFullDay = Math.min(to, today - DAY_MS);
  const units: FetchUnit[] = [];
  if (source.dataset === 'fundingRate') {
    for (let month = startOfMonth(from); month <= lastFullDay; month = nextMonth(month)) {
      if (nextMonth(month) <= today) units.push({ type: 'month', start: month });
      else units.push(...listDays(Math.max(month, from), lastFullDay).map((start): FetchUnit => ({ type: 'day', start })));
    }
  } else if (from <= lastFullDay) {
    const { months, days } = splitMonths(from, lastFullDay, today);
    units.push(...months.map((start): FetchUnit => ({ type: 'month', start })), ...days.map((start): FetchUnit => ({ type: 'day', start })));
  }
  // Today's bars that have closed: a day not yet ended is never cached (its later bars are still to come).
  const closed = source.dataset === 'fundingRate' ? nowMs : Math.floor(nowMs / intervalMs) * intervalMs;
  if (to >= today && closed > today) units.push({ type: 'today', start: today, end: closed });
  return units;
}

/** Keeps the rows whose time (a kline's open, funding's own) lies in [from, end). */
export function keepInRange(part: SeriesPart, from: number, end: number, offsetMs: number): SeriesPart {
  const keep: number[] = [];
  for (let i = 0; i < part.times.length; i++) {
    const t = part.times[i]! - offsetMs;
    if (t >= from && t < end) keep.push(i);
  }
  if (keep.length === part.times.length) return part;
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return {
    ...part,
    times: pick(part.times),
    values: pick(part.values),
    symbolIds: Int32Array.from(keep, (i) => part.symbolIds[i]!),
    kinds: Uint8Array.from(keep, (i) => part.kinds[i]!),
    ...(part.highs !== undefined && part.lows !== undefined ? { highs: pick(part.highs), lows: pick(part.lows) } : {}),
    rowPath: (i) => part.rowPath(keep[i]!),
  };
}

/** A constant USD index of 1 at every bar close in (from, end] (stablecoins). */
export function stablecoinIndexPart(asset: string, from: number, end: number, intervalMs: number): SeriesPart {
  const n = Math.max(0, Math.floor((end - from) / intervalMs));
  return { ...constantIndexPart(asset, Float64Array.from({ length: n }, (_, i) => from + (i + 1) * intervalMs)), src: `${asset} (stablecoin, assumed 1 USD)` };
}
