import { floatOfDecimal } from '../domain/decimal.js';
import type { AccountSnapshot, AccountStatus } from '../domain/types.js';
import { ROW_ACTUAL, ROW_CASH_FLOW, ROW_EQUITY, ROW_MARGIN, ROW_STATUS, ROW_STEPS, ROW_UNIMMR, ROW_WORST_TIME, statusCode, TimelineBlock, TIMELINE_STATUSES, type TimelineRow } from '../records/timeline.js';
import { statusSeverity } from './actions.js';

// The row (timeline.arrow's, docs/formats.md "Outputs") is owned by the records; the replay fills it.
export type { TimelineRow } from '../records/timeline.js';

/**
 * Folds snapshots into buckets, keeping the minimum so a coarse resolution never hides the worst
 * point. The rows go into a TimelineBlock (records/timeline.ts): numbers in one typed array, no
 * object a row.
 */
export class TimelineAccumulator {
  readonly block: TimelineBlock;
  /** The current row's offset in the block's values (−1: none yet). */
  private current = -1;
  private bucketEnd = 0;
  /**
   * Funding received less interest charged so far, USD (the charges add to it as they are
   * applied); each row keeps the value as of its bucket's last step.
   */
  cashFlowUSD = 0;

  constructor(portfolioId: string, private readonly resolutionMs: number, capacity?: number) {
    this.block = new TimelineBlock(portfolioId, capacity);
  }

  /** The rows so far, as objects (made on each call). */
  get rows(): TimelineRow[] {
    return this.block.rows();
  }

  add(time: number, s: AccountSnapshot, status: AccountStatus = s.accountStatus): void {
    this.addValues(time, s.uniMMR === null ? null : floatOfDecimal(s.uniMMR), floatOfDecimal(s.accountEquity), floatOfDecimal(s.actualEquity), floatOfDecimal(s.accountMaintMargin), status);
  }

  /** The same from plain numbers (the fast kernel's results). */
  addValues(time: number, u: number | null, accountEquity: number, actualEquity: number, maintMargin: number, status: AccountStatus): void {
    const o = this.rowFor(time, status);
    const v = this.block.values;
    const steps = v[o + ROW_STEPS]! + 1;
    v[o + ROW_STEPS] = steps;
    if (isWorse(steps === 1, v[o + ROW_UNIMMR]!, u ?? Number.NaN)) setWorst(v, o, time, u, accountEquity, actualEquity, maintMargin);
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
    const o = this.rowFor(time, status);
    const v = this.block.values;
    if (isWorse(v[o + ROW_STEPS] === 0, v[o + ROW_UNIMMR]!, u ?? Number.NaN)) setWorst(v, o, time, u, accountEquity, actualEquity, maintMargin);
  }

  /**
   * addValues for each step j in [from, to) of a kernel span, all in `status`: the step's time is
   * times[j], its values at [j − offset] of the span arrays (a NaN uniMMR is none). One pass with
   * the bucket's minimum held in a local, as this runs for nearly every step of a replay.
   */
  addSpan(times: Float64Array, from: number, to: number, offset: number, uniMMR: Float64Array, accountEquity: Float64Array, actualEquity: Float64Array, maintMargin: Float64Array, status: AccountStatus): void {
    for (let j = from; j < to; ) {
      const o = this.rowFor(times[j]!, status);
      const v = this.block.values;
      const end = this.bucketEnd;
      let worst = -1;
      let min = v[o + ROW_UNIMMR]!;
      const start = j;
      // A new row's first step is its worst so far (isWorse's `first`); it is in the row's bucket.
      if (v[o + ROW_STEPS] === 0) {
        worst = j;
        min = uniMMR[j - offset]!;
        j++;
      }
      for (; j < to && times[j]! < end; j++) {
        const u = uniMMR[j - offset]!;
        if (isWorse(false, min, u)) {
          worst = j;
          min = u;
        }
      }
      v[o + ROW_STEPS] = v[o + ROW_STEPS]! + (j - start);
      if (worst >= 0) {
        const k = worst - offset;
        setWorst(v, o, times[worst]!, min === min ? min : null, accountEquity[k]!, actualEquity[k]!, maintMargin[k]!);
      }
    }
  }

  /** The row of time's bucket (opened if new), its status raised to `status` if worse: its offset in the block's values. */
  private rowFor(time: number, status: AccountStatus): number {
    let o = this.current;
    if (o < 0 || time >= this.bucketEnd) {
      const bucket = Math.floor(time / this.resolutionMs) * this.resolutionMs;
      this.bucketEnd = bucket + this.resolutionMs;
      o = this.block.addRow(bucket, status, time);
      this.current = o;
    }
    const v = this.block.values;
    v[o + ROW_CASH_FLOW] = this.cashFlowUSD;
    const rowStatus = TIMELINE_STATUSES[v[o + ROW_STATUS]!]!;
    if (status !== rowStatus && statusSeverity(status) > statusSeverity(rowStatus)) v[o + ROW_STATUS] = statusCode(status);
    return o;
  }
}

/**
 * A step is its bucket's worst when it is the first, has a lower uniMMR than the bucket's minimum
 * `min`, or has none while none has one (NaN: no uniMMR).
 */
const isWorse = (first: boolean, min: number, u: number) => first || (u === u ? !(min <= u) : min !== min);

/** The row at offset o of a block's values takes these as its worst step's (a null uniMMR: NaN, none). */
function setWorst(v: Float64Array, o: number, time: number, u: number | null, accountEquity: number, actualEquity: number, maintMargin: number): void {
  v[o + ROW_UNIMMR] = u ?? Number.NaN;
  v[o + ROW_EQUITY] = accountEquity;
  v[o + ROW_ACTUAL] = actualEquity;
  v[o + ROW_MARGIN] = maintMargin;
  v[o + ROW_WORST_TIME] = time;
}
