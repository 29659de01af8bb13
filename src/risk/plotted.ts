import { statusCode, roundForPlot } from '../records/dataset.js';
import type { AccountNumbers } from '../engine/exact/account-numbers.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { statusOfSides, UNDECIDED, type RiskKernel } from './kernel.js';
import { formatCutWithin } from './printed.js';

// One point of a plotted risk series (the report's start-risk curve and heat maps): uniMMR as the
// side file keeps it (roundForPlot of Binance's 8-decimal cut) and the status code. The fast kernel's
// numbers stand in for the exact engine's only when its proven bounds fix both: the status by the
// sides (src/risk/kernel.ts), uniMMR by formatCutWithin (src/risk/printed.ts), or — where the cut
// itself is not fixed — by the plotted value being the same at both ends of the bound (roundForPlot
// of the cut never decreases as the number grows, so equal ends fix every number between).

export interface PlottedPoint {
  uniMMR: number | null;
  status: number;
}

/** The plotted point of the exact engine's numbers (the reference every kernel point must equal). */
export const plotExact = (n: Pick<AccountNumbers, 'uniMMR' | 'accountStatus'>): PlottedPoint => ({
  uniMMR: n.uniMMR === null ? null : roundForPlot(formatBinanceDecimal(n.uniMMR)),
  status: statusCode(n.accountStatus),
});

const EPS = Number.EPSILON;

/** roundForPlot of a printed (non-null) uniMMR. */
const plotCut = (cut: string): number => roundForPlot(cut) ?? Number.NaN;

/** roundForPlot of the cut of every number within `error` of `value`, or undefined when they differ. */
function plotWithin(value: number, error: number): number | undefined {
  const cut = formatCutWithin(value, error);
  if (cut !== undefined) return plotCut(cut);
  if (!(error >= 0) || !Number.isFinite(value)) return undefined;
  // The ends' own subtraction and addition round by at most ε·(|value| + error): widen by twice that.
  const widen = error + 2 * EPS * (Math.abs(value) + error);
  const low = formatCutWithin(value - widen, 0);
  const high = formatCutWithin(value + widen, 0);
  if (low === undefined || high === undefined) return undefined;
  const plotted = plotCut(low);
  return plotted === plotCut(high) ? plotted : undefined;
}

/**
 * The kernel's plotted point at `units` of its selected family, or undefined when its proven bound
 * does not fix the status or the plotted uniMMR (the caller then asks the exact engine).
 */
export function findKernelPlotPoint(kernel: RiskKernel, units: number): PlottedPoint | undefined {
  const sides = kernel.sidesAt(units, true);
  if (sides === UNDECIDED) return undefined;
  const k = kernel.last;
  // No margin term at all: no uniMMR (the exact margin is exactly 0 too).
  if (k.margin === 0 && k.marginError === 0) return { uniMMR: null, status: statusOfSides(sides) };
  const uniMMR = plotWithin(k.uniMMR, k.uniMMRError);
  return uniMMR === undefined ? undefined : { uniMMR, status: statusOfSides(sides) };
}
