import { floatOfDecimal } from '../domain/decimal.js';
import type { AccountSnapshot, AccountStatus } from '../domain/types.js';
import type { TimelineRow } from '../records/timeline.js';
import { statusSeverity } from './actions.js';

// The row (timeline.arrow's, docs/formats.md "Outputs") is owned by the records; the replay fills it.
export type { TimelineRow } from '../records/timeline.js';

/** Folds snapshots into buckets, keeping the minimum so a coarse resolution never hides the worst point. */
export class TimelineAccumulator {
  readonly rows: TimelineRow[] = [];
  private current: TimelineRow | undefined;
  private bucketEnd = 0;
  /**
   * Funding received less interest charged so far, USD (the charges add to it as they are
   * applied); each row keeps the value as of its bucket's last step.
   */
  cashFlowUSD = 0;

  constructor(private readonly portfolioId: string, private readonly resolutionMs: number) {}

  add(time: number, s: AccountSnapshot, status: AccountStatus = s.accountStatus): void {
    this.addValues(time, s.uniMMR === null ? null : floatOfDecimal(s.uniMMR), floatOfDecimal(s.accountEquity), floatOfDecimal(s.actualEquity), floatOfDecimal(s.accountMaintMargin), status);
  }

  /** The same from plain numbers (the fast kernel's results). */
  addValues(time: number, u: number | null, accountEquity: number, actualEquity: number, maintMargin: number, status: AccountStatus): void {
    const row = this.rowFor(time, status);
    row.steps++;
    if (isWorse(row.steps === 1, row.uniMMR ?? Number.NaN, u ?? Number.NaN)) setWorst(row, time, u, accountEquity, actualEquity, maintMargin);
  }

  /**
   * A bar's adverse extreme at `time` (docs/margin-rules.md §7), evaluated beside the step at its
   * close: it counts for the bucket's minimum and worst status, not as a step of its own. Call it
   * after the step's add.
   */
  addExtreme(time: number, s: AccountSnapshot, status: AccountStatus = s.accountStatus): void {
    this.addExtremeValues(time, s.uniMMR === null ? null : floatOfDecimal(s.uniMMR), floatOfDecimal(s.accountEquity), floatOfDecimal(s.actualEquity), floatOfDecimal(s.accountMaintMargin), status);
  }

  /** addExtreme from plain numbers (the fast kernel's). */
  addExtremeValues(time: number, u: number | null, accountEquity: number, actualEquity: number, maintMargin: number, status: AccountStatus): void {
    const row = this.rowFor(time, status);
    if (isWorse(row.steps === 0, row.uniMMR ?? Number.NaN, u ?? Number.NaN)) setWorst(row, time, u, accountEquity, actualEquity, maintMargin);
  }

  /**
   * addValues for each step j in [from, to) of a kernel span, all in `status`: the step's time is
   * times[j], its values at [j − offset] of the span arrays (a NaN uniMMR is none). One pass with
   * the bucket's minimum held in a local, as this runs for nearly every step of a replay.
   */
  addSpan(times: Float64Array, from: number, to: number, offset: number, uniMMR: Float64Array, accountEquity: Float64Array, actualEquity: Float64Array, maintMargin: Float64Array, status: AccountStatus): void {
    for (let j = from; j < to; ) {
      const row = this.rowFor(times[j]!, status);
      let worst = -1;
      let min = row.uniMMR ?? Number.NaN;
      const first = row.steps === 0;
      const start = j;
      for (; j < to && times[j]! < this.bucketEnd; j++) {
        const u = uniMMR[j - offset]!;
        if (isWorse(first && j === start, min, u)) {
          worst = j;
          min = u;
        }
      }
      row.steps += j - start;
      if (worst >= 0) {
        const k = worst - offset;
        setWorst(row, times[worst]!, min === min ? min : null, accountEquity[k]!, actualEquity[k]!, maintMargin[k]!);
      }
    }
  }

  /** The row of time's bucket (opened if new), its status raised to `status` if worse. */
  private rowFor(time: number, status: AccountStatus): TimelineRow {
    let row = this.current;
    if (row === undefined || time >= this.bucketEnd) {
      const bucket = Math.floor(time / this.resolutionMs) * this.resolutionMs;
      this.bucketEnd = bucket + this.resolutionMs;
      row = new BucketRow(this.portfolioId, bucket, status, time);
      this.current = row;
      this.rows.push(row);
    }
    row.cashFlowUSD = this.cashFlowUSD;
    if (status !== row.status && statusSeverity(status) > statusSeverity(row.status)) row.status = status;
    return row;
  }
}

/**
 * A new bucket's row, before any step is in it. A class, not an object literal: the rows live until
 * their batch is written, and so made from a literal they cost about ten times as much (the row's
 * allocation was 3–4 % of the bench's replay profile; docs/performance.md).
 */
class BucketRow implements TimelineRow {
  // The fields in TimelineRow's order, as the literal had them.
  portfolioId: string;
  time: number;
  uniMMR: number | null = null;
  accountEquity = 0;
  actualEquity = 0;
  maintMargin = 0;
  status: AccountStatus;
  worstTime: number;
  steps = 0;
  cashFlowUSD = 0;
  constructor(portfolioId: string, time: number, status: AccountStatus, worstTime: number) {
    this.portfolioId = portfolioId;
    this.time = time;
    this.status = status;
    this.worstTime = worstTime;
  }
}

/**
 * A step is its bucket's worst when it is the first, has a lower uniMMR than the bucket's minimum
 * `min`, or has none while none has one (NaN: no uniMMR).
 */
const isWorse = (first: boolean, min: number, u: number) => first || (u === u ? !(min <= u) : min !== min);

function setWorst(row: TimelineRow, time: number, u: number | null, accountEquity: number, actualEquity: number, maintMargin: number): void {
  row.uniMMR = u;
  row.accountEquity = accountEquity;
  row.actualEquity = actualEquity;
  row.maintMargin = maintMargin;
  row.worstTime = time;
}
