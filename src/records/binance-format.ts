import { Dec } from '../domain/decimal.js';

/** Exponents past which the digits are left to decimal.js (the fast path pads with zeros). */
const MAX_FAST_EXPONENT = 60;

/**
 * Binance's print format: 8 decimals, cut toward zero ("21.12305052574" → "21.12305052").
 * Reads decimal.js's digit words (`d`, base 1e7, most significant first; `e`, the power of ten of
 * the first digit) instead of calling toFixed, which builds a rounded copy first: reports print
 * several of these per event. `Dec.toFixed(8, ROUND_DOWN)` is the reference (tested equal).
 */
export function formatBinanceDecimal(value: Dec): string {
  const words = value.d;
  const e = value.e;
  if (words === null || words === undefined || e > MAX_FAST_EXPONENT) return slowFormat(value);
  // The whole part and 8 decimals are the first e + 9 digits: the words past them are not read.
  let digits = String(words[0]);
  for (let i = 1; i < words.length && digits.length < e + 9; i++) digits += String(words[i]).padStart(7, '0');
  let whole: string;
  let fraction: string;
  if (e < 0) {
    if (e < -8) return '0.00000000';
    whole = '0';
    fraction = '0'.repeat(-e - 1) + digits;
  } else if (digits.length <= e + 1) {
    whole = digits + '0'.repeat(e + 1 - digits.length);
    fraction = '';
  } else {
    whole = digits.slice(0, e + 1);
    fraction = digits.slice(e + 1);
  }
  fraction = fraction.length >= 8 ? fraction.slice(0, 8) : fraction.padEnd(8, '0');
  // A value cut to zero from below prints "0.00000000", not "-0.00000000".
  if (value.s < 0 && !(whole === '0' && fraction === '00000000')) return `-${whole}.${fraction}`;
  return `${whole}.${fraction}`;
}

function slowFormat(value: Dec): string {
  const text = value.toFixed(8, Dec.ROUND_DOWN);
  return text === '-0.00000000' ? '0.00000000' : text;
}

/**
 * The widening in formatBinanceDecimalWithin. Of FLOAT_SLACK·|x|: `new Dec(x)` is x's shortest
 * round-trip decimal, within half an ulp (≤ 2⁻⁵³·|x|) of x, and Dec's 40-digit rounding of the
 * interval's ends (≈ 10⁻³⁹·|x|). Of the factor 1 + FLOAT_SLACK on the error: the float operations
 * that widen, and the exact engine's own 40-digit roundings — ≈ 10⁻³⁹ of its terms, against an
 * error bound of k·2⁻⁵² of them (engine/fast/snapshot.ts findErrorFactor).
 */
const FLOAT_SLACK = 2 ** -50;

/**
 * What formatBinanceDecimal prints for every number within `error` of the float `x` — so for the
 * exact value a proven error bound says is that close — or undefined when two such numbers print
 * differently (an 8-decimal cell edge lies within reach) or x is not finite. The interval is
 * widened by FLOAT_SLACK·|x| and its ends taken in Dec; the cut toward zero is monotonic, so equal
 * cuts at both ends are the cut of everything between.
 */
export function formatBinanceDecimalWithin(x: number, error: number): string | undefined {
  if (!Number.isFinite(x) || !(error >= 0) || !Number.isFinite(error)) return undefined;
  const reach = new Dec((error + Math.abs(x) * FLOAT_SLACK) * (1 + FLOAT_SLACK));
  const centre = new Dec(x);
  const low = formatBinanceDecimal(centre.minus(reach));
  return low === formatBinanceDecimal(centre.plus(reach)) ? low : undefined;
}
