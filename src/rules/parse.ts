import type { Dec } from '../domain/decimal.js';
import { InputError, type InputSource } from '../domain/errors.js';
import type { CmContract, Rules, UmBracket } from '../domain/types.js';
import {
  joinPath,
  readArray,
  readNonNegativeDecimal,
  readObject,
  readOptional,
  readPositiveDecimal,
  readPositiveInteger,
  readString,
  rejectUnknownKeys,
  type JsonObject,
} from '../domain/json-fields.js';
import { readTime } from '../domain/json-fields.js';
import { parseCmBrackets, parseCollateralTiers, parseUmBrackets } from './tables.js';

const RULE_KEYS = [
  'version', 'source', 'sources', 'collateral', 'umBrackets', 'umContracts', 'cmContracts', 'quoteAssets',
  'loanMaintMarginRatio', 'defaultMarginLeverage', 'thresholds', 'liquidationFee', 'loanInterestHourly',
  'negativeBalanceInterest', 'transferInLimits', 'positionLimits', 'dated', '$comment',
] as const;

/** Turns a merged rules document (docs/formats.md) into validated Rules. */
export function parseRules(raw: unknown, src: InputSource = 'rules'): Rules {
  const doc = readObject(src, '', raw);
  rejectUnknownKeys(src, '', doc, RULE_KEYS);
  if (doc.version !== 1) throw new InputError(src, 'version', '1', JSON.stringify(doc.version));
  const collateral = readMap(src, doc, 'collateral', (path, v) => parseCollateralTiers(src, path, v));
  const umBrackets = readMap(src, doc, 'umBrackets', (path, v) => parseUmBrackets(src, path, v));
  const umContracts = parseUmContracts(src, doc, umBrackets);
  const cmContracts = parseCmContracts(src, readObject(src, 'cmContracts', doc.cmContracts ?? {}));
  const quoteAssets = readArray(src, 'quoteAssets', doc.quoteAssets ?? ['USDT', 'USDC']).map((q, i) => readString(src, joinPath('quoteAssets', i), q));
  // Longest first, so a symbol splits at the longest quote it ends with (…FDUSD before …USD).
  quoteAssets.sort((a, b) => b.length - a.length);
  const { loanMaintMarginRatio, defaultMarginLeverage } = parseLoanMaintMargin(src, doc);
  const sources = [...(Array.isArray(doc.sources) ? doc.sources : []), ...(doc.source === undefined ? [] : [doc.source])].map(String);
  const readAmounts = (key: string) => readMap(src, doc, key, (path, v) => readNonNegativeDecimal(src, path, v));
  return {
    version: 1,
    sources,
    collateral,
    umBrackets,
    umContracts,
    cmContracts,
    quoteAssets,
    loanMaintMarginRatio,
    defaultMarginLeverage,
    thresholds: parseThresholds(src, doc),
    liquidationFee: parseLiquidationFee(src, doc),
    loanInterestHourly: parseLoanInterest(src, doc),
    negativeBalanceInterest: parseNegativeBalanceInterest(src, doc),
    transferInLimits: readAmounts('transferInLimits'),
    positionLimits: readAmounts('positionLimits'),
  };
}

/** An optional object field of `parent` as a map, each value read by `read` at its own path. */
function readMap<T>(src: InputSource, parent: JsonObject, key: string, read: (path: string, v: unknown) => T, path = key): Map<string, T> {
  const out = new Map<string, T>();
  for (const [name, v] of Object.entries(readObject(src, path, parent[key] ?? {}))) out.set(name, read(joinPath(path, name), v));
  return out;
}

function parseUmContracts(src: InputSource, doc: JsonObject, umBrackets: ReadonlyMap<string, UmBracket[]>): Map<string, { marginAsset?: string; bracketsFrom?: string }> {
  return readMap(src, doc, 'umContracts', (p, v) => {
    const c = readObject(src, p, v);
    rejectUnknownKeys(src, p, c, ['marginAsset', 'bracketsFrom']);
    const bracketsFrom = readOptional(c, 'bracketsFrom', (x) => readString(src, joinPath(p, 'bracketsFrom'), x));
    if (bracketsFrom !== undefined && !umBrackets.has(bracketsFrom)) {
      throw new InputError(src, joinPath(p, 'bracketsFrom'), 'the name of a table in umBrackets', JSON.stringify(bracketsFrom));
    }
    return { marginAsset: readOptional(c, 'marginAsset', (x) => readString(src, joinPath(p, 'marginAsset'), x)), bracketsFrom };
  });
}

function parseLoanMaintMargin(src: InputSource, doc: JsonObject): { loanMaintMarginRatio: Map<number, Dec>; defaultMarginLeverage: number } {
  const loanMaintMarginRatio = new Map<number, Dec>();
  for (const [lev, v] of Object.entries(readObject(src, 'loanMaintMarginRatio', doc.loanMaintMarginRatio ?? {}))) {
    const p = joinPath('loanMaintMarginRatio', lev);
    loanMaintMarginRatio.set(readPositiveInteger(src, p, lev), readNonNegativeDecimal(src, p, v));
  }
  const defaultMarginLeverage = readPositiveInteger(src, 'defaultMarginLeverage', doc.defaultMarginLeverage ?? 3);
  if (!loanMaintMarginRatio.has(defaultMarginLeverage)) {
    throw new InputError(src, 'defaultMarginLeverage', `a leverage listed in loanMaintMarginRatio (${[...loanMaintMarginRatio.keys()].join(', ')})`, String(defaultMarginLeverage));
  }
  return { loanMaintMarginRatio, defaultMarginLeverage };
}

function parseThresholds(src: InputSource, doc: JsonObject): Rules['thresholds'] {
  const t = readObject(src, 'thresholds', doc.thresholds);
  const thresholds = {
    marginCall: readPositiveDecimal(src, 'thresholds.marginCall', t.marginCall),
    reduceOnly: readPositiveDecimal(src, 'thresholds.reduceOnly', t.reduceOnly),
    liquidation: readPositiveDecimal(src, 'thresholds.liquidation', t.liquidation),
  };
  if (!(thresholds.marginCall.gte(thresholds.reduceOnly) && thresholds.reduceOnly.gte(thresholds.liquidation))) {
    throw new InputError(src, 'thresholds', 'marginCall ≥ reduceOnly ≥ liquidation', `${thresholds.marginCall}, ${thresholds.reduceOnly}, ${thresholds.liquidation}`);
  }
  return thresholds;
}

function parseLiquidationFee(src: InputSource, doc: JsonObject): Rules['liquidationFee'] {
  const f = readObject(src, 'liquidationFee', doc.liquidationFee);
  const bySymbol = readMap(src, f, 'bySymbol', (path, v) => readNonNegativeDecimal(src, path, v), 'liquidationFee.bySymbol');
  return {
    default: readNonNegativeDecimal(src, 'liquidationFee.default', f.default),
    crossMargin: readNonNegativeDecimal(src, 'liquidationFee.crossMargin', f.crossMargin),
    bySymbol,
  };
}

function parseLoanInterest(src: InputSource, doc: JsonObject): Rules['loanInterestHourly'] {
  const interest = readObject(src, 'loanInterestHourly', doc.loanInterestHourly ?? {});
  const byAsset = readMap(src, interest, 'byAsset', (path, v) => readNonNegativeDecimal(src, path, v), 'loanInterestHourly.byAsset');
  return { default: readNonNegativeDecimal(src, 'loanInterestHourly.default', interest.default ?? 0), byAsset };
}

function parseNegativeBalanceInterest(src: InputSource, doc: JsonObject): Rules['negativeBalanceInterest'] {
  const negative = readObject(src, 'negativeBalanceInterest', doc.negativeBalanceInterest ?? {});
  return {
    dailyRate: readNonNegativeDecimal(src, 'negativeBalanceInterest.dailyRate', negative.dailyRate ?? 0),
    thresholdUSD: readNonNegativeDecimal(src, 'negativeBalanceInterest.thresholdUSD', negative.thresholdUSD ?? 0),
    effectiveFrom: negative.effectiveFrom === undefined ? 0 : readTime(src, 'negativeBalanceInterest.effectiveFrom', negative.effectiveFrom),
  };
}

function parseCmContracts(src: InputSource, raw: JsonObject): Map<string, CmContract> {
  const out = new Map<string, CmContract>();
  const pending = Object.entries(raw);
  // Contracts with their own table first, so `bracketsFrom` can point at any of them.
  for (const [symbol, v] of pending) {
    const p = joinPath('cmContracts', symbol);
    const c = readObject(src, p, v);
    rejectUnknownKeys(src, p, c, ['contractSize', 'marginAsset', 'brackets', 'bracketsFrom']);
    if (c.brackets === undefined) continue;
    out.set(symbol, {
      marginAsset: readString(src, joinPath(p, 'marginAsset'), c.marginAsset),
      contractSize: readPositiveDecimal(src, joinPath(p, 'contractSize'), c.contractSize),
      bracketTable: symbol,
      brackets: parseCmBrackets(src, joinPath(p, 'brackets'), c.brackets),
    });
  }
  for (const [symbol, v] of pending) {
    const p = joinPath('cmContracts', symbol);
    const c = v as JsonObject;
    if (c.brackets !== undefined) continue;
    const from = readString(src, joinPath(p, 'bracketsFrom'), c.bracketsFrom);
    const base = out.get(from);
    if (base === undefined) throw new InputError(src, joinPath(p, 'bracketsFrom'), 'a cmContracts entry that has its own brackets', JSON.stringify(from));
    out.set(symbol, {
      marginAsset: c.marginAsset === undefined ? base.marginAsset : readString(src, joinPath(p, 'marginAsset'), c.marginAsset),
      contractSize: c.contractSize === undefined ? base.contractSize : readPositiveDecimal(src, joinPath(p, 'contractSize'), c.contractSize),
      bracketTable: from,
      brackets: base.brackets,
    });
  }
  return out;
}
