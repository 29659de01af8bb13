// What a Binance futures symbol says about itself: which market lists it and which asset it is on.

export type FuturesMarket = 'um' | 'cm';

/** Quote assets of USDⓈ-M contracts, longest first so FDUSD is not read as …USD. */
const UM_QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD'] as const;

const CM_SYMBOL = /^([A-Z0-9]+)USD_(PERP|\d{6})$/;
const UM_SYMBOL = new RegExp(`^([A-Z0-9]+?)(${UM_QUOTES.join('|')})(_\\d{6})?$`);

export interface FuturesContract {
  symbol: string;
  market: FuturesMarket;
  /** The asset the contract is on (BTC for BTCUSDT and BTCUSD_PERP). */
  base: string;
  /** USDT, USDC…; USD for COIN-M. */
  quote: string;
  /** The index pair Binance publishes its index klines under: BTCUSDT (USDⓈ-M), BTCUSD (COIN-M). */
  pair: string;
  perpetual: boolean;
}

/** COIN-M contracts are `<ASSET>USD_PERP` or `<ASSET>USD_<YYMMDD>`; the rest `<ASSET><QUOTE>[_YYMMDD]`. */
export function parseFuturesSymbol(symbol: string): FuturesContract | undefined {
  const cm = CM_SYMBOL.exec(symbol);
  if (cm !== null) return { symbol, market: 'cm', base: cm[1]!, quote: 'USD', pair: `${cm[1]}USD`, perpetual: cm[2] === 'PERP' };
  const um = UM_SYMBOL.exec(symbol);
  if (um !== null) return { symbol, market: 'um', base: um[1]!, quote: um[2]!, pair: `${um[1]}${um[2]}`, perpetual: um[3] === undefined };
  return undefined;
}
