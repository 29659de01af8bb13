import type { Dec } from '../../domain/decimal.js';
import { InputError, type InputSource } from '../../domain/errors.js';
import type { MarketSnapshot } from '../../domain/types.js';
import { describeValue, joinPath, readObject, readPositiveDecimal, rejectUnknownKeys } from '../../domain/json-fields.js';

/** Parses a market snapshot document (docs/formats.md): positive index and mark prices. */
export function parseMarketSnapshot(raw: unknown, src: InputSource = 'market'): MarketSnapshot {
  const doc = readObject(src, '', raw);
  rejectUnknownKeys(src, '', doc, ['version', 'time', 'indexPrices', 'markPrices']);
  if (doc.time !== undefined && (typeof doc.time !== 'number' || !Number.isSafeInteger(doc.time) || doc.time < 0)) {
    throw new InputError(src, 'time', 'a time in milliseconds since 1970 (whole number ≥ 0)', describeValue(doc.time));
  }
  const readPrices = (key: string): Map<string, Dec> => {
    const out = new Map<string, Dec>();
    for (const [name, v] of Object.entries(readObject(src, key, doc[key] ?? {}))) out.set(name, readPositiveDecimal(src, joinPath(key, name), v));
    return out;
  };
  return { time: doc.time as number | undefined, indexPrices: readPrices('indexPrices'), markPrices: readPrices('markPrices') };
}
