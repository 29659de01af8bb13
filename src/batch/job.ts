import { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import { readTime } from '../domain/json-fields.js';
import { describeValue, readObject, readPositiveInteger, readString, rejectUnknownKeys } from '../domain/json-fields.js';
import { readLiquidationPolicyName, type LiquidationOptions } from '../replay/liquidation-policies.js';
import { gridPointsBound, isLeaderAsset, LEADER_EXPECTED, RANGE_PCT_BOUND, readBetas, readShockFamilies } from '../risk/option-bounds.js';
import { DEFAULT_START_DISTANCE, type StartDistanceOptions } from '../risk/start-distance.js';
import { readTopUpRequest, renderTopUpRequest, type TopUpRequest } from '../risk/topup-request.js';

/** The job spec (docs/formats.md), validated, with every default filled in (docs/formats.md "Job spec"). */
export interface JobSpec {
  jobId: string;
  prices: string;
  portfolios: string;
  rules: string[];
  from?: number;
  to?: number;
  resolutionMs: number;
  stalenessMs: number;
  liquidation: LiquidationOptions;
  output: string;
  batchSize: number;
  /** auto: the fast kernel where it can, else exact; fast: the kernel or fail; exact: the reference only. */
  engine: 'auto' | 'fast' | 'exact';
  /**
   * What the events report holds beyond what people read (issue 16): `ledger` writes every funding
   * and interest payment as an event (otherwise only their totals, per portfolio, and the running
   * cash flow in the timeline); `lines` writes each batch's events as JSON lines beside the Arrow.
   */
  events: { ledger: boolean; lines: boolean };
  /** Per-portfolio risk figures in the summary lines (docs/formats.md "Job spec", docs/risk.md). */
  risk: {
    /** The top-up to survive the path (`risk.topUp`; on unless `false`: see docs/risk.md "Cost in a job"). */
    topUp?: TopUpRequest;
    /** The distance at the start (`risk.distance`; on unless `false`: see docs/risk.md "In a job" for its cost). */
    distance?: StartDistanceOptions;
    /**
     * The worst portfolios' risk at the start, for the report's chart and heat maps (`risk.startRisk`;
     * on unless `false`: ~2 ms a worst portfolio, the fast kernel's points where its bound fixes the
     * plotted figures, docs/reports.md "Start risk").
     */
    startRisk?: true;
  };
  /**
   * The earlier run of the same test to compare start distances with (docs/risk.md "Who moved
   * closer"): a job id only, read as a sibling folder of this job's in the same output folder.
   */
  compare?: { previousJob: string };
}

/** Job ids become key prefixes: one plain path segment, nothing that could climb out of `output`. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const JOB_DEFAULTS = {
  resolution: '1h',
  staleness: '1h',
  policy: 'full',
  slippage: '0.001',
  target: '1.25',
  output: 'out/',
  batchSize: 100,
  engine: 'auto',
  ledger: false,
  lines: false,
} as const;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "1m", "8h", "1d" or a whole number of milliseconds. */
export function readDuration(src: string, path: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  const m = typeof v === 'string' ? DURATION.exec(v) : null;
  if (m !== null && Number(m[1]) > 0) return Number(m[1]) * UNIT_MS[m[2]!]!;
  throw new InputError(src, path, 'a duration such as "1m", "1h", "8h", "1d" or milliseconds > 0', describeValue(v));
}

export function parseJobSpec(raw: unknown, src = 'job'): JobSpec {
  const o = readObject(src, '', raw);
  rejectUnknownKeys(src, '', o, ['version', 'jobId', 'prices', 'portfolios', 'rules', 'from', 'to', 'timeline', 'staleness', 'liquidation', 'output', 'batchSize', 'engine', 'events', 'risk', 'compare', 'description']);
  if (o.version !== undefined && o.version !== 1) throw new InputError(src, 'version', '1', describeValue(o.version));
  const jobId = readString(src, 'jobId', o.jobId);
  if (!JOB_ID_PATTERN.test(jobId)) throw new InputError(src, 'jobId', 'letters, digits, . _ - (at most 128, starting with a letter or digit)', describeValue(jobId));
  const rules = o.rules === undefined ? [] : Array.isArray(o.rules) ? o.rules.map((r, i) => readString(src, `rules[${i}]`, r)) : [readString(src, 'rules', o.rules)];
  const timeline = readObject(src, 'timeline', o.timeline ?? {});
  rejectUnknownKeys(src, 'timeline', timeline, ['resolution']);
  const liq = readObject(src, 'liquidation', o.liquidation ?? {});
  rejectUnknownKeys(src, 'liquidation', liq, ['policy', 'slippage', 'target']);
  const policy = readLiquidationPolicyName(src, 'liquidation.policy', liq.policy ?? JOB_DEFAULTS.policy);
  const slippage = readFraction(src, 'liquidation.slippage', liq.slippage ?? JOB_DEFAULTS.slippage);
  const target = readDecimalText(src, 'liquidation.target', liq.target ?? JOB_DEFAULTS.target);
  const from = o.from === undefined ? undefined : readTime(src, 'from', o.from);
  const to = o.to === undefined ? undefined : readTime(src, 'to', o.to);
  if (from !== undefined && to !== undefined && to < from) throw new InputError(src, 'to', `a time at or after from (${new Date(from).toISOString()})`, new Date(to).toISOString());
  const engine = o.engine ?? JOB_DEFAULTS.engine;
  if (engine !== 'auto' && engine !== 'fast' && engine !== 'exact') throw new InputError(src, 'engine', 'auto, fast or exact', describeValue(o.engine));
  const batchSize = o.batchSize === undefined ? JOB_DEFAULTS.batchSize : readPositiveInteger(src, 'batchSize', o.batchSize);
  if (batchSize > 10_000) throw new InputError(src, 'batchSize', 'at most 10000 portfolios a batch', String(batchSize));
  const events = readEventsOptions(src, o.events);
  const risk = readObject(src, 'risk', o.risk ?? {});
  rejectUnknownKeys(src, 'risk', risk, ['topUp', 'distance', 'startRisk']);
  const distance = readRiskDistance(src, risk.distance);
  const compare = readCompare(src, o.compare, jobId, distance !== undefined);
  const startRisk = risk.startRisk ?? true;
  if (typeof startRisk !== 'boolean') throw new InputError(src, 'risk.startRisk', 'true or false', describeValue(startRisk));
  return {
    jobId,
    prices: readString(src, 'prices', o.prices),
    portfolios: readString(src, 'portfolios', o.portfolios),
    rules,
    from,
    to,
    resolutionMs: readDuration(src, 'timeline.resolution', timeline.resolution ?? JOB_DEFAULTS.resolution),
    stalenessMs: readDuration(src, 'staleness', o.staleness ?? JOB_DEFAULTS.staleness),
    liquidation: { policy, slippage, target },
    output: o.output === undefined ? JOB_DEFAULTS.output : readString(src, 'output', o.output),
    batchSize,
    engine,
    events,
    risk: {
      ...(risk.topUp === false ? {} : { topUp: readTopUpRequest(src, 'risk.topUp', risk.topUp ?? true) }),
      ...(distance === undefined ? {} : { distance }),
      ...(startRisk ? { startRisk } : {}),
    },
    ...(compare === undefined ? {} : { compare }),
  };
}

/**
 * `compare: { previousJob }`: a job id (JOB_ID_PATTERN, so never a path or URI: it names a sibling
 * folder of this job's, which the finishing step only reads), another than this job's; it pairs
 * start distances, so the job must compute them (`risk.distance`).
 */
function readCompare(src: string, v: unknown, jobId: string, distance: boolean): JobSpec['compare'] {
  if (v === undefined) return undefined;
  const o = readObject(src, 'compare', v);
  rejectUnknownKeys(src, 'compare', o, ['previousJob']);
  const previousJob = readString(src, 'compare.previousJob', o.previousJob);
  if (!JOB_ID_PATTERN.test(previousJob) || previousJob === jobId) throw new InputError(src, 'compare.previousJob', `the id of another job in the same output folder (letters, digits, . _ -; not a path or URI, not ${jobId})`, describeValue(previousJob));
  if (!distance) throw new InputError(src, 'compare', 'risk.distance on as well (the comparison pairs the two jobs\' start distances)', 'risk.distance off');
  return { previousJob };
}

/**
 * `risk.distance`: absent or true (on: rangePct 50, gridPoints 81, family all; about 2 % of the
 * sample job's CPU time, docs/risk.md "In a job"), false (off), or `{ rangePct?, gridPoints?,
 * families?, leader?, betas? }` as `pmbt risk`'s --range, --grid, --families, --leader and --beta.
 * Family all is always searched (the line's startDistance); the others are added to it.
 */
function readRiskDistance(src: string, v: unknown): StartDistanceOptions | undefined {
  if (v === false) return undefined;
  if (v === undefined || v === true) return DEFAULT_START_DISTANCE;
  const o = readObject(src, 'risk.distance', v);
  rejectUnknownKeys(src, 'risk.distance', o, ['rangePct', 'gridPoints', 'families', 'leader', 'betas']);
  const rangePct = o.rangePct ?? DEFAULT_START_DISTANCE.rangePct;
  if (typeof rangePct !== 'number' || !RANGE_PCT_BOUND.accepts(rangePct)) throw new InputError(src, 'risk.distance.rangePct', RANGE_PCT_BOUND.expected, describeValue(rangePct));
  const gridPoints = o.gridPoints ?? DEFAULT_START_DISTANCE.gridPoints;
  const grid = gridPointsBound();
  if (typeof gridPoints !== 'number' || !grid.accepts(gridPoints)) throw new InputError(src, 'risk.distance.gridPoints', grid.expected, describeValue(gridPoints));
  const otherFamilies = o.families === undefined ? [] : readShockFamilies(src, 'risk.distance.families', o.families).filter((k) => k !== 'all');
  if (o.leader !== undefined && (typeof o.leader !== 'string' || !isLeaderAsset(o.leader))) throw new InputError(src, 'risk.distance.leader', LEADER_EXPECTED, describeValue(o.leader));
  const betas = o.betas === undefined ? undefined : Object.fromEntries([...readBetas(src, 'risk.distance.betas', o.betas)].map(([asset, beta]) => [asset, beta.toString()]));
  return {
    rangePct, gridPoints,
    ...(otherFamilies.length === 0 ? {} : { otherFamilies }),
    ...(o.leader === undefined ? {} : { leader: o.leader }),
    ...(betas === undefined ? {} : { betas }),
  };
}

/** risk.distance as the job gives it (readRiskDistance reads it back the same). */
function renderRiskDistance(o: StartDistanceOptions | undefined): Record<string, unknown> | false {
  if (o === undefined) return false;
  return {
    rangePct: o.rangePct, gridPoints: o.gridPoints,
    ...(o.otherFamilies === undefined ? {} : { families: ['all', ...o.otherFamilies] }),
    ...(o.leader === undefined ? {} : { leader: o.leader }),
    ...(o.betas === undefined ? {} : { betas: o.betas }),
  };
}

/** `events: { ledger, lines }`, each true or false (default false: the payments as totals, events as Arrow only). */
function readEventsOptions(src: string, v: unknown): JobSpec['events'] {
  const o = readObject(src, 'events', v ?? {});
  rejectUnknownKeys(src, 'events', o, ['ledger', 'lines']);
  const flag = (key: 'ledger' | 'lines') => {
    const x = o[key] ?? JOB_DEFAULTS[key];
    if (typeof x !== 'boolean') throw new InputError(src, `events.${key}`, 'true or false', describeValue(x));
    return x;
  };
  return { ledger: flag('ledger'), lines: flag('lines') };
}

function readDecimalText(src: string, path: string, v: unknown): Dec {
  if ((typeof v === 'string' || typeof v === 'number') && /^\d+(\.\d+)?$/.test(String(v))) return new Dec(String(v));
  throw new InputError(src, path, 'a decimal number ≥ 0', describeValue(v));
}

function readFraction(src: string, path: string, v: unknown): Dec {
  const d = readDecimalText(src, path, v);
  if (d.gte(1)) throw new InputError(src, path, 'a fraction below 1 (0.001 = 0.1 %)', d.toString());
  return d;
}

/** The spec as JSON again (defaults included), for summary.json and for handing to workers. */
export function renderJobSpec(spec: JobSpec): Record<string, unknown> {
  return {
    jobId: spec.jobId,
    prices: spec.prices,
    portfolios: spec.portfolios,
    rules: spec.rules,
    ...(spec.from === undefined ? {} : { from: new Date(spec.from).toISOString() }),
    ...(spec.to === undefined ? {} : { to: new Date(spec.to).toISOString() }),
    timeline: { resolution: spec.resolutionMs },
    staleness: spec.stalenessMs,
    liquidation: { policy: spec.liquidation.policy, slippage: spec.liquidation.slippage.toString(), target: spec.liquidation.target.toString() },
    output: spec.output,
    batchSize: spec.batchSize,
    engine: spec.engine,
    events: { ledger: spec.events.ledger, lines: spec.events.lines },
    risk: {
      topUp: spec.risk.topUp === undefined ? false : renderTopUpRequest(spec.risk.topUp),
      distance: renderRiskDistance(spec.risk.distance),
      startRisk: spec.risk.startRisk === true,
    },
    ...(spec.compare === undefined ? {} : { compare: spec.compare }),
  };
}
