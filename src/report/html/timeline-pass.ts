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

const utf8 = new TextDecoder();

/**
 * One pass over a timeline file: the worst portfolios' values put on the grid. Memory holds one
 * record batch and the worst ones' marks. (Counts over all portfolios come from the partials.)
 */
class TimelinePass {
  private readonly seen = new Map<string, Uint8Array>();
  private prevIdBytes: Uint8Array | undefined;
  private prevId = '';

  constructor(private readonly grid: Grid, private readonly worstById: ReadonlyMap<string, WorstPortfolio>) {}

  addBatch(c: TimelineColumns): void {
    for (let r = 0; r < c.length; r++) {
      const id = this.idAt(c, r);
      const w = this.worstById.get(id);
      if (w === undefined) continue;
      const g = findInterval(this.grid, c.time[r]!);
      if (g >= 0) this.addWorstRow(w, id, c, r, g);
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

/** Reads the timeline file `name` as a stream, filling in the worst portfolios' values on the grid. */
export async function readTimelineOnGrid(files: JobOutputFiles, name: string, grid: Grid, worstById: ReadonlyMap<string, WorstPortfolio>): Promise<void> {
  const pass = new TimelinePass(grid, worstById);
  const file = files.uriOf(name);
  let firstRow = 0;
  for await (const batch of streamArrowBatches(files.readStream(name), TIMELINE_SCHEMA)) {
    pass.addBatch(readTimelineColumns(batch, file, firstRow));
    firstRow += batch.numRows;
  }
}
