import type { AccountSnapshot, AccountStatus } from '../domain/types.js';
import { statusSeverity } from './actions.js';

/** One portfolio's worst moment in one time bucket (DESIGN.md §2 timeline.arrow). */
export interface TimelineRow {
  portfolioId: string;
  /** Bucket start, ms; buckets are aligned to multiples of the resolution since 1970. */
  time: number;
  /** The bucket's minimum uniMMR; null when no step in it had maintenance margin. */
  uniMMR: number | null;
  /** The rest are taken at the step of that minimum (or the bucket's last step when uniMMR is null). */
  accountEquity: number;
  actualEquity: number;
  maintMargin: number;
  /** The worst status seen in the bucket. */
  status: AccountStatus;
  worstTime: number;
  steps: number;
}

/** Folds snapshots into buckets, keeping the minimum so a coarse resolution never hides the worst point. */
export class TimelineAccumulator {
  readonly rows: TimelineRow[] = [];
  private current: TimelineRow | undefined;
  private bucketEnd = 0;

  constructor(private readonly portfolioId: string, private readonly resolutionMs: number) {}

  add(time: number, s: AccountSnapshot, status: AccountStatus = s.accountStatus): void {
    this.addValues(time, s.uniMMR === null ? null : s.uniMMR.toNumber(), s.accountEquity.toNumber(), s.actualEquity.toNumber(), s.accountMaintMargin.toNumber(), status);
  }

  /** The same from plain numbers (the fast kernel's results); called at every step, so kept lean. */
  addValues(time: number, u: number | null, accountEquity: number, actualEquity: number, maintMargin: number, status: AccountStatus): void {
    let row = this.current;
    if (row === undefined || time >= this.bucketEnd) {
      const bucket = Math.floor(time / this.resolutionMs) * this.resolutionMs;
      this.bucketEnd = bucket + this.resolutionMs;
      row = { portfolioId: this.portfolioId, time: bucket, uniMMR: null, accountEquity: 0, actualEquity: 0, maintMargin: 0, status, worstTime: time, steps: 0 };
      this.current = row;
      this.rows.push(row);
    }
    row.steps++;
    if (status !== row.status && statusSeverity(status) > statusSeverity(row.status)) row.status = status;
    const isWorse = row.steps === 1 || (u !== null && (row.uniMMR === null || u < row.uniMMR)) || (u === null && row.uniMMR === null);
    if (isWorse) {
      row.uniMMR = u;
      row.accountEquity = accountEquity;
      row.actualEquity = actualEquity;
      row.maintMargin = maintMargin;
      row.worstTime = time;
    }
  }
}
