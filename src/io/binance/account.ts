import { InputError, type InputSource } from '../../domain/errors.js';
import type { Balance, CmPosition, MarginMode, Portfolio, UmPosition } from '../../domain/types.js';
import { describeValue, joinPath, readDecimal, readObject } from '../../domain/json-fields.js';
import { PORTFOLIO_ID_PATTERN, readBalance, readPosition } from '../json/portfolio.js';

// A real account as Binance returns it: GET /papi/v1/balance, /papi/v1/um/positionRisk and
// /papi/v1/cm/positionRisk, saved as JSON. Flat positions and all-zero balances are dropped.

export interface BinanceAccountFiles {
  balance?: { name: InputSource; json: unknown };
  um?: { name: InputSource; json: unknown };
  cm?: { name: InputSource; json: unknown };
}

export interface BinanceImportOptions {
  id: string;
  mode: MarginMode;
  marginLeverage?: number;
}

const BALANCE_AMOUNTS = ['crossMarginFree', 'crossMarginLocked', 'crossMarginBorrowed', 'crossMarginInterest', 'umWalletBalance', 'cmWalletBalance'] as const;

function rowsOf(name: InputSource, json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (typeof json === 'object' && json !== null) return [json];
  throw new InputError(name, '', 'a Binance response: an array of objects (or one object)', describeValue(json));
}

function isFlat(b: Balance): boolean {
  return BALANCE_AMOUNTS.every((k) => b[k].isZero());
}

export function importBinanceAccount(files: BinanceAccountFiles, options: BinanceImportOptions): Portfolio {
  if (!PORTFOLIO_ID_PATTERN.test(options.id)) throw new InputError('options', 'id', 'letters, digits and . _ : @ -', options.id);
  const balances: Balance[] = [];
  if (files.balance !== undefined) {
    const { name, json } = files.balance;
    const seen = new Set<string>();
    rowsOf(name, json).forEach((raw, i) => {
      const b = readBalance(name, `[${i}]`, raw);
      if (seen.has(b.asset)) throw new InputError(name, `[${i}].asset`, 'each asset once', b.asset);
      seen.add(b.asset);
      if (!isFlat(b)) balances.push(b);
    });
  }
  const positions = (file: BinanceAccountFiles['um']): (UmPosition | CmPosition)[] => {
    if (file === undefined) return [];
    const out: (UmPosition | CmPosition)[] = [];
    rowsOf(file.name, file.json).forEach((raw, i) => {
      // A flat position comes with entryPrice "0.00000": skip it before validating the rest.
      const amt = readDecimal(file.name, joinPath(`[${i}]`, 'positionAmt'), readObject(file.name, `[${i}]`, raw).positionAmt);
      if (!amt.isZero()) out.push(readPosition(file.name, `[${i}]`, raw));
    });
    return out;
  };
  return {
    id: options.id,
    mode: options.mode,
    marginLeverage: options.marginLeverage,
    balances,
    umPositions: positions(files.um),
    cmPositions: positions(files.cm),
    marginOpenOrders: [],
    actions: [],
  };
}
