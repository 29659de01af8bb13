import { Dec } from './decimal.js';
import { InputError, type InputSource } from './errors.js';

// Readers for untrusted JSON: each names the document and field path it rejects.

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type JsonObject = Record<string, unknown>;

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * How a message names one portfolio of a portfolio file (Arrow row, JSON array entry, JSON Lines
 * record): `portfolio N`, counted from 1 whatever the format, with its id when it has one
 * (docs/formats.md#errors). `index` is the 0-based position the readers and summary.json keep.
 */
export function describePortfolioAt(index: number, id?: unknown): string {
  return typeof id === 'string' && id !== '' ? `portfolio ${index + 1} (id ${describeValue(id)})` : `portfolio ${index + 1}`;
}

/** A field path inside the portfolio `label` names (describePortfolioAt): `portfolio 3: balances[0].asset`. */
export function portfolioFieldPath(label: string, path: string): string {
  return path === '' ? label : `${label}: ${path}`;
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function readObject(src: InputSource, path: string, v: unknown): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(src, path, 'an object', describeValue(v));
  return v as JsonObject;
}

export function readArray(src: InputSource, path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new InputError(src, path, 'an array', describeValue(v));
  return v;
}

export function readString(src: InputSource, path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new InputError(src, path, 'a non-empty string', describeValue(v));
  return v;
}

// Amounts and prices live far inside these bounds; outside them a value is a typo or an attack
// (decimal.js would turn "1e99999999999999999" into Infinity and a tiny exponent into 0).
const MAX_MAGNITUDE = new Dec('1e30');
const MIN_MAGNITUDE = new Dec('1e-30');

/** A decimal given as a string or a finite JSON number, of magnitude within [1e-30, 1e30) or 0. */
export function readDecimal(src: InputSource, path: string, v: unknown): Dec {
  let d: Dec | undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InputError(src, path, 'a finite number', String(v));
    d = new Dec(String(v));
  } else if (typeof v === 'string' && DECIMAL_TEXT.test(v.trim())) {
    d = new Dec(v.trim());
  }
  if (d === undefined) throw new InputError(src, path, 'a decimal number (string or number)', describeValue(v));
  if (!d.isFinite() || d.abs().gte(MAX_MAGNITUDE) || (!d.isZero() && d.abs().lt(MIN_MAGNITUDE))) {
    throw new InputError(src, path, 'a finite number of magnitude between 1e-30 and 1e30 (or 0)', describeValue(v));
  }
  return d;
}

export function readNonNegativeDecimal(src: InputSource, path: string, v: unknown): Dec {
  const d = readDecimal(src, path, v);
  if (d.isNegative() && !d.isZero()) throw new InputError(src, path, 'a number ≥ 0', describeValue(v));
  return d;
}

export function readPositiveDecimal(src: InputSource, path: string, v: unknown): Dec {
  const d = readDecimal(src, path, v);
  if (!d.isPositive() || d.isZero()) throw new InputError(src, path, 'a number > 0', describeValue(v));
  return d;
}

export function readPositiveInteger(src: InputSource, path: string, v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new InputError(src, path, 'a whole number > 0', describeValue(v));
  return n;
}

export function readOptional<T>(obj: JsonObject, key: string, read: (v: unknown) => T): T | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : read(obj[key]);
}

/** Rejects keys a document does not define, so a typo is an error instead of a silent zero. */
export function rejectUnknownKeys(src: InputSource, path: string, obj: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new InputError(src, joinPath(path, key), `one of the fields ${allowed.join(', ')}`, `unknown field "${key}"`);
  }
}

/** Parses JSON text; the error names the line and column. */
export function parseJsonText(src: InputSource, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const position = /position (\d+)/.exec(message)?.[1];
    if (position === undefined) throw new InputError(src, '', 'valid JSON', message);
    const before = text.slice(0, Number(position));
    const line = before.split('\n').length;
    const column = Number(position) - before.lastIndexOf('\n');
    throw new InputError(src, `line ${line} column ${column}`, 'valid JSON', message.replace(/ in JSON at position \d+.*$/, ''));
  }
}

/** A time as milliseconds since 1970 or an ISO-8601 string with a zone ("2024-03-12T00:00:00Z"). */
export function readTime(src: InputSource, path: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new InputError(src, path, 'a time: milliseconds since 1970, or ISO-8601 with a zone such as "2024-03-12T00:00:00Z"', describeValue(v));
}

/**
 * How deep a portfolio document may nest (the document itself is level 1). Deeper values are no
 * portfolio anyone writes, and copying them between threads or rendering them overflows the stack.
 */
export const MAX_JSON_DEPTH = 64;

function nestsDeeper(v: unknown, levels: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (levels <= 0) return true;
  for (const child of Object.values(v as Record<string, unknown>)) if (nestsDeeper(child, levels - 1)) return true;
  return false;
}

/** The first top-level field of `doc` that nests more than `max` levels deep, or undefined (recursion bounded by `max`). */
export function findTooDeepField(doc: Record<string, unknown>, max = MAX_JSON_DEPTH): string | undefined {
  for (const [key, v] of Object.entries(doc)) if (nestsDeeper(v, max - 1)) return key;
  return undefined;
}
