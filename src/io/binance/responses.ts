import { InputError, type InputSource } from '../../domain/errors.js';
import { describeValue, type JsonObject } from '../../domain/json-fields.js';

// The one table of Binance responses pmbt reads as accounts and markets, each recognised by its
// shape (never by its file name). Rule responses (collateralRate, leverageBracket) are recognised
// by src/rules/binance-response.ts.

export type BinanceResponseKind =
  | 'balances'
  | 'accountSummary'
  | 'futuresAccount'
  | 'positionRisk'
  | 'assetIndexPrice'
  | 'premiumIndex';

export interface BinanceResponseShape {
  kind: BinanceResponseKind;
  /** The endpoints that answer in this shape, for messages and docs. */
  endpoints: readonly string[];
  /** What the response is used for. */
  use: 'account' | 'market';
  /** True when a response (an object, or the first row of an array) has this shape. */
  recognise(first: JsonObject, isArray: boolean): boolean;
}

const has = (o: JsonObject, ...keys: string[]) => keys.every((k) => o[k] !== undefined);

export const BINANCE_RESPONSES: readonly BinanceResponseShape[] = [
  {
    kind: 'balances',
    endpoints: ['/papi/v1/balance', '/sapi/v1/portfolio/balance'],
    use: 'account',
    recognise: (o) => has(o, 'asset') && ['crossMarginFree', 'crossMarginBorrowed', 'umWalletBalance', 'cmWalletBalance', 'totalWalletBalance'].some((k) => o[k] !== undefined),
  },
  {
    kind: 'accountSummary',
    endpoints: ['/papi/v1/account', '/sapi/v1/portfolio/account'],
    use: 'account',
    recognise: (o, isArray) => !isArray && has(o, 'uniMMR', 'accountStatus'),
  },
  {
    kind: 'futuresAccount',
    endpoints: ['/papi/v1/um/account', '/papi/v1/cm/account'],
    use: 'account',
    recognise: (o, isArray) => !isArray && Array.isArray(o.positions),
  },
  {
    kind: 'positionRisk',
    endpoints: ['/papi/v1/um/positionRisk', '/papi/v1/cm/positionRisk', '/fapi/v2/positionRisk', '/fapi/v3/positionRisk', '/dapi/v1/positionRisk'],
    use: 'account',
    recognise: (o) => has(o, 'symbol', 'positionAmt'),
  },
  {
    kind: 'assetIndexPrice',
    endpoints: ['/sapi/v1/portfolio/asset-index-price'],
    use: 'market',
    recognise: (o) => has(o, 'asset', 'assetIndexPrice'),
  },
  {
    kind: 'premiumIndex',
    endpoints: ['/fapi/v1/premiumIndex', '/dapi/v1/premiumIndex'],
    use: 'market',
    recognise: (o) => has(o, 'symbol', 'markPrice') && o.positionAmt === undefined,
  },
];

/** A saved response: its file (for messages) and its parsed JSON. */
export interface SavedResponse {
  name: InputSource;
  json: unknown;
}

/** A recognised response: its shape and its rows (one object is one row). */
export interface RecognisedResponse extends SavedResponse {
  shape: BinanceResponseShape | undefined;
  rows: unknown[];
}

/** Every endpoint of the table, for messages and docs. */
export function listBinanceEndpoints(use?: 'account' | 'market'): string[] {
  return BINANCE_RESPONSES.filter((s) => use === undefined || s.use === use).flatMap((s) => s.endpoints);
}

/**
 * Which response this is, by shape. An empty array is a response with nothing in it (`shape`
 * undefined). Anything else that no entry recognises is an InputError naming the file.
 */
export function recogniseBinanceResponse(response: SavedResponse): RecognisedResponse {
  const { name, json } = response;
  const isArray = Array.isArray(json);
  const rows = isArray ? (json as unknown[]) : [json];
  if (isArray && rows.length === 0) return { ...response, shape: undefined, rows };
  const first = rows[0];
  if (typeof first !== 'object' || first === null || Array.isArray(first)) {
    throw new InputError(name, isArray ? '[0]' : '', 'a Binance response: an object or an array of objects', describeValue(first));
  }
  const shape = BINANCE_RESPONSES.find((s) => s.recognise(first as JsonObject, isArray));
  if (shape === undefined) {
    throw new InputError(name, '', `the saved response of one of ${listBinanceEndpoints().join(', ')}`, `an ${isArray ? 'array of objects' : 'object'} with the fields ${Object.keys(first).slice(0, 6).join(', ')}`);
  }
  return { ...response, shape, rows };
}
