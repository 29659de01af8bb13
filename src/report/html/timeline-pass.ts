import { streamArrowBatches } from '../../records/arrow.js';
import { readTimelineColumns, TIMELINE_SCHEMA, type TimelineColumns } from '../../records/timeline.js';
import { round6 } from './describe-event.js';
import type { JobOutputFiles, WorstPortfolio } from './types.js';

/** Intervals over the window: timeline buckets, folded so there are at most maxPoints. */
export interface Grid {
  start: number;
  intervalMs: number;
  count: number;
}

export function buildGrid(from: number, to: number, resolutionMs: number, maxPoints: number): Grid {
  const start = Math.floor(from / resolutionMs) * resolutionMs;
  const buckets = Math.max(1, Math.floor((to - start) / resolutionMs) + 1);
  const fold = Math.ceil(buckets / maxPoints);
  return { start, intervalMs: resolutionMs * fold, count: Math.ceil(buckets / fold) };
}

/** The interval a time falls in, or −1 outside the grid. */
export function findInterval(grid: Grid, t: number): number {
  const g = Math.floor((t - grid.start) / grid.intervalMs);
  return g >= 0 && g < grid.count ? g : -1;
}

const STATUS_INDEX: Record<string, number> = { MARGIN_CALL: 0, REDUCE_ONLY: 1, FORCE_LIQUIDATION: 2 };
const utf8 = new TextDecoder();

/**
 * One pass over timeline.arrow: per interval, how many portfolios were in each at-risk status
 * (margin call, reduce-only, liquidation), and the worst portfolios' values filled in. Memory holds
 * one batch, a small map per portfolio seen at risk, and the worst ones' marks.
 */
class TimelinePass {
  readonly statusCounts: number[][];
  private readonly lastCounted = new Map<string, Int32Array>();
  private readonly seen = new Map<string, Uint8Array>();
  private readonly statusNames = new Map<number, string>();
  private prevIdBytes: Uint8Array | undefined;
  private prevId = '';

  constructor(private readonly grid: Grid, private readonly worstById: ReadonlyMap<string, WorstPortfolio>) {
    this.statusCounts = [0, 1, 2].map(() => new Array<number>(grid.count).fill(0));
  }

  addBatch(c: TimelineColumns): void {
    for (let r = 0; r < c.length; r++) {
      const id = this.idAt(c, r);
      const g = findInterval(this.grid, c.time[r]!);
      if (g < 0) continue;
      const si = STATUS_INDEX[this.statusAt(c, r)];
      if (si !== undefined) this.countStatus(id, si, g);
      const w = this.worstById.get(id);
      if (w !== undefined) this.addWorstRow(w, id, c, r, g);
    }
  }

  /** Rows come grouped by portfolio: the id is decoded only when its bytes change. */
  private idAt(c: TimelineColumns, r: number): string {
    const bytes = c.portfolioId.bytes.subarray(c.portfolioId.offsets[r]!, c.portfolioId.offsets[r + 1]!);
    const prev = this.prevIdBytes;
    if (prev === undefined || prev.length !== bytes.length || !bytes.every((x, i) => x === prev[i])) {
      this.prevIdBytes = bytes.slice();
      this.prevId = utf8.decode(bytes);
    }
    return this.prevId;
  }

  /** Status names differ in length or first letter (MARGIN_CALL / REDUCE_ONLY): each is decoded once. */
  private statusAt(c: TimelineColumns, r: number): string {
    const s0 = c.status.offsets[r]!;
    const s1 = c.status.offsets[r + 1]!;
    const code = (s1 - s0) * 256 + c.status.bytes[s0]!;
    let status = this.statusNames.get(code);
    if (status === undefined) {
      status = utf8.decode(c.status.bytes.subarray(s0, s1));
      this.statusNames.set(code, status);
    }
    return status;
  }

  private countStatus(id: string, si: number, g: number): void {
    let last = this.lastCounted.get(id);
    if (last === undefined) {
      last = new Int32Array(3).fill(-1);
      this.lastCounted.set(id, last);
    }
    if (last[si] !== g) {
      last[si] = g;
      this.statusCounts[si]![g]!++;
    }
  }

  private addWorstRow(w: WorstPortfolio, id: string, c: TimelineColumns, r: number, g: number): void {
    let marks = this.seen.get(id);
    if (marks === undefined) {
      marks = new Uint8Array(this.grid.count);
      this.seen.set(id, marks);
    }
    const u = c.uniMMR[r]!;
    const cur = w.uniMMR[g];
    // As the timeline does: an interval keeps the row of its lowest uniMMR.
    if (marks[g] === 0 || (!Number.isNaN(u) && (cur === null || u < cur!))) {
      marks[g] = 1;
      w.uniMMR[g] = Number.isNaN(u) ? null : round6(u);
      w.accountEquity[g] = round6(c.accountEquity[r]!);
      w.actualEquity[g] = round6(c.actualEquity[r]!);
      w.maintMargin[g] = round6(c.maintMargin[r]!);
    }
  }
}

/** Reads timeline.arrow as a stream; returns the status counts per interval (margin call, reduce-only, liquidation). */
export async function readTimelineOnGrid(files: JobOutputFiles, grid: Grid, worstById: ReadonlyMap<string, WorstPortfolio>): Promise<number[][]> {
  const pass = new TimelinePass(grid, worstById);
  const file = files.uriOf('timeline.arrow');
  let firstRow = 0;
  for await (const batch of streamArrowBatches(files.readStream('timeline.arrow'), TIMELINE_SCHEMA)) {
    pass.addBatch(readTimelineColumns(batch, file, firstRow));
    firstRow += batch.numRows;
  }
  return pass.statusCounts;
}
