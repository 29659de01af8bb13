import { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import { describeValue, readObject } from '../domain/json-fields.js';
import { isStablecoin, SHOCK_FAMILY_KINDS, type ShockFamilyKind } from './shock.js';

// The bounds of the distance search's and the risk matrices' options, kept in one place: pmbt
// risk's flags (src/cli/risk.ts), POST /risk's body (src/batch/risk-api.ts, with tighter maxima), a
// job's risk.distance (src/batch/job.ts) and the searches' own checks (distances.ts, matrix.ts) each
// name the field their own way and say what is expected with these words.

/** A numeric option's test and what a good value is, in the words of an error message. */
export interface OptionBound {
  accepts(n: number): boolean;
  expected: string;
}

export const RANGE_PCT_BOUND: OptionBound = { accepts: (n) => n > 0 && n <= 1000, expected: 'a percentage above 0 and at most 1000' };

export const MAX_GRID_POINTS = 100001;
export const gridPointsBound = (max = MAX_GRID_POINTS): OptionBound => ({
  accepts: (n) => Number.isInteger(n) && n >= 3 && n <= max, expected: `a whole number from 3 to ${max}`,
});

/** Cells per matrix axis: odd, so that the middle cell is the market itself. */
export const MAX_MATRIX_POINTS = 101;
export const matrixPointsBound = (max = MAX_MATRIX_POINTS): OptionBound => ({
  accepts: (n) => Number.isInteger(n) && n >= 3 && n <= max && n % 2 === 1, expected: `an odd whole number from 3 to ${max}`,
});

export const MATRIX_RANGE_PCT_BOUND: OptionBound = { accepts: (n) => n > 0 && n < 100, expected: 'a percentage above 0 and below 100' };

/** A stablecoin does not lead the market: its move is the depeg family. */
export const isLeaderAsset = (asset: string): boolean => /^[A-Z0-9]+$/.test(asset) && !isStablecoin(asset);
export const LEADER_EXPECTED = 'a non-stablecoin asset (a stablecoin\'s move is the depeg family)';

export const DEPEG_EXPECTED = 'a stablecoin (USDT, USDC, FDUSD, …)';

export const isShockFamilyKind = (k: unknown): k is ShockFamilyKind => typeof k === 'string' && (SHOCK_FAMILY_KINDS as readonly string[]).includes(k);

/** A beta as text: a plain decimal number. */
export const BETA_TEXT = /^-?\d+(?:\.\d+)?$/;

/** A list of shock families (an array, or "all,single" as text), each known, duplicates dropped; InputError at `path` of `src`. */
export function readShockFamilies(src: string, path: string, v: unknown): ShockFamilyKind[] {
  const list = typeof v === 'string' ? v.split(',').map((k) => k.trim()).filter((k) => k !== '') : v;
  if (!Array.isArray(list) || list.length === 0) throw new InputError(src, path, `a list of shock families (${SHOCK_FAMILY_KINDS.join(', ')})`, describeValue(v));
  list.forEach((k, i) => {
    if (!isShockFamilyKind(k)) throw new InputError(src, `${path}[${i}]`, `one of ${SHOCK_FAMILY_KINDS.join(', ')}`, describeValue(k));
  });
  return [...new Set(list as ShockFamilyKind[])];
}

/** Betas by asset, `{ "ETH": 1.2 }` (numbers or decimal text); InputError at `path`.ASSET of `src`. */
export function readBetas(src: string, path: string, v: unknown): Map<string, Dec> {
  const o = readObject(src, path, v);
  const betas = new Map<string, Dec>();
  for (const [asset, b] of Object.entries(o)) {
    const text = typeof b === 'number' && Number.isFinite(b) ? String(b) : b;
    if (!/^[A-Z0-9]+$/.test(asset) || typeof text !== 'string' || !BETA_TEXT.test(text)) throw new InputError(src, `${path}.${asset}`, 'a number (the asset\'s beta to the leader)', describeValue(b));
    betas.set(asset, new Dec(text));
  }
  return betas;
}
