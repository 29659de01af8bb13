import { readFile } from 'node:fs/promises';
import { InputError } from '../domain/errors.js';
import { describeValue, parseJsonText, readArray, readObject, readString, rejectUnknownKeys } from '../domain/json-fields.js';
import type { SeriesTable } from '../domain/series.js';
import { readSeriesArrow, writeSeriesArrow } from '../io/arrow/series.js';
import { DAY_MS, formatDay, KLINE_INTERVALS, parseDay, startOfDay } from '../io/binance-data/days.js';
import { planFetch, type FetchPlan } from '../io/binance-data/plan.js';
import { mergeSeriesParts } from '../io/convert/merge.js';
import type { SeriesPart } from '../io/convert/series-parts.js';
import type { ObjectStore } from '../io/store/types.js';
import { validateKey } from '../io/store/keys.js';
import { BUCKET_PREFIXES } from './deployment.js';
import { MAX_PRICES_BYTES } from './inputs.js';

// The scheduled fetch (docs/serverless.md "Fresh price history"): once a day it appends the days
// that have ended since the last run to the bucket's price history, with the same download code as
// `pmbt fetch`. Idempotent: a run with nothing new writes nothing, and a re-run of the same day
// finds the days already there. The history is rewritten whole (S3 replaces an object atomically),
// and only ever by this function, whose concurrency serverless.yml holds at one.

export interface PriceHistoryConfig {
  schedule: string;
  /** Key of the history in the data bucket, under history/. */
  prices: string;
  symbols: string[];
  interval: string;
  /** First day of the history (YYYY-MM-DD) when none exists yet. */
  from: number;
  /** Keep only this many most recent days (the file is rewritten daily; this bounds it). */
  keepDays?: number;
}

const SCHEDULE = /^(cron\([^()]+\)|rate\([^()]+\))$/;
/** One run fetches at most this many days, so a long outage catches up over several runs within Lambda's time limit. */
export const MAX_DAYS_PER_RUN = 31;

export function parsePriceHistoryConfig(raw: unknown, src: string): PriceHistoryConfig {
  const o = readObject(src, '', raw);
  rejectUnknownKeys(src, '', o, ['version', 'description', 'schedule', 'prices', 'symbols', 'interval', 'from', 'keepDays']);
  if (o.version !== 1) throw new InputError(src, 'version', '1', describeValue(o.version));
  const schedule = readString(src, 'schedule', o.schedule);
  if (!SCHEDULE.test(schedule)) throw new InputError(src, 'schedule', 'an EventBridge schedule expression, cron(...) or rate(...)', describeValue(schedule));
  const prices = readString(src, 'prices', o.prices);
  let key: string | undefined;
  try {
    key = validateKey(prices);
  } catch {
    key = undefined;
  }
  if (key === undefined || !key.startsWith(`${BUCKET_PREFIXES.history}/`)) throw new InputError(src, 'prices', `a key under ${BUCKET_PREFIXES.history}/ in the data bucket`, describeValue(prices));
  const symbols = readArray(src, 'symbols', o.symbols).map((s, i) => readString(src, `symbols[${i}]`, s));
  if (symbols.length === 0) throw new InputError(src, 'symbols', 'at least one contract', '[]');
  planFetch(symbols); // names every symbol it cannot classify
  const interval = o.interval === undefined ? '1m' : readString(src, 'interval', o.interval);
  if (KLINE_INTERVALS[interval] === undefined) throw new InputError(src, 'interval', `one of ${Object.keys(KLINE_INTERVALS).join(', ')}`, describeValue(interval));
  const from = parseDay(readString(src, 'from', o.from));
  if (from === undefined) throw new InputError(src, 'from', 'a day, YYYY-MM-DD', describeValue(o.from));
  const keepDays = o.keepDays;
  if (keepDays !== undefined && !(Number.isSafeInteger(keepDays) && (keepDays as number) > 0)) throw new InputError(src, 'keepDays', 'a whole number of days ≥ 1', describeValue(keepDays));
  return { schedule, prices: key, symbols, interval, from, ...(keepDays === undefined ? {} : { keepDays: keepDays as number }) };
}

export async function readPriceHistoryConfig(path: string): Promise<PriceHistoryConfig> {
  return parsePriceHistoryConfig(parseJsonText(path, await readFile(path, 'utf8')), path);
}

/** Downloads the plan's series for the days [from, to] (00:00 UTC ms, inclusive): fetchPriceHistory in production. */
export type FetchDays = (plan: FetchPlan, from: number, to: number, interval: string) => Promise<SeriesTable>;

export interface AppendResult {
  /** Days appended (YYYY-MM-DD), none when the history was already up to date. */
  days: string[];
  rows: number;
  /** Whether the history object was written. */
  wrote: boolean;
  /** Days still to fetch after this run (a long outage catches up over several runs). */
  behind: number;
}

function asPart(table: SeriesTable, src: string): SeriesPart {
  return { ...table, src, rowPath: (i) => `row ${i + 1}`, skipped: 0, note: '' };
}

/** Rows at or after `since` (the table is sorted by time). */
function rowsSince(table: SeriesTable, since: number): SeriesTable {
  let first = 0;
  while (first < table.times.length && table.times[first]! < since) first++;
  if (first === 0) return table;
  const cut = <T extends Float64Array | Int32Array | Uint8Array>(a: T) => a.slice(first) as T;
  return { ...table, times: cut(table.times), symbolIds: cut(table.symbolIds), kinds: cut(table.kinds), values: cut(table.values), ...(table.highs && table.lows ? { highs: cut(table.highs), lows: cut(table.lows) } : {}) };
}

/**
 * Appends the days that ended since the history's last row (or since `from`), at most
 * MAX_DAYS_PER_RUN of them, and writes the history back when anything was added.
 */
export async function appendPriceHistory(config: PriceHistoryConfig, store: ObjectStore, fetchDays: FetchDays, now: number): Promise<AppendResult> {
  const existing = (await store.exists(config.prices)) ? readSeriesArrow(await store.read(config.prices, { maxBytes: MAX_PRICES_BYTES }), store.uriOf(config.prices)) : undefined;
  const lastTime = existing !== undefined && existing.times.length > 0 ? existing.times[existing.times.length - 1]! : undefined;
  // A bar is stamped at its close, so a complete day D ends with rows at D+1 00:00: the day of the
  // last row's previous millisecond is the last day held.
  const first = lastTime === undefined ? config.from : startOfDay(lastTime - 1) + DAY_MS;
  const yesterday = startOfDay(now) - DAY_MS;
  if (first > yesterday) return { days: [], rows: existing?.times.length ?? 0, wrote: false, behind: 0 };
  const last = Math.min(yesterday, first + (MAX_DAYS_PER_RUN - 1) * DAY_MS);
  const fetched = await fetchDays(planFetch(config.symbols), first, last, config.interval);
  const parts = existing === undefined ? [asPart(fetched, 'fetched days')] : [asPart(existing, store.uriOf(config.prices)), asPart(fetched, 'fetched days')];
  let { table } = mergeSeriesParts(parts);
  if (config.keepDays !== undefined) table = rowsSince(table, last + DAY_MS - config.keepDays * DAY_MS);
  await store.write(config.prices, writeSeriesArrow(table));
  const days: string[] = [];
  for (let d = first; d <= last; d += DAY_MS) days.push(formatDay(d));
  return { days, rows: table.times.length, wrote: true, behind: Math.round((yesterday - last) / DAY_MS) };
}
