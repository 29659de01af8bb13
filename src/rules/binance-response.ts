import { InputError, type InputSource } from '../domain/errors.js';
import { describeValue, joinPath, readObject, readString, type JsonObject } from '../domain/json-fields.js';

// Rules given as the raw JSON a user saved from Binance, recognised by shape and turned into a
// project rules document:
//   /sapi/v1/portfolio/collateralRate   [{asset, collateralRate}]
//   /sapi/v2/portfolio/collateralRate   [{asset, collateralInfo: [{tierFloor, tierCap, collateralRate, cum}]}]
//   /papi/v1/um/leverageBracket         [{symbol, brackets: [{notionalFloor, notionalCap, ...}]}]
//   /papi/v1/cm/leverageBracket         [{symbol, brackets: [{qtyFloor, qtyCap, ...}]}]

const CM_SYMBOL = /^([A-Z0-9]+)USD_(PERP|\d{6})$/;

export function isBinanceRulesResponse(raw: unknown): boolean {
  const rows = Array.isArray(raw) ? raw : [raw];
  const first = rows[0];
  return typeof first === 'object' && first !== null && ('asset' in first || 'symbol' in first);
}

export function convertBinanceRules(raw: unknown, src: InputSource): JsonObject {
  const rows = Array.isArray(raw) ? raw : [raw];
  const out: JsonObject = { version: 1, sources: [`Binance response ${String(src)}`] };
  const collateral: JsonObject = {};
  const umBrackets: JsonObject = {};
  const cmContracts: JsonObject = {};
  rows.forEach((r, i) => {
    const path = `[${i}]`;
    const row = readObject(src, path, r);
    if ('asset' in row) {
      const asset = readString(src, joinPath(path, 'asset'), row.asset);
      if ('collateralInfo' in row) collateral[asset] = row.collateralInfo;
      else if ('collateralRate' in row) collateral[asset] = row.collateralRate;
      else throw new InputError(src, path, 'collateralRate or collateralInfo (a Binance collateral-rate response)', describeValue(row));
      return;
    }
    const symbol = readString(src, joinPath(path, 'symbol'), row.symbol);
    const brackets = row.brackets;
    const firstBracket = Array.isArray(brackets) ? (brackets[0] as JsonObject | undefined) : undefined;
    if (firstBracket === undefined) throw new InputError(src, joinPath(path, 'brackets'), 'a non-empty list of leverage brackets', describeValue(brackets));
    if ('notionalCap' in firstBracket) {
      umBrackets[symbol] = brackets;
    } else if ('qtyCap' in firstBracket) {
      // The bracket response has neither contract size nor margin asset: docs/margin-rules.md gives them
      // (BTC 100 USD a contract, other coins 10 USD; margined in the coin).
      const coin = CM_SYMBOL.exec(symbol)?.[1];
      if (coin === undefined) throw new InputError(src, joinPath(path, 'symbol'), 'a COIN-M symbol such as BTCUSD_PERP or ETHUSD_241227', symbol);
      cmContracts[symbol] = { contractSize: coin === 'BTC' ? 100 : 10, marginAsset: coin, brackets };
    } else {
      throw new InputError(src, joinPath(path, 'brackets[0]'), 'notionalCap (UM) or qtyCap (CM) brackets', describeValue(firstBracket));
    }
  });
  if (Object.keys(collateral).length > 0) out.collateral = collateral;
  if (Object.keys(umBrackets).length > 0) out.umBrackets = umBrackets;
  if (Object.keys(cmContracts).length > 0) out.cmContracts = cmContracts;
  return out;
}
