import { Dec } from '../domain/decimal.js';
import { InputError, type InputSource } from '../domain/errors.js';
import { describeValue, readObject, readString, rejectUnknownKeys } from '../domain/json-fields.js';

/** The uniMMR the top-up keeps the account above: one of the rules' thresholds by name, or a number. */
export type TopUpThreshold = 'liquidation' | 'reduceOnly' | 'marginCall' | Dec;

/** What to add and what to stay above (docs/risk.md "Top-up to survive"). */
export interface TopUpRequest {
  /** The collateral asset added (USDT by default). */
  asset: string;
  threshold: TopUpThreshold;
}

export const DEFAULT_TOP_UP: TopUpRequest = { asset: 'USDT', threshold: 'liquidation' };

const NAMES = ['liquidation', 'reduceOnly', 'marginCall'] as const;
const POSITIVE_DECIMAL = /^\d+(\.\d+)?$/;

/** A threshold as written (a name, or a decimal above 0), or undefined when it is neither. */
export function parseTopUpThreshold(v: unknown): TopUpThreshold | undefined {
  if (typeof v === 'string' && (NAMES as readonly string[]).includes(v)) return v as TopUpThreshold;
  if ((typeof v === 'string' || typeof v === 'number') && POSITIVE_DECIMAL.test(String(v)) && new Dec(String(v)).gt(0)) return new Dec(String(v));
  return undefined;
}

/** The job spec's `risk.topUp`: true (the defaults) or `{ asset?, threshold? }`. */
export function readTopUpRequest(src: InputSource, path: string, v: unknown): TopUpRequest {
  if (v === true) return DEFAULT_TOP_UP;
  const o = readObject(src, path, v);
  rejectUnknownKeys(src, path, o, ['asset', 'threshold']);
  const asset = o.asset === undefined ? DEFAULT_TOP_UP.asset : readString(src, `${path}.asset`, o.asset);
  const threshold = o.threshold === undefined ? DEFAULT_TOP_UP.threshold : parseTopUpThreshold(o.threshold);
  if (threshold === undefined) throw new InputError(src, `${path}.threshold`, 'liquidation, reduceOnly, marginCall or a uniMMR above 0 such as 1.1', describeValue(o.threshold));
  return { asset, threshold };
}

export const renderTopUpThreshold = (t: TopUpThreshold): string => (typeof t === 'string' ? t : t.toString());

export const renderTopUpRequest = (r: TopUpRequest) => ({ asset: r.asset, threshold: renderTopUpThreshold(r.threshold) });
