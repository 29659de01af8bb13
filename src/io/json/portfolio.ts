import { ZERO } from '../../domain/decimal.js';
import { InputError, type InputSource } from '../../domain/errors.js';
import type { Balance, CmPosition, MarginMode, MarginOpenOrder, OrderSide, Portfolio, PositionSide, Rules, UmPosition } from '../../domain/types.js';
import { splitSymbol } from '../../rules/resolve.js';
import { readAction } from './actions.js';
import {
  describeValue,
  joinPath,
  portfolioFieldPath,
  readArray,
  readDecimal,
  readNonNegativeDecimal,
  readObject,
  readOptional,
  readPositiveDecimal,
  readPositiveInteger,
  readString,
  rejectUnknownKeys,
  type JsonObject,
} from '../../domain/json-fields.js';

/** Portfolio ids end up in report rows and file names: keep them plain. */
export const PORTFOLIO_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

const BALANCE_FIELDS = ['crossMarginFree', 'crossMarginLocked', 'crossMarginBorrowed', 'crossMarginInterest', 'umWalletBalance', 'cmWalletBalance'] as const;
/** Fields that must not be negative; futures wallet balances may be. */
const NON_NEGATIVE_BALANCE_FIELDS = new Set(['crossMarginFree', 'crossMarginLocked', 'crossMarginBorrowed', 'crossMarginInterest']);
// Fields Binance's endpoints return that the model derives itself or does not need: accepted so a
// pasted response parses, never used.
// PM Pro SPAN adds optionWalletBalance and optionEquity (options are not modelled).
const BINANCE_BALANCE_EXTRAS = ['totalWalletBalance', 'crossMarginAsset', 'negativeBalance', 'updateTime', 'optionWalletBalance', 'optionEquity'];
const BINANCE_POSITION_EXTRAS = [
  'markPrice', 'leverage', 'notional', 'notionalValue', 'liquidationPrice', 'maxNotionalValue', 'maxQty', 'updateTime',
  'breakEvenPrice', 'isolatedMargin', 'isolatedWallet', 'marginType', 'isAutoAddMargin', 'adlQuantile', 'initialMargin',
  'maintMargin', 'positionInitialMargin', 'openOrderInitialMargin',
  // /fapi/v3/positionRisk, /papi/v1/um|cm/account positions[]
  'marginAsset', 'adl', 'bidNotional', 'askNotional', 'maxNotional', 'isolated',
];
/** The reported unrealized PnL: `unRealizedProfit` in positionRisk, `unrealizedProfit` in um|cm/account. */
const REPORTED_PNL_FIELDS = ['unRealizedProfit', 'unrealizedProfit'] as const;
const BINANCE_ORDER_EXTRAS = [
  'orderId', 'clientOrderId', 'transactTime', 'time', 'updateTime', 'status', 'type', 'timeInForce', 'cummulativeQuoteQty',
  'icebergQty', 'isWorking', 'stopPrice', 'accountId', 'selfTradePreventionMode', 'preventedMatchId', 'preventedQuantity',
];

function readPositionSide(src: InputSource, path: string, v: unknown): PositionSide {
  if (v === undefined) return 'BOTH';
  if (v === 'BOTH' || v === 'LONG' || v === 'SHORT') return v;
  throw new InputError(src, path, 'BOTH, LONG or SHORT', describeValue(v));
}

export function readBalance(src: InputSource, path: string, raw: unknown): Balance {
  const o = readObject(src, path, raw);
  rejectUnknownKeys(src, path, o, ['asset', ...BALANCE_FIELDS, 'marginLeverage', 'umUnrealizedPNL', 'cmUnrealizedPNL', ...BINANCE_BALANCE_EXTRAS]);
  const values = {} as Record<(typeof BALANCE_FIELDS)[number], ReturnType<typeof readDecimal>>;
  for (const f of BALANCE_FIELDS) {
    const p = joinPath(path, f);
    values[f] = o[f] === undefined ? ZERO : NON_NEGATIVE_BALANCE_FIELDS.has(f) ? readNonNegativeDecimal(src, p, o[f]) : readDecimal(src, p, o[f]);
  }
  // Binance sends "" for an unrealized PnL it has not computed; it is a cross-check only.
  const reported = (key: string) => (o[key] === undefined || o[key] === '' ? undefined : readDecimal(src, joinPath(path, key), o[key]));
  return {
    asset: readString(src, joinPath(path, 'asset'), o.asset),
    ...values,
    marginLeverage: readOptional(o, 'marginLeverage', (v) => readPositiveInteger(src, joinPath(path, 'marginLeverage'), v)),
    reportedUmUnrealizedPNL: reported('umUnrealizedPNL'),
    reportedCmUnrealizedPNL: reported('cmUnrealizedPNL'),
  };
}

/** True for a flat leg (positionAmt 0): Binance lists them with entryPrice "0.0"; they are dropped. */
export function isFlatPosition(src: InputSource, path: string, raw: unknown): boolean {
  const o = readObject(src, path, raw);
  return readDecimal(src, joinPath(path, 'positionAmt'), o.positionAmt).isZero();
}

function readReportedPnl(src: InputSource, path: string, o: JsonObject): ReturnType<typeof readDecimal> | undefined {
  for (const key of REPORTED_PNL_FIELDS) {
    if (o[key] !== undefined && o[key] !== '') return readDecimal(src, joinPath(path, key), o[key]);
  }
  return undefined;
}

export function readPosition(src: InputSource, path: string, raw: unknown): UmPosition | CmPosition {
  const o = readObject(src, path, raw);
  rejectUnknownKeys(src, path, o, ['symbol', 'positionAmt', 'entryPrice', 'positionSide', ...REPORTED_PNL_FIELDS, ...BINANCE_POSITION_EXTRAS]);
  const positionAmt = readDecimal(src, joinPath(path, 'positionAmt'), o.positionAmt);
  const positionSide = readPositionSide(src, joinPath(path, 'positionSide'), o.positionSide);
  if (positionSide === 'LONG' && positionAmt.isNegative() && !positionAmt.isZero()) throw new InputError(src, joinPath(path, 'positionAmt'), 'a quantity ≥ 0 for a LONG leg', positionAmt.toString());
  if (positionSide === 'SHORT' && positionAmt.isPositive() && !positionAmt.isZero()) throw new InputError(src, joinPath(path, 'positionAmt'), 'a quantity ≤ 0 for a SHORT leg', positionAmt.toString());
  return {
    symbol: readString(src, joinPath(path, 'symbol'), o.symbol),
    positionAmt,
    entryPrice: readPositiveDecimal(src, joinPath(path, 'entryPrice'), o.entryPrice),
    positionSide,
    reportedUnRealizedProfit: readReportedPnl(src, path, o),
  };
}

/**
 * A list of positions (a portfolio document's, or a Binance response's): every row is checked for
 * unknown fields, flat legs are then dropped before their entry price is read.
 */
export function readOpenPositions(src: InputSource, path: string, rows: readonly unknown[]): (UmPosition | CmPosition)[] {
  const out: (UmPosition | CmPosition)[] = [];
  rows.forEach((raw, i) => {
    const at = joinPath(path, i);
    const o = readObject(src, at, raw);
    rejectUnknownKeys(src, at, o, ['symbol', 'positionAmt', 'entryPrice', 'positionSide', ...REPORTED_PNL_FIELDS, ...BINANCE_POSITION_EXTRAS]);
    if (!isFlatPosition(src, at, o)) out.push(readPosition(src, at, o));
  });
  return out;
}

function readOrder(src: InputSource, path: string, raw: unknown, rules: Rules): MarginOpenOrder {
  const o = readObject(src, path, raw);
  rejectUnknownKeys(src, path, o, ['symbol', 'side', 'price', 'origQty', 'executedQty', 'baseAsset', 'quoteAsset', ...BINANCE_ORDER_EXTRAS]);
  const symbol = readString(src, joinPath(path, 'symbol'), o.symbol);
  if (o.side !== 'BUY' && o.side !== 'SELL') throw new InputError(src, joinPath(path, 'side'), 'BUY or SELL', describeValue(o.side));
  const origQty = readPositiveDecimal(src, joinPath(path, 'origQty'), o.origQty);
  const executedQty = o.executedQty === undefined ? ZERO : readNonNegativeDecimal(src, joinPath(path, 'executedQty'), o.executedQty);
  if (executedQty.gt(origQty)) throw new InputError(src, joinPath(path, 'executedQty'), `at most origQty ${origQty.toString()}`, executedQty.toString());
  let baseAsset = readOptional(o, 'baseAsset', (v) => readString(src, joinPath(path, 'baseAsset'), v));
  let quoteAsset = readOptional(o, 'quoteAsset', (v) => readString(src, joinPath(path, 'quoteAsset'), v));
  if (baseAsset === undefined || quoteAsset === undefined) {
    const pair = splitSymbol(rules, symbol);
    if (pair === undefined) {
      throw new InputError(src, joinPath(path, 'symbol'), `a pair ending in one of the rules' quoteAssets (${rules.quoteAssets.join(', ')}), or baseAsset and quoteAsset fields`, symbol);
    }
    baseAsset ??= pair.base;
    quoteAsset ??= pair.quote;
  }
  return { symbol, side: o.side as OrderSide, price: readPositiveDecimal(src, joinPath(path, 'price'), o.price), openQty: origQty.minus(executedQty), baseAsset, quoteAsset };
}

function readList<T>(src: InputSource, doc: JsonObject, key: string, read: (path: string, raw: unknown) => T): T[] {
  return doc[key] === undefined ? [] : readArray(src, key, doc[key]).map((raw, i) => read(joinPath(key, i), raw));
}

/** Parses and validates a portfolio document (docs/formats.md). Rules are needed to split order symbols. */
export function parsePortfolio(raw: unknown, rules: Rules, src: InputSource = 'portfolio', pathPrefix = ''): Portfolio {
  const at = (p: string) => (pathPrefix ? portfolioFieldPath(pathPrefix, p) : p);
  const doc = readObject(src, pathPrefix, raw);
  rejectUnknownKeys(src, pathPrefix, doc, ['version', 'id', 'mode', 'marginLeverage', 'balances', 'umPositions', 'cmPositions', 'marginOpenOrders', 'actions', 'description']);
  if (doc.version !== undefined && doc.version !== 1) throw new InputError(src, at('version'), '1', describeValue(doc.version));
  const id = readString(src, at('id'), doc.id);
  if (!PORTFOLIO_ID_PATTERN.test(id)) throw new InputError(src, at('id'), 'letters, digits and . _ : @ - (at most 128, starting with a letter or digit)', describeValue(id));
  const mode = (doc.mode ?? 'PM') as MarginMode;
  if (mode !== 'PM' && mode !== 'PM_PRO') throw new InputError(src, at('mode'), 'PM or PM_PRO', describeValue(doc.mode));

  const prefixed = (key: string) => (pathPrefix ? portfolioFieldPath(pathPrefix, key) : key);
  const balances = readList(src, doc, 'balances', (p, r) => readBalance(src, prefixed(p), r));
  const seen = new Map<string, number>();
  balances.forEach((b, i) => {
    const first = seen.get(b.asset);
    if (first !== undefined) throw new InputError(src, at(`balances[${i}].asset`), `each asset once (${b.asset} is already balances[${first}])`, b.asset);
    seen.set(b.asset, i);
  });
  return {
    id,
    mode,
    marginLeverage: readOptional(doc, 'marginLeverage', (v) => readPositiveInteger(src, at('marginLeverage'), v)),
    balances,
    umPositions: readOpenPositions(src, prefixed('umPositions'), doc.umPositions === undefined ? [] : readArray(src, at('umPositions'), doc.umPositions)),
    cmPositions: readOpenPositions(src, prefixed('cmPositions'), doc.cmPositions === undefined ? [] : readArray(src, at('cmPositions'), doc.cmPositions)),
    marginOpenOrders: readList(src, doc, 'marginOpenOrders', (p, r) => readOrder(src, prefixed(p), r, rules)),
    // Stable sort: actions at the same time keep the order they were written in.
    actions: readList(src, doc, 'actions', (p, r) => readAction(src, prefixed(p), r)).sort((a, b) => a.time - b.time),
  };
}
