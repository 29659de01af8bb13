import { Decimal } from 'decimal.js';

/**
 * The one Decimal constructor the exact path uses. 40 significant digits keep every product of a
 * 1e12 notional by an 8-decimal price exact, so the only rounding left is the documented
 * 8-decimal cut when numbers are printed.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = Decimal;

export const ZERO = new Dec(0);
export const ONE = new Dec(1);

// A reload of the fast kernel follows every exact change of state, and charges convert the same
// prices again and again: float copies are kept by the identity of the (immutable) decimals they
// came from.
const floats = new WeakMap<Dec, number>();

/** `d.toNumber()`, converted once per decimal object (for decimals that are read many times: prices, rules, loaded amounts). */
export function floatOf(d: Dec): number {
  let x = floats.get(d);
  if (x === undefined) floats.set(d, (x = floatOfDecimal(d)));
  return x;
}

// Powers of ten exact in float64 (10²² is the last).
const EXACT_POW10 = Array.from({ length: 23 }, (_, n) => 10 ** n);
const WORD_ZEROS = ['', '0', '00', '000', '0000', '00000', '000000'];

/**
 * `d.toNumber()` for a decimal converted once (a payment, a changed balance's net), about twice as
 * fast: decimal.js builds its string through finiteToString and parses it back; here the same
 * value is written straight from its digit words (`d`, base 10⁷, word 0's unit 10^(7·⌊e/7⌋)) as
 * "coefficient e exponent" and parsed, or, for at most two words and a power of ten exact in
 * float64, one float64 product or quotient of two exact operands (Clinger's fast path: one correctly
 * rounded operation). Both give the float64 nearest the decimal's value, as toNumber's parse does,
 * so the result is the same number (property-tested, signed zeros included).
 */
export function floatOfDecimal(d: Dec): number {
  const words = d.d as number[] | null;
  if (words === null || words === undefined) return d.toNumber();
  const n = words.length;
  const exponent = 7 * (Math.floor(d.e / 7) - (n - 1));
  if (n <= 2 && exponent >= -22 && exponent <= 22) {
    // Below 10¹⁴: an exact integer in float64.
    const c = n === 1 ? words[0]! : words[0]! * 1e7 + words[1]!;
    const v = exponent >= 0 ? c * EXACT_POW10[exponent]! : c / EXACT_POW10[-exponent]!;
    return d.s < 0 ? -v : v;
  }
  let text = d.s < 0 ? `-${words[0]!}` : `${words[0]!}`;
  for (let i = 1; i < n; i++) {
    const word = `${words[i]!}`;
    text += WORD_ZEROS[7 - word.length]! + word;
  }
  return Number(`${text}e${exponent}`);
}

/**
 * Whether Dec's operations keep `d` as it is: finite, with at most Dec's 40 significant digits (a
 * decimal parsed from text may have more, and an operation rounds them). Five base-10⁷ words hold at
 * most 35.
 */
function withinPrecision(d: Dec): boolean {
  const words = d.d as number[] | null;
  // Not finite (no words): left to Dec.
  return words !== null && words !== undefined && (words.length <= 5 || d.sd() <= Dec.precision);
}

/**
 * `x.plus(y)`: the same decimal (value and sign), without the operation when one side is a zero and
 * the other a nonzero within Dec's precision — it is then that other side. Sums in the exact engine
 * add many zeros (most balances fill one field of six; most assets have no PnL of one kind).
 */
export function plusDec(x: Dec, y: Dec): Dec {
  if (y.isZero()) {
    if (!x.isZero() && withinPrecision(x)) return x;
  } else if (x.isZero() && withinPrecision(y)) return y;
  return x.plus(y);
}

/** `x.minus(y)`, as plusDec: x when y is zero, −y when x is (the other side nonzero, within Dec's precision). */
export function minusDec(x: Dec, y: Dec): Dec {
  if (y.isZero()) {
    if (!x.isZero() && withinPrecision(x)) return x;
  } else if (x.isZero() && withinPrecision(y)) return y.neg();
  return x.minus(y);
}
