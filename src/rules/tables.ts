import { Dec, ZERO } from '../domain/decimal.js';
import { InputError, type InputSource } from '../domain/errors.js';
import type { CmBracket, CollateralTier, UmBracket } from '../domain/types.js';
import {
  joinPath,
  readArray,
  readDecimal,
  readNonNegativeDecimal,
  readObject,
  readPositiveInteger,
} from '../domain/json-fields.js';

// Bracket and tier tables: parsed, checked for contiguity and the cum identity of docs/margin-rules.md §2.

interface Band {
  floor: Dec;
  cap: Dec;
  rate: Dec;
  cum: Dec;
}

/**
 * Checks one table of bands and fills in cum. Brackets (`rising`) have cum_k = cum_{k−1} +
 * floor_k·(MMR_k − MMR_{k−1}); collateral tiers (falling rates) have cum_k = cum_{k−1} +
 * floor_k·(rate_{k−1} − rate_k). Either way the formula value·rate_k ∓ cum_k is continuous at
 * every edge, which is what the identity guarantees.
 */
function validateBands(
  src: InputSource,
  path: string,
  bands: { floor: Dec; cap: Dec; rate: Dec; cum: Dec | undefined }[],
  names: { floor: string; cap: string; rate: string },
  direction: 'rising' | 'falling',
): Band[] {
  if (bands.length === 0) throw new InputError(src, path, 'at least one row');
  const out: Band[] = [];
  bands.forEach((b, i) => {
    const rowPath = joinPath(path, i);
    if (!b.cap.gt(b.floor)) throw new InputError(src, joinPath(rowPath, names.cap), `a value above ${names.floor} ${b.floor.toString()}`, b.cap.toString());
    const prev = out[i - 1];
    let expectedCum = ZERO;
    if (prev === undefined) {
      if (!b.floor.isZero()) throw new InputError(src, joinPath(rowPath, names.floor), 'the first row to start at 0', b.floor.toString());
    } else {
      if (!b.floor.eq(prev.cap)) {
        throw new InputError(src, joinPath(rowPath, names.floor), `${prev.cap.toString()} (the previous row's ${names.cap}: rows must be contiguous)`, b.floor.toString());
      }
      if (direction === 'rising' && b.rate.lt(prev.rate)) {
        throw new InputError(src, joinPath(rowPath, names.rate), `a rate ≥ the previous row's ${prev.rate.toString()}`, b.rate.toString());
      }
      if (direction === 'falling' && b.rate.gt(prev.rate)) {
        throw new InputError(src, joinPath(rowPath, names.rate), `a rate ≤ the previous row's ${prev.rate.toString()}`, b.rate.toString());
      }
      expectedCum = direction === 'rising' ? prev.cum.plus(b.floor.times(b.rate.minus(prev.rate))) : prev.cum.plus(b.floor.times(prev.rate.minus(b.rate)));
    }
    if (b.cum !== undefined && !b.cum.eq(expectedCum)) {
      const formula = direction === 'rising' ? 'cum_{k−1} + floor_k·(rate_k − rate_{k−1})' : 'cum_{k−1} + floor_k·(rate_{k−1} − rate_k)';
      throw new InputError(src, joinPath(rowPath, 'cum'), `${expectedCum.toString()} (${formula})`, b.cum.toString());
    }
    out.push({ floor: b.floor, cap: b.cap, rate: b.rate, cum: expectedCum });
  });
  return out;
}

function readRate(src: InputSource, path: string, v: unknown): Dec {
  const d = readNonNegativeDecimal(src, path, v);
  if (d.gt(1)) throw new InputError(src, path, 'a rate between 0 and 1', d.toString());
  return d;
}

function readCum(src: InputSource, path: string, row: Record<string, unknown>): Dec | undefined {
  return row.cum === undefined || row.cum === null ? undefined : readDecimal(src, joinPath(path, 'cum'), row.cum);
}

export function parseUmBrackets(src: InputSource, path: string, raw: unknown): UmBracket[] {
  const rows = readArray(src, path, raw).map((r, i) => {
    const p = joinPath(path, i);
    const row = readObject(src, p, r);
    return {
      bracket: row.bracket === undefined ? i + 1 : readPositiveInteger(src, joinPath(p, 'bracket'), row.bracket),
      floor: readNonNegativeDecimal(src, joinPath(p, 'notionalFloor'), row.notionalFloor),
      cap: readNonNegativeDecimal(src, joinPath(p, 'notionalCap'), row.notionalCap),
      rate: readRate(src, joinPath(p, 'maintMarginRatio'), row.maintMarginRatio),
      cum: readCum(src, p, row),
    };
  });
  const bands = validateBands(src, path, rows, { floor: 'notionalFloor', cap: 'notionalCap', rate: 'maintMarginRatio' }, 'rising');
  return bands.map((b, i) => ({ bracket: rows[i]!.bracket, notionalFloor: b.floor, notionalCap: b.cap, maintMarginRatio: b.rate, cum: b.cum }));
}

export function parseCmBrackets(src: InputSource, path: string, raw: unknown): CmBracket[] {
  const rows = readArray(src, path, raw).map((r, i) => {
    const p = joinPath(path, i);
    const row = readObject(src, p, r);
    // Binance's /dapi/v2/leverageBracket sample spells the floor "qtylFloor"; accept both.
    const floor = row.qtyFloor ?? row.qtylFloor;
    return {
      bracket: row.bracket === undefined ? i + 1 : readPositiveInteger(src, joinPath(p, 'bracket'), row.bracket),
      floor: readNonNegativeDecimal(src, joinPath(p, 'qtyFloor'), floor),
      cap: readNonNegativeDecimal(src, joinPath(p, 'qtyCap'), row.qtyCap),
      rate: readRate(src, joinPath(p, 'maintMarginRatio'), row.maintMarginRatio),
      cum: readCum(src, p, row),
    };
  });
  const bands = validateBands(src, path, rows, { floor: 'qtyFloor', cap: 'qtyCap', rate: 'maintMarginRatio' }, 'rising');
  return bands.map((b, i) => ({ bracket: rows[i]!.bracket, qtyFloor: b.floor, qtyCap: b.cap, maintMarginRatio: b.rate, cum: b.cum }));
}

/** A flat rate ("0.95") is the one-tier table [0, ∞); a list is a tiered table. */
export function parseCollateralTiers(src: InputSource, path: string, raw: unknown): CollateralTier[] {
  if (!Array.isArray(raw)) {
    const rate = readRate(src, path, raw);
    return [{ tierFloor: ZERO, tierCap: new Dec(Infinity), collateralRate: rate, cum: ZERO }];
  }
  const rows = raw.map((r, i) => {
    const p = joinPath(path, i);
    const row = readObject(src, p, r);
    return {
      floor: readNonNegativeDecimal(src, joinPath(p, 'tierFloor'), row.tierFloor),
      cap: readNonNegativeDecimal(src, joinPath(p, 'tierCap'), row.tierCap),
      rate: readRate(src, joinPath(p, 'collateralRate'), row.collateralRate),
      cum: readCum(src, p, row),
    };
  });
  const bands = validateBands(src, path, rows, { floor: 'tierFloor', cap: 'tierCap', rate: 'collateralRate' }, 'falling');
  return bands.map((b) => ({ tierFloor: b.floor, tierCap: b.cap, collateralRate: b.rate, cum: b.cum }));
}
