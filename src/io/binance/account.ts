import { InputError, type InputSource } from '../../domain/errors.js';
import type { Balance, CmPosition, MarginMode, Portfolio, UmPosition } from '../../domain/types.js';
import { joinPath, readArray, readObject } from '../../domain/json-fields.js';
import { PORTFOLIO_ID_PATTERN, readBalance, readOpenPositions } from '../json/portfolio.js';
import { recogniseBinanceResponse, type RecognisedResponse, type SavedResponse } from './responses.js';

// A real account as Binance returns it: any of the account responses of responses.ts (balances,
// positionRisk of papi/fapi/dapi, um|cm/account positions[], the account summary), saved as JSON
// and recognised by shape. Flat positions and all-zero balances are dropped; a leg or an asset
// given by two files must agree.

export type FuturesMarket = 'UM' | 'CM';

/** A saved account response; `market` says which futures market its positions are (else: by symbol). */
export interface AccountResponse extends SavedResponse {
  market?: FuturesMarket;
}

export interface BinanceImportOptions {
  id: string;
  /** PM or PM_PRO; default: the account summary's accountType when given, else PM. */
  mode?: MarginMode;
  marginLeverage?: number;
}

export interface ImportedAccount {
  portfolio: Portfolio;
  warnings: string[];
}

/** COIN-M symbols are coin-USD pairs: BTCUSD_PERP, ETHUSD_240628. USDⓈ-M ones are not (BTCUSDT, BTCUSDT_240628). */
const CM_SYMBOL = /USD_(PERP|\d{6})$/;

export function findFuturesMarket(symbol: string): FuturesMarket {
  return CM_SYMBOL.test(symbol) ? 'CM' : 'UM';
}

const BALANCE_AMOUNTS = ['crossMarginFree', 'crossMarginLocked', 'crossMarginBorrowed', 'crossMarginInterest', 'umWalletBalance', 'cmWalletBalance'] as const;

/** accountType of /sapi/v1/portfolio/account: PM_1 is PM Pro, PM_2 is PM (PM_3, PM Pro SPAN, is not modelled). */
const ACCOUNT_TYPES: Record<string, MarginMode> = { PM_1: 'PM_PRO', PM_2: 'PM' };

interface Collected {
  balances: Map<string, { balance: Balance; from: InputSource }>;
  legs: Map<string, { market: FuturesMarket; position: UmPosition | CmPosition; from: InputSource }>;
  mode?: MarginMode;
  warnings: string[];
}

function isFlatBalance(b: Balance): boolean {
  return BALANCE_AMOUNTS.every((k) => b[k].isZero());
}

function addBalances(c: Collected, r: RecognisedResponse): void {
  r.rows.forEach((raw, i) => {
    const path = Array.isArray(r.json) ? `[${i}]` : '';
    const b = readBalance(r.name, path, raw);
    const seen = c.balances.get(b.asset);
    if (seen !== undefined) {
      const same = BALANCE_AMOUNTS.every((k) => seen.balance[k].eq(b[k]));
      if (!same) throw new InputError(r.name, joinPath(path, 'asset'), `each asset once (${b.asset} is already in ${seen.from}, with other amounts)`, b.asset);
      return;
    }
    const option = (readObject(r.name, path, raw).optionWalletBalance ?? '0') as unknown;
    if (typeof option === 'string' && option !== '' && Number(option) !== 0) c.warnings.push(`${r.name}: ${b.asset} optionWalletBalance ${option} is not modelled (options are left out)`);
    if (!isFlatBalance(b)) c.balances.set(b.asset, { balance: b, from: r.name });
  });
}

function addPositions(c: Collected, r: RecognisedResponse, market: FuturesMarket | undefined, path: string, rows: readonly unknown[]): void {
  readOpenPositions(r.name, path, rows).forEach((position) => {
    const m = market ?? findFuturesMarket(position.symbol);
    const key = `${m}:${position.symbol}:${position.positionSide}`;
    const seen = c.legs.get(key);
    if (seen === undefined) {
      c.legs.set(key, { market: m, position, from: r.name });
    } else if (!seen.position.positionAmt.eq(position.positionAmt)) {
      throw new InputError(r.name, position.symbol, `the same positionAmt as ${seen.from} (${seen.position.positionAmt.toString()}) for this ${position.positionSide} leg`, position.positionAmt.toString());
    }
  });
}

function addResponse(c: Collected, response: AccountResponse): void {
  const r = recogniseBinanceResponse(response);
  if (r.shape === undefined) return;
  switch (r.shape.kind) {
    case 'balances':
      return addBalances(c, r);
    case 'positionRisk':
      return addPositions(c, r, response.market, '', r.rows);
    case 'futuresAccount': {
      // Its assets[] repeat the wallet balances of /papi/v1/balance: only positions[] is read.
      const o = readObject(r.name, '', r.json);
      return addPositions(c, r, response.market, 'positions', readArray(r.name, 'positions', o.positions));
    }
    case 'accountSummary': {
      const type = readObject(r.name, '', r.json).accountType;
      if (typeof type === 'string' && ACCOUNT_TYPES[type] !== undefined) c.mode = ACCOUNT_TYPES[type];
      return;
    }
    default:
      throw new InputError(r.name, '', 'an account response (balances, positions or the account summary)', `a market response (${r.shape.endpoints.join(' or ')}): give it as a market`);
  }
}

/** One account from its saved Binance responses, in any order and combination. */
export function importBinanceAccount(responses: readonly AccountResponse[], options: BinanceImportOptions): ImportedAccount {
  if (!PORTFOLIO_ID_PATTERN.test(options.id)) throw new InputError('options', 'id', 'letters, digits and . _ : @ -', options.id);
  const c: Collected = { balances: new Map(), legs: new Map(), warnings: [] };
  for (const response of responses) addResponse(c, response);
  const legs = [...c.legs.values()];
  const portfolio: Portfolio = {
    id: options.id,
    mode: options.mode ?? c.mode ?? 'PM',
    marginLeverage: options.marginLeverage,
    balances: [...c.balances.values()].map((b) => b.balance),
    umPositions: legs.filter((l) => l.market === 'UM').map((l) => l.position),
    cmPositions: legs.filter((l) => l.market === 'CM').map((l) => l.position),
    marginOpenOrders: [],
    actions: [],
  };
  return { portfolio, warnings: c.warnings };
}
