// The first-crossing search along one direction of one shock family (docs/risk.md "How it is
// found"). uniMMR need not be monotone in the shock — a hedged or short book can rise, then fall —
// so bisecting from the end of the range could land on a later crossing; the search walks a grid
// out from 0 and bisects the first grid interval whose ends are on different sides. Shocks are
// whole units (src/risk/shock.ts SHOCK_UNIT), so the bisection ends on two adjacent units: the last
// one on the starting side and the first one past it, which is what is reported.

/** Grid points from 0 outwards: i·rangeUnits/steps for i = 0…steps, stopping at `limitUnits` (then included). */
export function makeGrid(sign: -1 | 1, rangeUnits: number, steps: number, limitUnits: number): number[] {
  const points = [0];
  for (let i = 1; i <= steps; i++) {
    const u = Math.round((i * rangeUnits) / steps);
    if (u >= limitUnits) break;
    if (u > points[points.length - 1]!) points.push(u);
  }
  if (limitUnits > 0 && points[points.length - 1] !== limitUnits) points.push(limitUnits);
  return points.map((u) => (u === 0 ? 0 : sign * u));
}

/** Where a side changes: the last unit on the starting side and the first one past it. */
export interface CrossingBracket {
  inside: number;
  crossing: number;
}

/**
 * The first crossing along `grid` (units, from 0 outwards) of a predicate that says whether the
 * account is beyond a threshold: the first grid interval whose far end is on the other side from
 * 0, bisected to adjacent units (reading `isBeyondWithin` inside the interval, the same predicate
 * unless the caller reads the points between grid points differently). Undefined when every grid point is on the starting side (a
 * crossing and return within one grid step is not seen: docs/risk.md says so).
 */
export function findFirstCrossing(grid: readonly number[], isBeyond: (units: number) => boolean, isBeyondWithin: (units: number) => boolean = isBeyond): CrossingBracket | undefined {
  const start = isBeyond(grid[0]!);
  for (let i = 1; i < grid.length; i++) {
    if (isBeyond(grid[i]!) !== start) return bisectCrossing(grid[i - 1]!, grid[i]!, start, isBeyondWithin);
  }
  return undefined;
}

/** Halves [inside, crossing] (in units, either order) until they are one unit apart. */
export function bisectCrossing(inside: number, crossing: number, start: boolean, isBeyond: (units: number) => boolean): CrossingBracket {
  let lo = inside;
  let hi = crossing;
  while (Math.abs(hi - lo) > 1) {
    const mid = lo + Math.trunc((hi - lo) / 2);
    if (isBeyond(mid) === start) lo = mid;
    else hi = mid;
  }
  return { inside: lo, crossing: hi };
}
