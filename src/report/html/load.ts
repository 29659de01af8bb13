import { RecordBatchReader, Table, tableToIPC, type Data, type RecordBatch, type Schema } from 'apache-arrow';
import type { AccountStatus } from '../../domain/types.js';
import { readNumberColumn, readTimeColumnMs } from '../../io/arrow/columns.js';
import { TIMELINE_SCHEMA } from '../../io/arrow/report-tables.js';
import { joinKey } from '../../io/store/keys.js';
import type { ObjectStore } from '../../io/store/types.js';
import type { EventRecord } from '../events.js';
import type { PortfolioSummary } from '../portfolio-summary.js';
import { describeStatus, formatQuantity, formatUniMMR, formatUSD } from './format.js';
import type { AtRiskRow, DistributionBin, ReportData, ReportEvent, ReportThresholds, WorstPortfolio, Zone } from './types.js';

export interface LoadReportOptions {
  /** Portfolios (lowest minimum uniMMR first) that get a timeline and a drill-down. Default 10. */
  worstCount?: number;
  /**
   * Status thresholds for the bands and the histogram, or how to find them from the job's rule
   * URIs (e.g. findJobThresholds). Default: docs/margin-rules.md's 1.5 / 1.2 / 1.05.
   */
  thresholds?: ReportThresholds | ((ruleUris: readonly string[]) => Promise<ReportThresholds>);
  /** Most intervals on the time grid; a finer timeline is folded (minimum kept). Default 1000. */
  maxPoints?: number;
  /** Most rows of the at-risk table. Default 500. */
  atRiskLimit?: number;
  /** Most events kept per worst portfolio (the first of each kind). Default 200. */
  eventsPerPortfolio?: number;
}

export const DEFAULT_THRESHOLDS: ReportThresholds = { marginCall: 1.5, reduceOnly: 1.2, liquidation: 1.05, source: 'docs/margin-rules.md defaults' };

const AT_RISK: ReadonlySet<string> = new Set(['MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED']);
const MAX_FAILURES = 20;

type OkSummary = Extract<PortfolioSummary, { ok: true }>;

interface SummaryHead {
  version: number;
  job: { jobId: string; prices: string; portfolios: string; rules: string[]; from?: string; to?: string; timeline: { resolution: number }; liquidation: { policy: string; slippage: string; target: string } };
  inputs: { prices: Input; portfolios: Input; rules: Input[] };
  rulesSources: string[];
  window: { from: string; to: string; steps: number };
  totals: { portfolios: number; ok: number; failed: number; liquidated: number; bankrupt: number; worstStatus: Record<string, number>; liquidationFeesUSD: string; bankruptcyLossUSD: string };
  portfolios?: PortfolioSummary[];
}
interface Input {
  uri: string;
  bytes: number;
  sha256: string;
}

/** Text lines of a byte stream (without the newline). */
export async function* readLines(chunks: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const c of chunks) {
    rest += decoder.decode(c, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = rest.indexOf('\n', start)) >= 0) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}

const ARROW_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/** The IPC message that declares `schema` (what a stream starts with). */
function encodeSchemaMessage(schema: Schema): Uint8Array {
  const bytes = tableToIPC(new Table(schema), 'stream');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getInt32(0, true) !== -1) throw new Error('unexpected Arrow stream framing');
  return bytes.slice(0, 8 + view.getInt32(4, true));
}

/**
 * The record batches of an Arrow IPC file or stream as its bytes arrive, one batch in memory at a
 * time. A file is magic, the stream of messages with its end-of-stream marker, then the footer: it
 * is read as the stream it contains, so the footer at the end is never needed. apache-arrow's file
 * writer keeps the schema in the footer only, so for a file the known `schema` of what we wrote is
 * put in front (a file that has its own schema message replaces it).
 */
export async function* streamArrowBatches(chunks: AsyncIterable<Uint8Array>, schema: Schema): AsyncIterable<RecordBatch> {
  const source = chunks[Symbol.asyncIterator]();
  let head = new Uint8Array(0);
  while (head.length < 8) {
    const next = await source.next();
    if (next.done) break;
    const joined = new Uint8Array(head.length + next.value.length);
    joined.set(head);
    joined.set(next.value, head.length);
    head = joined;
  }
  const isFile = ARROW_MAGIC.every((b, i) => head[i] === b);
  async function* body(): AsyncIterable<Uint8Array> {
    if (isFile) yield encodeSchemaMessage(schema);
    const first = isFile ? head.subarray(8) : head;
    if (first.length > 0) yield first;
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield next.value;
    }
  }
  try {
    const reader = await RecordBatchReader.from(body());
    for await (const batch of reader) yield batch;
  } finally {
    await source.return?.();
  }
}

function round6(v: number): number {
  return Number(v.toPrecision(6));
}

const utf8 = new TextDecoder();

/** The zone of a minimum uniMMR under the thresholds. */
export function findZone(u: number, t: ReportThresholds): Zone {
  if (u <= 0) return 'bankrupt';
  if (u <= t.liquidation) return 'liquidation';
  if (u <= t.reduceOnly) return 'reduceOnly';
  if (u <= t.marginCall) return 'marginCall';
  return 'normal';
}

/** Histogram bins of the minimum uniMMR: ≤ 0, the three status bands, then widening bins above. */
export function buildDistributionBins(t: ReportThresholds): DistributionBin[] {
  const fmt = (v: number) => String(v);
  const edges = [0, t.liquidation, t.reduceOnly, t.marginCall, ...[2, 3, 5, 10, 20, 50, 100].filter((e) => e > t.marginCall)];
  const bins: DistributionBin[] = [{ lower: null, upper: 0, label: '≤ 0', zone: 'bankrupt', count: 0 }];
  for (let i = 1; i < edges.length; i++) {
    const lower = edges[i - 1]!;
    const upper = edges[i]!;
    bins.push({ lower, upper, label: `${fmt(lower)}–${fmt(upper)}`, zone: findZone(upper, t), count: 0 });
  }
  bins.push({ lower: edges[edges.length - 1]!, upper: null, label: `> ${fmt(edges[edges.length - 1]!)}`, zone: 'normal', count: 0 });
  return bins;
}

function addToDistribution(bins: DistributionBin[], u: number): void {
  for (const b of bins) {
    if ((b.lower === null || u > b.lower) && (b.upper === null || u <= b.upper)) {
      b.count++;
      return;
    }
  }
}

/** Keeps the `limit` smallest items by key (ties: the earlier one stays first). */
class SmallestKeeper<T> {
  readonly items: { key: number; order: number; item: T }[] = [];
  constructor(private readonly limit: number) {}
  offer(key: number, order: number, item: T): void {
    if (this.limit <= 0) return;
    const worse = (a: { key: number; order: number }, b: { key: number; order: number }) => a.key > b.key || (a.key === b.key && a.order > b.order);
    const entry = { key, order, item };
    if (this.items.length >= this.limit && !worse(this.items[this.items.length - 1]!, entry)) return;
    let i = this.items.length;
    while (i > 0 && worse(this.items[i - 1]!, entry)) i--;
    this.items.splice(i, 0, entry);
    if (this.items.length > this.limit) this.items.pop();
  }
}

/**
 * Reads summary.json as a stream: the layout mergeJob writes (one portfolio a line between
 * `"portfolios": [` and `],`) is read line by line; any other layout is parsed whole.
 */
async function readSummary(store: ObjectStore, key: string, visit: (p: PortfolioSummary) => void): Promise<SummaryHead> {
  const headLines: string[] = [];
  let inPortfolios = false;
  let sawPortfolios = false;
  for await (const line of readLines(store.readStream(key))) {
    if (!inPortfolios && line === '"portfolios": [') {
      inPortfolios = true;
      sawPortfolios = true;
      headLines.push(line);
      continue;
    }
    if (inPortfolios) {
      if (line === ']' || line === '],') {
        inPortfolios = false;
        headLines.push(line);
        continue;
      }
      const text = line.endsWith(',') ? line.slice(0, -1) : line;
      if (text.trim() !== '') visit(JSON.parse(text) as PortfolioSummary);
      continue;
    }
    headLines.push(line);
  }
  const head = JSON.parse(headLines.join('\n')) as SummaryHead;
  if (!sawPortfolios) for (const p of head.portfolios ?? []) visit(p);
  delete head.portfolios;
  return head;
}

/** Grid of intervals over the window: timeline buckets, folded so there are at most maxPoints. */
function buildGrid(from: number, to: number, resolutionMs: number, maxPoints: number): { start: number; intervalMs: number; count: number } {
  const start = Math.floor(from / resolutionMs) * resolutionMs;
  const buckets = Math.max(1, Math.floor((to - start) / resolutionMs) + 1);
  const fold = Math.ceil(buckets / maxPoints);
  return { start, intervalMs: resolutionMs * fold, count: Math.ceil(buckets / fold) };
}

const STATUS_INDEX: Record<string, number> = { MARGIN_CALL: 0, REDUCE_ONLY: 1, FORCE_LIQUIDATION: 2 };

function readUtf8Column(batch: RecordBatch, name: string): Data {
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`timeline.arrow has no column ${name}`);
  return batch.getChildAt(i)!.data[0]!;
}

function readColumnVector(batch: RecordBatch, name: string) {
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`timeline.arrow has no column ${name}`);
  return batch.getChildAt(i)!;
}

function parseUniMMR(text: unknown): number | null {
  if (typeof text !== 'string' || text === 'null') return null;
  const n = Number(text);
  return Number.isFinite(n) ? round6(n) : null;
}


/** The report's view of one event: its uniMMR (before a liquidation) and one line of text. */
export function describeEvent(e: EventRecord): ReportEvent | undefined {
  const u = parseUniMMR(e.uniMMR);
  const at = (x: number | null) => (x === null ? 'with no maintenance margin' : `at uniMMR ${formatUniMMR(x)}`);
  const then = (x: number | null) => (x === null ? 'no maintenance margin left' : `uniMMR ${formatUniMMR(x)}`);
  switch (e.type) {
    case 'riskLevelChange':
      return {
        time: e.time, type: 'riskLevelChange', ...(e.from === undefined ? {} : { from: e.from }), to: e.to, uniMMR: u,
        text: e.from === undefined ? `starts ${describeStatus(e.to ?? '')} ${at(u)}` : `risk level ${describeStatus(e.from)} → ${describeStatus(e.to ?? '')} ${at(u)}`,
      };
    case 'ordersCancelled':
      return { time: e.time, type: 'ordersCancelled', uniMMR: u, text: `${e.detail ?? 'open orders cancelled'} at the liquidation threshold; then ${then(u)}` };
    case 'liquidationCancelled':
      return { time: e.time, type: 'liquidationCancelled', uniMMR: u, text: `liquidation cancelled: ${then(u)} after cancelling the open orders` };
    case 'liquidation': {
      let before: number | null = null;
      let legs = '';
      let policy = '';
      try {
        const d = JSON.parse(e.detail ?? '{}') as { policy?: string; uniMMRBefore?: string; legs?: { kind: string; name: string; quantity: string; price: string }[] };
        before = parseUniMMR(d.uniMMRBefore);
        policy = d.policy ?? '';
        const all = d.legs ?? [];
        legs = all.slice(0, 6).map((l) => `${l.kind === 'collateral' ? 'sold' : 'closed'} ${l.name} ${formatQuantity(l.quantity)} at ${formatQuantity(l.price)}`).join(', ') + (all.length > 6 ? `, … (${all.length} legs)` : '');
      } catch {
        legs = '';
      }
      return { time: e.time, type: 'liquidation', uniMMR: before, text: `liquidated${policy ? ` (policy ${policy})` : ''} ${at(before)}: ${legs || 'nothing to close'}; fees ${formatUSD(e.feesUSD ?? '0')} USD; afterwards ${then(u)}` };
    }
    case 'bankruptcy':
      return { time: e.time, type: 'bankruptcy', uniMMR: null, text: `bankrupt: equity still below zero after liquidation; the insurance fund loses ${formatUSD(e.lossUSD ?? '0')} USD` };
    default:
      return undefined;
  }
}

const EVENT_HEAD = /^\{"portfolioId":("(?:[^"\\]|\\.)*"),"time":(\d+),"at":"[^"]*","type":"(\w+)"/;
const SHOWN_TYPES: ReadonlySet<string> = new Set(['riskLevelChange', 'ordersCancelled', 'liquidationCancelled', 'liquidation', 'bankruptcy']);

/**
 * Gathers what report.html shows from a finished job's outputs under `jobKey` (summary.json,
 * timeline.arrow, events.jsonl), reading each as a stream: memory holds the histogram, the grid's
 * counts, a small map per portfolio for the status counts, and the worst portfolios' detail.
 */
export async function loadReportData(store: ObjectStore, jobKey: string, options: LoadReportOptions = {}): Promise<ReportData> {
  const worstCount = options.worstCount ?? 10;
  const maxPoints = options.maxPoints ?? 1000;
  const eventsPerPortfolio = options.eventsPerPortfolio ?? 200;

  // Minima of every portfolio (8 bytes each) until the thresholds, and so the bins, are known.
  let minima = new Float64Array(1024);
  let minimaCount = 0;
  const worstKeeper = new SmallestKeeper<OkSummary>(worstCount);
  const atRiskKeeper = new SmallestKeeper<OkSummary>(options.atRiskLimit ?? 500);
  let atRiskTotal = 0;
  let noMaintMargin = 0;
  const failures: ReportData['failures'] = [];
  let failuresTotal = 0;
  const head = await readSummary(store, joinKey(jobKey, 'summary.json'), (p) => {
    if (!p.ok) {
      failuresTotal++;
      if (failures.length < MAX_FAILURES) failures.push({ index: p.index, portfolioId: p.portfolioId, error: p.error });
      return;
    }
    const u = p.minUniMMR === null ? null : Number(p.minUniMMR);
    if (u === null) noMaintMargin++;
    else {
      if (minimaCount === minima.length) {
        const grown = new Float64Array(minima.length * 2);
        grown.set(minima);
        minima = grown;
      }
      minima[minimaCount++] = u;
      worstKeeper.offer(u, p.index, p);
    }
    if (p.worstStatus !== null && AT_RISK.has(p.worstStatus)) {
      atRiskTotal++;
      atRiskKeeper.offer(u ?? Number.POSITIVE_INFINITY, p.index, p);
    }
  });

  const thresholds = typeof options.thresholds === 'function' ? await options.thresholds(head.job.rules) : (options.thresholds ?? DEFAULT_THRESHOLDS);
  const distribution = buildDistributionBins(thresholds);
  for (let i = 0; i < minimaCount; i++) addToDistribution(distribution, minima[i]!);

  const windowFrom = Date.parse(head.window.from);
  const windowTo = Date.parse(head.window.to);
  const resolutionMs = head.job.timeline.resolution;
  const grid = buildGrid(windowFrom, windowTo, resolutionMs, maxPoints);
  const groupOf = (t: number) => {
    const g = Math.floor((t - grid.start) / grid.intervalMs);
    return g >= 0 && g < grid.count ? g : -1;
  };
  const empty = () => new Array<number | null>(grid.count).fill(null);
  const worst: WorstPortfolio[] = worstKeeper.items.map(({ item: p }) => ({
    portfolioId: p.portfolioId, index: p.index, initialUniMMR: p.initialUniMMR, minUniMMR: p.minUniMMR!, minUniMMRTime: p.minUniMMRTime, worstStatus: p.worstStatus, finalStatus: p.finalStatus,
    liquidations: p.liquidations, liquidationFeesUSD: p.liquidationFeesUSD, bankrupt: p.bankrupt, bankruptcyLossUSD: p.bankruptcyLossUSD, finalAccountEquity: p.finalAccountEquity,
    uniMMR: empty(), accountEquity: empty(), actualEquity: empty(), maintMargin: empty(), events: [], eventsOmitted: 0, worstMoment: p.worst ?? null,
  }));
  const worstById = new Map(worst.map((w) => [w.portfolioId, w]));

  // Timeline: per interval, which portfolios were in each at-risk status; the worst ones' values.
  const statusCounts = [new Array<number>(grid.count).fill(0), new Array<number>(grid.count).fill(0), new Array<number>(grid.count).fill(0)];
  const lastCounted = new Map<string, Int32Array>();
  const seen = new Map<string, Uint8Array>();
  let prevIdBytes: Uint8Array | undefined;
  let prevId = '';
  const statusNames = new Map<number, string>();
  for await (const batch of streamArrowBatches(store.readStream(joinKey(jobKey, 'timeline.arrow')), TIMELINE_SCHEMA)) {
    const ids = readUtf8Column(batch, 'portfolioId');
    const statuses = readUtf8Column(batch, 'status');
    const times = readTimeColumnMs(readColumnVector(batch, 'time'), 'timeline.arrow', 'time', 'ms');
    const uni = readNumberColumn(readColumnVector(batch, 'uniMMR'), 'timeline.arrow', 'uniMMR', true);
    const eq = readNumberColumn(readColumnVector(batch, 'accountEquity'), 'timeline.arrow', 'accountEquity');
    const act = readNumberColumn(readColumnVector(batch, 'actualEquity'), 'timeline.arrow', 'actualEquity');
    const mm = readNumberColumn(readColumnVector(batch, 'maintMargin'), 'timeline.arrow', 'maintMargin');
    const idOffsets = ids.valueOffsets as Int32Array;
    const idBytes = ids.values as Uint8Array;
    const stOffsets = statuses.valueOffsets as Int32Array;
    const stBytes = statuses.values as Uint8Array;
    for (let r = 0; r < batch.numRows; r++) {
      const a = idOffsets[r]!;
      const b = idOffsets[r + 1]!;
      const bytes = idBytes.subarray(a, b);
      if (prevIdBytes === undefined || prevIdBytes.length !== bytes.length || !bytes.every((x, i) => x === prevIdBytes![i])) {
        prevIdBytes = bytes.slice();
        prevId = utf8.decode(bytes);
      }
      const g = groupOf(times[r]!);
      if (g < 0) continue;
      const s0 = stOffsets[r]!;
      const s1 = stOffsets[r + 1]!;
      // Status names differ in length or first letter (MARGIN_CALL / REDUCE_ONLY): decode each once.
      const code = (s1 - s0) * 256 + stBytes[s0]!;
      let status = statusNames.get(code);
      if (status === undefined) {
        status = utf8.decode(stBytes.subarray(s0, s1));
        statusNames.set(code, status);
      }
      const si = STATUS_INDEX[status];
      if (si !== undefined) {
        let last = lastCounted.get(prevId);
        if (last === undefined) {
          last = new Int32Array(3).fill(-1);
          lastCounted.set(prevId, last);
        }
        if (last[si] !== g) {
          last[si] = g;
          statusCounts[si]![g]!++;
        }
      }
      const w = worstById.get(prevId);
      if (w !== undefined) {
        let marks = seen.get(prevId);
        if (marks === undefined) {
          marks = new Uint8Array(grid.count);
          seen.set(prevId, marks);
        }
        const u = uni[r]!;
        const cur = w.uniMMR[g];
        // As the timeline does: an interval keeps the row of its lowest uniMMR.
        if (marks[g] === 0 || (!Number.isNaN(u) && (cur === null || u < cur!))) {
          marks[g] = 1;
          w.uniMMR[g] = Number.isNaN(u) ? null : round6(u);
          w.accountEquity[g] = round6(eq[r]!);
          w.actualEquity[g] = round6(act[r]!);
          w.maintMargin[g] = round6(mm[r]!);
        }
      }
    }
  }

  // Events: liquidations and bankruptcies of every portfolio on the grid; the worst ones' story.
  const liquidations = new Array<number>(grid.count).fill(0);
  const bankruptcies = new Array<number>(grid.count).fill(0);
  const keptByKind = new Map<string, number>();
  for await (const line of readLines(store.readStream(joinKey(jobKey, 'events.jsonl')))) {
    const m = EVENT_HEAD.exec(line);
    if (m === null) continue;
    const type = m[3]!;
    if (!SHOWN_TYPES.has(type)) continue;
    const time = Number(m[2]);
    const g = groupOf(time);
    if (g >= 0 && type === 'liquidation') liquidations[g]!++;
    if (g >= 0 && type === 'bankruptcy') bankruptcies[g]!++;
    const id = JSON.parse(m[1]!) as string;
    const w = worstById.get(id);
    if (w === undefined) continue;
    const kindKey = `${id}\u0000${type}`;
    const kept = keptByKind.get(kindKey) ?? 0;
    if (kept >= eventsPerPortfolio) {
      w.eventsOmitted++;
      continue;
    }
    const e = describeEvent(JSON.parse(line) as EventRecord);
    if (e === undefined) continue;
    keptByKind.set(kindKey, kept + 1);
    w.events.push(e);
  }

  const detailOf = new Map(worst.map((w, i) => [w.portfolioId, i]));
  const atRisk: AtRiskRow[] = atRiskKeeper.items.map(({ item: p }) => ({
    portfolioId: p.portfolioId, minUniMMR: p.minUniMMR ?? 'null', minUniMMRTime: p.minUniMMRTime, worstStatus: p.worstStatus, liquidations: p.liquidations, bankrupt: p.bankrupt, detail: detailOf.get(p.portfolioId) ?? null,
  }));
  const job = head.job;
  return {
    version: 1,
    jobId: job.jobId,
    job: {
      prices: job.prices, portfolios: job.portfolios, rules: job.rules, from: head.window.from, to: head.window.to, resolutionMs,
      liquidation: { policy: job.liquidation.policy, slippage: job.liquidation.slippage, target: job.liquidation.target },
    },
    window: { from: windowFrom, to: windowTo, steps: head.window.steps },
    thresholds,
    totals: {
      portfolios: head.totals.portfolios, ok: head.totals.ok, failed: head.totals.failed, liquidated: head.totals.liquidated, bankrupt: head.totals.bankrupt,
      worstStatus: head.totals.worstStatus as Partial<Record<AccountStatus, number>>, liquidationFeesUSD: head.totals.liquidationFeesUSD, bankruptcyLossUSD: head.totals.bankruptcyLossUSD, noMaintMargin,
    },
    distribution,
    grid: { times: Array.from({ length: grid.count }, (_, i) => grid.start + i * grid.intervalMs), intervalMs: grid.intervalMs },
    statusOverTime: { marginCall: statusCounts[0]!, reduceOnly: statusCounts[1]!, forceLiquidation: statusCounts[2]!, liquidations, bankruptcies },
    worst,
    atRisk,
    atRiskTotal,
    failures,
    failuresTotal,
    inputs: [
      { ...head.inputs.prices, role: 'prices' },
      { ...head.inputs.portfolios, role: 'portfolios' },
      ...head.inputs.rules.map((r) => ({ ...r, role: 'rules' })),
    ],
    rulesSources: head.rulesSources,
  };
}
