// Binance's 8-decimal print (cut toward zero, src/records/binance-format.ts) of a number the fast
// kernel computed, when its proven error bound fixes every printed digit: the exact value lies
// within ±error of the float, and every number in that interval prints the same.

import type { KernelNumbers } from './kernel.js';

const EPS = Number.EPSILON;

/**
 * The 8-decimal cut of any number within `error` of `value`, or undefined when the interval holds
 * numbers that print differently (or the value is too large to cut in float64). The slack covers
 * the product value·10⁸ and the sums' own roundings (4ε of |value·10⁸|).
 */
export function formatCutWithin(value: number, error: number): string | undefined {
  const x = value * 1e8;
  if (!(Math.abs(x) < 2 ** 51) || !(error >= 0)) return undefined;
  const slack = error * 1e8 * (1 + 4 * EPS) + 4 * EPS * Math.abs(x);
  const k = Math.trunc(x - slack);
  // trunc(−0.5) is −0, which === 0: both ends cut to zero print "0.00000000", as Binance's does.
  if (k !== Math.trunc(x + slack)) return undefined;
  return formatUnits8(k);
}

/** An integer number of 10⁻⁸ (|k| < 2⁵³) as "W.FFFFFFFF", "0.00000000" for zero. */
function formatUnits8(k: number): string {
  if (k === 0) return '0.00000000';
  const abs = Math.abs(k);
  let whole = Math.floor(abs / 1e8);
  // The division rounds: put the whole part right (both sides exact integers below 2⁵³).
  if (whole * 1e8 > abs) whole--;
  else if ((whole + 1) * 1e8 <= abs) whole++;
  const fraction = abs - whole * 1e8;
  return `${k < 0 ? '-' : ''}${whole}.${String(fraction).padStart(8, '0')}`;
}

/**
 * The 8-decimal cut of the uniMMR the kernel computed, as Binance prints it: null when the account
 * has no margin term at all (the exact margin is exactly 0 too), undefined when the bound does not
 * fix every digit (or does not keep the margin above 0).
 */
export function formatKernelUniMMR(k: KernelNumbers): string | null | undefined {
  if (k.margin === 0 && k.marginError === 0) return null;
  return formatCutWithin(k.uniMMR, k.uniMMRError);
}
