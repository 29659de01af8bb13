import type { FastBatch } from '../engine/fast/batch.js';
import { findErrorFactor } from '../engine/fast/snapshot.js';
import { formatBinanceDecimalWithin } from '../records/binance-format.js';
import type { FinalPrinted } from '../records/portfolio-summary.js';
import type { FastSlot, ReplayState } from './replay-state.js';

/**
 * A bound computed in float64 is itself rounded (a handful of operations, each within 2⁻⁵³): it is
 * widened by this factor, far more than they can take off.
 */
const BOUND_WIDENING = 1 + 2 ** -40;

/**
 * The final account's printed numbers — uniMMR, account equity, actual equity, each cut to 8
 * decimals, and the status — from the kernel's floats at the replay's last step, when the replay
 * ended on a kernel span: the proven error bound (docs/architecture.md "The float error bound")
 * keeps each number within one 8-decimal cell, so its cut is the exact engine's. Undefined when it
 * does not (a cell edge within reach, no margin, the bars' extremes in that span): the exact
 * engine evaluates the final account then. The status is the span's quiet status, which the
 * kernel decides as the exact engine does.
 *
 * The bound, for the last kernel call's magnitude sums S (outGross) and S_mm (outMarginScale) and
 * k·ε (findErrorFactor): equity and actual equity within k·ε·S; the margin within k·ε·S_mm, so
 * uniMMR within (k·ε·S + |uniMMR|·k·ε·S_mm) / (margin − k·ε·S_mm) + k·ε·|uniMMR|.
 */
export function printFinalFromKernel(state: ReplayState, slot: FastSlot): FinalPrinted | undefined {
  const kernel = state.kernel;
  if (kernel.lastStep < 0 || kernel.lastSpanFrom < 0 || kernel.stale || state.status === null) return undefined;
  const { batch: b, index: p } = slot;
  const j = kernel.lastStep - kernel.lastSpanFrom;
  const uniMMR = printUniMMRFromKernel(b, p, j);
  if (uniMMR === undefined) return undefined;
  const error = findErrorFactor(b, p) * b.outGross[p]! * BOUND_WIDENING;
  const accountEquity = formatBinanceDecimalWithin(b.spanEquity[j]!, error);
  if (accountEquity === undefined) return undefined;
  const actualEquity = formatBinanceDecimalWithin(b.spanActual[j]!, error);
  if (actualEquity === undefined) return undefined;
  return { accountStatus: state.status, uniMMR, accountEquity, actualEquity };
}

/**
 * The printed uniMMR (cut to 8 decimals) of step j of portfolio p's last kernel call, when the
 * bound above keeps it within one 8-decimal cell; undefined when it does not, or there is no
 * margin (or one the bound cannot keep above 0: the exact engine says whether there is a uniMMR).
 */
export function printUniMMRFromKernel(b: FastBatch, p: number, j: number): string | undefined {
  const factor = findErrorFactor(b, p);
  const error = factor * b.outGross[p]! * BOUND_WIDENING;
  const marginError = factor * b.outMarginScale[p]!;
  const room = b.spanMaintMargin[j]! - marginError;
  const u = b.spanUniMMR[j]!;
  if (!(room > 0) || u !== u) return undefined;
  const size = Math.abs(u);
  return formatBinanceDecimalWithin(u, ((error + size * marginError) / room + factor * size) * BOUND_WIDENING);
}
