import type { SeriesTable } from '../../domain/series.js';
import { mergeSeriesParts } from '../convert/merge.js';
import type { SeriesPart } from '../convert/series-parts.js';
import type { ByteCache } from './cache.js';
import { DAY_MS, KLINE_INTERVALS, splitWholeMonths, startOfDay } from './days.js';
import { DEFAULT_RETRY, type HttpDeps, type RetryPolicy } from './http.js';
import type { FetchPlan, SeriesSpec } from './plan.js';
import { createRestClient, UnlistedSymbolError, type RestClient } from './rest.js';
import { fetchUnit, keepInRange, planUnits, stablecoinIndexPart, type FetchUnit, type UnitContext } from './units.js';

export interface FetchProgress {
  filesDone: number;
  filesTotal: number;
  /** Bytes downloaded so far (cached files count nothing). */
  bytes: number;
  /** The series and file just finished. */
  item: string;
}

export interface FetchHistoryOptions {
  plan: FetchPlan;
  /** First and last day (00:00 UTC ms), inclusive. */
  from: number;
  to: number;
  /** A Binance kline interval (KLINE_INTERVALS). */
  interval: string;
  http: HttpDeps;
  cache: ByteCache;
  urls: { archive: string; fapi: string; dapi: string };
  /** Series fetched at once (default 6). */
  concurrency?: number;
  retry?: RetryPolicy;
  weightPerMinute?: number;
  progress?: (p: FetchProgress) => void;
}

export interface FetchHistoryResult {
  table: SeriesTable;
  /** Units (files or REST days) in all, and how many came from the cache. */
  files: number;
  fromCache: number;
  bytes: number;
  restRequests: number;
  /** One line per series: where it came from, when it was not the first source tried. */
  notes: string[];
}

interface RunState {
  ctx: UnitContext;
  rest: RestClient;
  today: number;
  now: number;
  filesDone: number;
  filesTotal: number;
  bytes: number;
  fromCache: number;
  notes: string[];
  progress?: (p: FetchProgress) => void;
}

async function fetchSeries(state: RunState, series: SeriesSpec, from: number, to: number): Promise<SeriesPart[]> {
  const { ctx } = state;
  for (const [s, source] of series.sources.entries()) {
    const pending: FetchUnit[] = planUnits(source, from, to, state.today, state.now, ctx.intervalMs, splitWholeMonths);
    state.filesTotal += pending.length;
    const parts: SeriesPart[] = [];
    try {
      for (let unit = pending.shift(); unit !== undefined; unit = pending.shift()) {
        const result = await fetchUnit(ctx, series, source, unit);
        parts.push(...result.parts);
        if (result.replacedBy !== undefined) {
          // The month is not a file: its days are.
          pending.unshift(...result.replacedBy);
          state.filesTotal += result.replacedBy.length - 1;
          continue;
        }
        state.filesDone++;
        state.progress?.({ filesDone: state.filesDone, filesTotal: state.filesTotal, bytes: state.bytes, item: `${series.symbol} ${series.kind} ${source.name} ${unit.type} ${new Date(unit.start).toISOString().slice(0, unit.type === 'month' ? 7 : 10)}` });
      }
    } catch (e) {
      if (!(e instanceof UnlistedSymbolError)) throw e;
      if (s + 1 === series.sources.length) throw e.toInputError();
      state.filesTotal -= pending.length;
      state.notes.push(`${series.symbol} ${series.kind}: ${e.message}; using ${series.sources[s + 1]!.market} ${series.sources[s + 1]!.name}`);
      continue;
    }
    const offset = series.kind === 'funding' ? 0 : ctx.intervalMs;
    return parts.map((p) => {
      const kept = keepInRange(p, ctx.from, ctx.end, offset);
      if (series.kind === 'funding') roundToSecond(kept.times);
      return kept;
    });
  }
  return [];
}

/** Binance's realized funding times lag the funding hour by a few ms. */
function roundToSecond(times: Float64Array): void {
  for (let i = 0; i < times.length; i++) times[i] = Math.round(times[i]! / 1000) * 1000;
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/**
 * Downloads the plan's series over the days [from, to] and merges them into one price history.
 * Everything outside (HTTP, clock, sleep, cache) comes in through the options, so the CLI and a
 * scheduled job share this code. Days not ended are never cached; today's closed bars are fetched
 * when `to` is today.
 */
export async function fetchPriceHistory(options: FetchHistoryOptions): Promise<FetchHistoryResult> {
  const intervalMs = KLINE_INTERVALS[options.interval]!;
  const now = options.http.now();
  const today = startOfDay(now);
  const rest = createRestClient(options.http, { um: options.urls.fapi, cm: options.urls.dapi }, { retry: options.retry, weightPerMinute: options.weightPerMinute });
  const end = Math.min(options.to + DAY_MS, Math.floor(now / intervalMs) * intervalMs);
  const state: RunState = {
    rest, today, now, filesDone: 0, filesTotal: 0, bytes: 0, fromCache: 0, notes: [], progress: options.progress,
    ctx: {
      http: options.http, retry: options.retry ?? DEFAULT_RETRY, cache: options.cache, rest, archiveUrl: options.urls.archive.replace(/\/+$/, ''),
      interval: options.interval, intervalMs, from: options.from, end,
      onBytes: (n) => void (state.bytes += n),
      onCached: () => void state.fromCache++,
    },
  };
  const results = new Map<SeriesSpec, SeriesPart[]>();
  const failures = new Map<SeriesSpec, unknown>();
  await runPool(options.plan.series, options.concurrency ?? 6, async (series) => {
    // After a failure no new series starts; those started finish, and the error reported is that
    // of the first series in plan order, the same whichever download happened to fail first.
    if (failures.size > 0) return;
    try {
      results.set(series, await fetchSeries(state, series, options.from, options.to));
    } catch (e) {
      failures.set(series, e);
    }
  });
  const failed = options.plan.series.find((s) => failures.has(s));
  if (failed !== undefined) throw failures.get(failed);
  // Merged in plan order, whatever order the downloads finished in: the same inputs give the same bytes.
  const parts = options.plan.series.flatMap((s) => results.get(s) ?? []);
  parts.push(...options.plan.constantIndex.map((asset) => stablecoinIndexPart(asset, options.from, end, intervalMs)));
  const { table } = mergeSeriesParts(parts);
  return { table, files: state.filesDone, fromCache: state.fromCache, bytes: state.bytes, restRequests: rest.requests, notes: state.notes };
}
