import { statusOfSides, type RiskKernel, type TargetSides } from './kernel.js';
import { FORCE_LIQUIDATION } from '../engine/fast/status.js';
import type { CrossingBracket } from './crossing.js';

// One family's search along one direction (docs/risk.md "How it is found"), the four targets
// together: the grid from 0 outwards, then, per target, its first grid interval narrowed to two
// adjacent units. Each point's sides come from a probe: the fast kernel's where it decides them
// (the grid with the replay's band, the narrowing and shock 0 with the proven bound), the exact
// engine's otherwise — or the exact engine's throughout.

/** Where the search reads a shock's sides and the numbers the secant steps use. */
export interface ShockProbe {
  /** Bit i set: at or past RISK_TARGETS[i] at `units` (`proven`: the kernel's proven bound may decide, else only the replay's band). */
  sidesAt(units: number, proven: boolean): TargetSides;
  /** Adjusted equity and maintenance margin at the last sidesAt, as floats: what the secant reads. */
  adjusted: number;
  margin: number;
  /** The kernel, for scanning runs of quiet grid points in one span (none on the exact engine). */
  kernel?: RiskKernel;
}

/** A target's crossing: its first grid interval narrowed to adjacent units. */
export type TargetBrackets = (CrossingBracket | undefined)[];

/**
 * Each target's first grid interval whose far end is on the other side from `startSides` (the
 * sides at grid[0] = 0). Runs of points on which the kernel's status does not change and stays
 * clear of every band are scanned as one span (RiskKernel.findFirstStop): such a point's sides are
 * those of the last point evaluated, as sidesAt would say (the same status and band).
 */
export function findGridIntervals(grid: readonly number[], probe: ShockProbe, startSides: TargetSides, targets: number): TargetBrackets {
  const found: TargetBrackets = new Array<CrossingBracket | undefined>(targets).fill(undefined);
  let remaining = (1 << targets) - 1;
  let last = startSides;
  for (let i = 1; i < grid.length && remaining !== 0; i++) {
    const status = statusOfSides(last);
    // A status of FORCE_LIQUIDATION does not fix the zero-equity side, nor one at adjusted equity 0.
    if (probe.kernel !== undefined && status !== FORCE_LIQUIDATION && (last & 0b1000) === 0) {
      i = probe.kernel.findFirstStop(grid, i, status);
      if (i >= grid.length) break;
    }
    const sides = probe.sidesAt(grid[i]!, false);
    const changed = (sides ^ startSides) & remaining;
    for (let t = 0; t < targets; t++) if ((changed & (1 << t)) !== 0) found[t] = { inside: grid[i - 1]!, crossing: grid[i]! };
    remaining &= ~changed;
    last = sides;
  }
  return found;
}

/** The value whose sign change the secant follows for target t: adjusted − T·margin (adjusted for zero equity). */
const valueOf = (probe: ShockProbe, threshold: number): number => probe.adjusted - threshold * probe.margin;

/**
 * Narrows [inside, crossing] (in units, either order; inside on the starting side, crossing past
 * it) to two adjacent units by a safeguarded secant (Illinois) on adjusted − T·margin: each step
 * probes the whole unit nearest the secant's root, strictly inside the bracket, and a bisection
 * step follows two steps that did not halve it. Where the value is smooth near the crossing (it is
 * affine in the shock between bracket and tier edges), the root falls between two adjacent units
 * after a few steps, against about 27 halvings of a 1.25 % grid step.
 */
export function narrowCrossing(inside: number, crossing: number, bit: number, threshold: number, probe: ShockProbe): CrossingBracket {
  const mask = 1 << bit;
  const startPast = (probe.sidesAt(inside, true) & mask) !== 0;
  let fa = valueOf(probe, threshold);
  probe.sidesAt(crossing, true);
  let fb = valueOf(probe, threshold);
  let a = inside;
  let b = crossing;
  let kept = 0;
  let stalled = 0;
  while (Math.abs(b - a) > 1) {
    const width = Math.abs(b - a);
    const lo = Math.min(a, b) + 1;
    const hi = Math.max(a, b) - 1;
    let c = a + Math.trunc((b - a) / 2);
    if (stalled < 2 && Number.isFinite(fa) && Number.isFinite(fb) && fa !== fb) {
      const root = a + ((b - a) * fa) / (fa - fb);
      if (Number.isFinite(root)) c = Math.min(hi, Math.max(lo, Math.round(root)));
    }
    const past = ((probe.sidesAt(c, true) & mask) !== 0) !== startPast;
    const fc = valueOf(probe, threshold);
    if (past) {
      b = c;
      fb = fc;
      // Illinois: the end kept twice has its value halved, so the next root moves towards it.
      if (kept < 0) fa /= 2;
      kept = kept < 0 ? kept - 1 : -1;
    } else {
      a = c;
      fa = fc;
      if (kept > 0) fb /= 2;
      kept = kept > 0 ? kept + 1 : 1;
    }
    stalled = Math.abs(b - a) * 2 > width ? stalled + 1 : 0;
  }
  return { inside: a, crossing: b };
}
