import { InputError } from '../domain/errors.js';
import { describeValue, readArray, readObject } from '../domain/json-fields.js';
import type { StartDistance } from './portfolio-summary.js';

// summary.json's `moved` block (docs/formats.md "Outputs", docs/risk.md "Who moved closer"): a
// job that names its previous run (`compare.previousJob`) pairs each portfolio's distance to
// liquidation at the start with that run's, by portfolioId. Distances are the summary lines'
// 8-decimal percentages, compared exactly as integers of 10⁻⁸ %.

/** How many of the portfolios that moved closer the block lists (those that moved most). */
export const MOVED_CLOSEST_LIMIT = 20;

/**
 * One portfolio's liquidation distance: the nearer of the down and up shocks that reach
 * liquidation, in percent without sign (8 decimals); null when neither does within ±rangePct.
 */
export type LiquidationDistance = string | null;

export interface MovedEntry {
  portfolioId: string;
  /** null: beyond the previous job's ±rangePct (changePp then counts the range: the move is at least that). */
  previousPct: LiquidationDistance;
  nowPct: string;
  /** nowPct − previousPct in percentage points (negative: closer), 8 decimals. */
  changePp: string;
}

export interface MovedCounts {
  closer: number;
  further: number;
  unchanged: number;
  /** With a distance now and none in the previous job (not there, failed, or no price at its start). */
  new: number;
  /** With a distance in the previous job and none now. */
  gone: number;
}

export type MovedBlock =
  | { previousJob: string; status: 'compared'; counts: MovedCounts; closest: MovedEntry[] }
  /** The previous job finished, but none of its lines has a startDistance (it ran without risk.distance). */
  | { previousJob: string; status: 'previousWithoutDistance'; note: string }
  /** The previous job's files are missing or unreadable: the job completed without a comparison. */
  | { previousJob: string; status: 'previousUnavailable'; warning: string };

/** The nearer liquidation shock of a summary line's startDistance (absolute percent), or null. */
export function findLiquidationDistance(d: StartDistance): LiquidationDistance {
  const down = d.down.liquidation?.replace(/^-/, '');
  const up = d.up.liquidation?.replace(/^-/, '');
  if (down === undefined || up === undefined) return down ?? up ?? null;
  return toUnits(down) <= toUnits(up) ? down : up;
}

/** "12.34567890" → 1234567890n (10⁻⁸ %); the summary lines' shocks always have 8 decimals. */
const toUnits = (pct: string): bigint => BigInt(pct.replace('.', ''));

function fromUnits(u: bigint): string {
  const sign = u < 0n ? '-' : '';
  const digits = (u < 0n ? -u : u).toString().padStart(9, '0');
  return `${sign}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** A job's ±rangePct in 10⁻⁸ % (rangePct is a number of at most 1000 with few decimals). */
const rangeUnits = (rangePct: number): bigint => toUnits(rangePct.toFixed(8));

/** The two jobs' distances by portfolioId, with the range that stands for "beyond" in each. */
export interface DistancesOfJob {
  rangePct: number;
  byPortfolio: ReadonlyMap<string, LiquidationDistance>;
}

/**
 * Pairs the current job's liquidation distances with the previous job's. A distance beyond the
 * range counts as the range itself, so a move out of or into it is a lower bound; both beyond is
 * unchanged. `closest`: the MOVED_CLOSEST_LIMIT largest moves closer, then by portfolioId.
 */
export function calculateMoved(previousJob: string, previous: DistancesOfJob, current: DistancesOfJob): MovedBlock {
  const counts: MovedCounts = { closer: 0, further: 0, unchanged: 0, new: 0, gone: 0 };
  const closer: { entry: MovedEntry; change: bigint }[] = [];
  const prevRange = rangeUnits(previous.rangePct);
  const nowRange = rangeUnits(current.rangePct);
  for (const [id, now] of current.byPortfolio) {
    if (!previous.byPortfolio.has(id)) {
      counts.new++;
      continue;
    }
    const prev = previous.byPortfolio.get(id)!;
    const change = (now === null ? nowRange : toUnits(now)) - (prev === null ? prevRange : toUnits(prev));
    if ((now === null && prev === null) || change === 0n) counts.unchanged++;
    else if (change > 0n) counts.further++;
    else {
      counts.closer++;
      // A move closer ends within the range: now is a distance.
      closer.push({ entry: { portfolioId: id, previousPct: prev, nowPct: now!, changePp: fromUnits(change) }, change });
    }
  }
  for (const id of previous.byPortfolio.keys()) if (!current.byPortfolio.has(id)) counts.gone++;
  closer.sort((a, b) => (a.change < b.change ? -1 : a.change > b.change ? 1 : a.entry.portfolioId < b.entry.portfolioId ? -1 : a.entry.portfolioId > b.entry.portfolioId ? 1 : 0));
  return { previousJob, status: 'compared', counts, closest: closer.slice(0, MOVED_CLOSEST_LIMIT).map((c) => c.entry) };
}

const PCT = /^\d+\.\d{8}$/;
const CHANGE = /^-\d+\.\d{8}$/;

/** summary.json's `moved` read back, checked so a foreign one fails naming the field. */
export function readMovedBlock(v: unknown, file: string): MovedBlock {
  const o = readObject(file, 'moved', v);
  if (typeof o.previousJob !== 'string') throw new InputError(file, 'moved.previousJob', 'a job id', describeValue(o.previousJob));
  if (o.status === 'previousWithoutDistance' || o.status === 'previousUnavailable') {
    const key = o.status === 'previousWithoutDistance' ? 'note' : 'warning';
    if (typeof o[key] !== 'string') throw new InputError(file, `moved.${key}`, 'a sentence', describeValue(o[key]));
    return o as unknown as MovedBlock;
  }
  if (o.status !== 'compared') throw new InputError(file, 'moved.status', 'compared, previousWithoutDistance or previousUnavailable', describeValue(o.status));
  const counts = readObject(file, 'moved.counts', o.counts);
  for (const key of ['closer', 'further', 'unchanged', 'new', 'gone'] as const) {
    if (typeof counts[key] !== 'number' || !Number.isSafeInteger(counts[key]) || counts[key] < 0) throw new InputError(file, `moved.counts.${key}`, 'a count', describeValue(counts[key]));
  }
  readArray(file, 'moved.closest', o.closest).forEach((e, i) => {
    const where = `moved.closest[${i}]`;
    const x = readObject(file, where, e);
    if (typeof x.portfolioId !== 'string') throw new InputError(file, `${where}.portfolioId`, 'a string', describeValue(x.portfolioId));
    if (!(x.previousPct === null || (typeof x.previousPct === 'string' && PCT.test(x.previousPct)))) throw new InputError(file, `${where}.previousPct`, 'a percentage with 8 decimals or null', describeValue(x.previousPct));
    if (typeof x.nowPct !== 'string' || !PCT.test(x.nowPct)) throw new InputError(file, `${where}.nowPct`, 'a percentage with 8 decimals', describeValue(x.nowPct));
    if (typeof x.changePp !== 'string' || !CHANGE.test(x.changePp)) throw new InputError(file, `${where}.changePp`, 'a negative change in percentage points with 8 decimals', describeValue(x.changePp));
  });
  return o as unknown as MovedBlock;
}
