import { Dec } from './decimal.js';
import { InvariantError } from './errors.js';

/**
 * A decimal as a scaled integer: c × 10^e (a BigInt coefficient with its own power of ten). Each
 * operation takes the exact value and rounds it as decimal.js does — 40 significant digits, half to
 * even (Dec's precision and rounding, decimal.ts) — so every result has the digits Dec arithmetic
 * gives, whatever the operands. A division costs a third of Dec's: the exact formulas that divide
 * (CM PnL, CM notional, CM funding) use it (docs/architecture.md "Scaled integers").
 *
 * The scale is per value, not fixed: a fixed 10¹⁸ could not hold 0.123 × 60123.45678901234 ×
 * 0.00012345678901 (30 decimals) exactly, and the rules round at 40 significant digits, not at a
 * decimal place. Zero is { c: 0n, e: 0 }: its sign, which decimal.js keeps, is not (callers leave
 * zero operands to Dec).
 */
export interface Scaled {
  readonly c: bigint;
  readonly e: number;
}

/** Dec's significant digits (decimal.ts). */
export const PRECISION = Dec.precision;

const POW10: bigint[] = [1n];
/** 10^n as a BigInt, from a table grown on demand. */
function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * 10n);
  return POW10[n]!;
}
const LIMIT = pow10(PRECISION);
const LIMIT_DIGITS = pow10(PRECISION - 1);
// 10^pad for a word's padding (pad < 7).
const WORD_PAD = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];

/** The decimal digits of m ≥ 0 (1 for 0): a binary search of the powers below 10⁴⁰, else the string. */
export function countDigits(m: bigint): number {
  if (m >= LIMIT) return m.toString().length;
  let lo = 1;
  let hi = PRECISION;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m >= pow10(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rounds |q| (with `sticky`: a nonzero remainder below it) to PRECISION digits, half to even, as
 * decimal.js's finalise does. `e` is q's exponent.
 */
function roundDigits(q: bigint, e: number, sticky: boolean): Scaled {
  const negative = q < 0n;
  const m = negative ? -q : q;
  if (m < LIMIT && !sticky) return { c: q, e };
  const drop = countDigits(m) - PRECISION;
  if (drop <= 0) return { c: q, e }; // only a division leaves a remainder, and it keeps > 40 digits
  const unit = pow10(drop);
  let kept = m / unit;
  const twice = 2n * (m - kept * unit);
  if (twice > unit || (twice === unit && (sticky || (kept & 1n) === 1n))) kept += 1n;
  let exponent = e + drop;
  // 99…9 rounded up: 10⁴⁰, the same value as 10³⁹ one place up.
  if (kept === LIMIT) {
    kept = LIMIT_DIGITS;
    exponent += 1;
  }
  return { c: negative ? -kept : kept, e: exponent };
}

/** a × b, rounded as Dec.times rounds it. */
export function multiply(a: Scaled, b: Scaled): Scaled {
  return roundDigits(a.c * b.c, a.e + b.e, false);
}

/** a + b, rounded as Dec.plus rounds it (an exact zero is +0, as decimal.js gives it). */
export function add(a: Scaled, b: Scaled): Scaled {
  if (a.c === 0n) return roundDigits(b.c, b.e, false);
  if (b.c === 0n) return roundDigits(a.c, a.e, false);
  const sum = a.e >= b.e ? a.c * pow10(a.e - b.e) + b.c : a.c + b.c * pow10(b.e - a.e);
  return sum === 0n ? { c: 0n, e: 0 } : roundDigits(sum, Math.min(a.e, b.e), false);
}

export function negate(a: Scaled): Scaled {
  return { c: -a.c, e: a.e };
}

/**
 * a ÷ b (b ≠ 0), correctly rounded to PRECISION digits as Dec.div is: the integer quotient is taken
 * to at least PRECISION + 1 digits, and a nonzero remainder breaks a tie upwards.
 */
export function divide(a: Scaled, b: Scaled): Scaled {
  if (a.c === 0n) return a;
  const negative = a.c < 0n !== b.c < 0n;
  const ma = a.c < 0n ? -a.c : a.c;
  const mb = b.c < 0n ? -b.c : b.c;
  const shift = Math.max(0, PRECISION + 1 - countDigits(ma) + countDigits(mb));
  const n = ma * pow10(shift);
  const q = n / mb;
  const rounded = roundDigits(q, a.e - b.e - shift, n - q * mb !== 0n);
  return negative ? negate(rounded) : rounded;
}

// Scaled forms of the decimals seen, by identity (decimals are immutable): a wallet balance made
// by decOf is read back without parsing its digits.
const known = new WeakMap<Dec, Scaled>();

/** The scaled form of a finite decimal, read from decimal.js's digit words (base 10⁷), and kept. */
export function scaledOf(d: Dec): Scaled {
  let x = known.get(d);
  if (x !== undefined) return x;
  x = readScaled(d);
  if (x.c !== 0n) known.set(d, x);
  return x;
}

/** scaledOf without keeping it: for a decimal read once (a sum the snapshot divides). */
function scaledOfOnce(d: Dec): Scaled {
  return known.get(d) ?? readScaled(d);
}

function readScaled(d: Dec): Scaled {
  if (!d.isFinite()) throw new InvariantError(`scaled: ${d.toString()} is not a finite decimal`);
  const words = d.d;
  if (words[0] === 0) return { c: 0n, e: 0 };
  const c = coefficientOf(words);
  // The words are aligned on powers of 10⁷: the first one's unit is 10^(7·floor(e/7)).
  return { c: d.s < 0 ? -c : c, e: 7 * (Math.floor(d.e / 7) - (words.length - 1)) };
}

/**
 * `a.div(b)` with Dec's digits, computed in scaled integers (a third of Dec's cost). A zero or
 * non-finite operand is left to Dec (a zero quotient's sign, a division by zero).
 */
export function divideDec(a: Dec, b: Dec): Dec {
  if (!a.isFinite() || !b.isFinite() || a.isZero() || b.isZero()) return a.div(b);
  return decOf(divide(scaledOfOnce(a), scaledOfOnce(b)));
}

const WORD = 1e7;
const TWO_WORDS = 10n ** 14n;

/** The integer the words spell, two words (< 10¹⁴, exact in a float64) per BigInt step. */
function coefficientOf(words: readonly number[]): bigint {
  const n = words.length;
  let i = n % 2;
  let c = i === 1 ? BigInt(words[0]!) : 0n;
  for (; i < n; i += 2) c = c * TWO_WORDS + BigInt(words[i]! * WORD + words[i + 1]!);
  return c;
}

/** The decimal of a scaled value, with decimal.js's own digit words (no trailing zero word). */
export function decOf(x: Scaled): Dec {
  if (x.c === 0n) return new Dec(0);
  const negative = x.c < 0n;
  const digits = (negative ? -x.c : x.c).toString();
  // The words are aligned on powers of 10⁷: the last digit's place, x.e, falls `pad` places past a
  // word boundary, so the last word is the last 7 − pad digits followed by pad zeros.
  const pad = ((x.e % 7) + 7) % 7;
  const length = digits.length + pad;
  const first = length % 7 || 7;
  const words = [Number(digits.slice(0, first))];
  for (let i = first; i < length; i += 7) words.push(Number(digits.slice(i, i + 7)));
  if (pad !== 0) words[words.length - 1] = words[words.length - 1]! * WORD_PAD[pad]!;
  while (words[words.length - 1] === 0) words.pop();
  // A fresh instance (decimal.js's own shape) given the digits: it is not shared yet.
  const d = new Dec(1);
  const fields = d as unknown as { s: number; e: number; d: number[] };
  fields.s = negative ? -1 : 1;
  fields.e = digits.length - 1 + x.e;
  fields.d = words;
  return d;
}
