import { InputError } from '../../domain/errors.js';
import { describeValue, readObject } from '../../domain/json-fields.js';
import type { StartDistance, TopUp } from './types.js';

// The summary line's optional issue-17 fields the worst-portfolios table shows (`startDistance`,
// `topUp`), read back from a job's files: absent in lines written before them or when the job did
// not ask; present, they are checked enough that a malformed one fails naming the field.

const SHOCK_PCT = /^-?\d+\.\d{8}$/;
const TARGETS = new Set(['marginCall', 'reduceOnly', 'liquidation', 'zeroEquity']);

function readShocks(file: string, where: string, v: unknown): Partial<Record<string, string>> {
  const o = readObject(file, where, v);
  for (const [k, s] of Object.entries(o)) {
    if (!TARGETS.has(k)) throw new InputError(file, `${where}.${k}`, 'one of marginCall, reduceOnly, liquidation, zeroEquity', describeValue(k));
    if (typeof s !== 'string' || !SHOCK_PCT.test(s)) throw new InputError(file, `${where}.${k}`, 'a shock in percent with 8 decimals ("-23.45678901")', describeValue(s));
  }
  return o as Partial<Record<string, string>>;
}

export function readStartDistance(v: unknown, file: string, where: string): StartDistance | null {
  if (v === undefined || v === null) return null;
  const o = readObject(file, where, v);
  if (typeof o.family !== 'string') throw new InputError(file, `${where}.family`, 'a shock family name', describeValue(o.family));
  if (typeof o.rangePct !== 'number' || !(o.rangePct > 0)) throw new InputError(file, `${where}.rangePct`, 'a percentage above 0', describeValue(o.rangePct));
  return { family: o.family, rangePct: o.rangePct, down: readShocks(file, `${where}.down`, o.down), up: readShocks(file, `${where}.up`, o.up) };
}

const AMOUNT = /^-?\d+(\.\d+)?$/;

function readAmount(file: string, where: string, v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !AMOUNT.test(v)) throw new InputError(file, where, 'an amount (decimal string) or null', describeValue(v));
  return v;
}

function readTimeOrNull(file: string, where: string, v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !Number.isFinite(Date.parse(v))) throw new InputError(file, where, 'an ISO time or null', describeValue(v));
  return v;
}

export function readTopUp(v: unknown, file: string, where: string): TopUp | null {
  if (v === undefined || v === null) return null;
  const o = readObject(file, where, v);
  if (typeof o.asset !== 'string' || o.asset === '') throw new InputError(file, `${where}.asset`, 'an asset name', describeValue(o.asset));
  if (typeof o.threshold !== 'string') throw new InputError(file, `${where}.threshold`, 'a uniMMR threshold (decimal string)', describeValue(o.threshold));
  let atFirstMarginCall: TopUp['atFirstMarginCall'] = null;
  if (o.atFirstMarginCall !== null) {
    const m = readObject(file, `${where}.atFirstMarginCall`, o.atFirstMarginCall);
    const time = readTimeOrNull(file, `${where}.atFirstMarginCall.time`, m.time);
    if (time === null) throw new InputError(file, `${where}.atFirstMarginCall.time`, 'an ISO time', 'null');
    atFirstMarginCall = { time, amount: readAmount(file, `${where}.atFirstMarginCall.amount`, m.amount) };
  }
  return { asset: o.asset, threshold: o.threshold, amount: readAmount(file, `${where}.amount`, o.amount), decidingTime: readTimeOrNull(file, `${where}.decidingTime`, o.decidingTime), atFirstMarginCall };
}
