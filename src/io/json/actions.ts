import { InputError, type InputSource } from '../../domain/errors.js';
import { WALLETS, type Action, type Wallet } from '../../domain/types.js';
import { describeValue, joinPath, readObject, readPositiveDecimal, readString, readTime, rejectUnknownKeys } from '../../domain/json-fields.js';

function readWallet(src: InputSource, path: string, v: unknown): Wallet {
  if (typeof v === 'string' && (WALLETS as readonly string[]).includes(v)) return v as Wallet;
  throw new InputError(src, path, `one of ${WALLETS.join(', ')}`, describeValue(v));
}

/**
 * One scheduled action (docs/formats.md "Scheduled actions"):
 *   {time, type: "trade", market: "UM"|"CM", symbol, side: "BUY"|"SELL", qty, price?, positionSide?}
 *   {time, type: "transfer", asset, amount, from, to}   wallets: external, crossMargin, um, cm
 *   {time, type: "borrow"|"repay", asset, amount}
 */
export function readAction(src: InputSource, path: string, raw: unknown): Action {
  const o = readObject(src, path, raw);
  const time = readTime(src, joinPath(path, 'time'), o.time);
  const at = (k: string) => joinPath(path, k);
  switch (o.type) {
    case 'trade': {
      rejectUnknownKeys(src, path, o, ['time', 'type', 'market', 'symbol', 'side', 'qty', 'price', 'positionSide']);
      if (o.market !== 'UM' && o.market !== 'CM') throw new InputError(src, at('market'), 'UM or CM', describeValue(o.market));
      if (o.side !== 'BUY' && o.side !== 'SELL') throw new InputError(src, at('side'), 'BUY or SELL', describeValue(o.side));
      const positionSide = o.positionSide ?? 'BOTH';
      if (positionSide !== 'BOTH' && positionSide !== 'LONG' && positionSide !== 'SHORT') throw new InputError(src, at('positionSide'), 'BOTH, LONG or SHORT', describeValue(o.positionSide));
      return {
        time, type: 'trade', market: o.market, symbol: readString(src, at('symbol'), o.symbol), side: o.side,
        qty: readPositiveDecimal(src, at('qty'), o.qty),
        price: o.price === undefined ? undefined : readPositiveDecimal(src, at('price'), o.price),
        positionSide,
      };
    }
    case 'transfer': {
      rejectUnknownKeys(src, path, o, ['time', 'type', 'asset', 'amount', 'from', 'to']);
      const from = readWallet(src, at('from'), o.from);
      const to = readWallet(src, at('to'), o.to);
      if (from === to) throw new InputError(src, at('to'), `a wallet other than from (${from})`, to);
      return { time, type: 'transfer', asset: readString(src, at('asset'), o.asset), amount: readPositiveDecimal(src, at('amount'), o.amount), from, to };
    }
    case 'borrow':
    case 'repay':
      rejectUnknownKeys(src, path, o, ['time', 'type', 'asset', 'amount']);
      return { time, type: o.type, asset: readString(src, at('asset'), o.asset), amount: readPositiveDecimal(src, at('amount'), o.amount) };
    default:
      throw new InputError(src, at('type'), 'trade, transfer, borrow or repay', describeValue(o.type));
  }
}
