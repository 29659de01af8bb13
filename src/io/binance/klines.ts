// Column layouts of Binance's market-data files, shared by `pmbt convert` (which recognises them)
// and `pmbt fetch` (which downloads them). docs/formats.md "Files users bring" lists the sources.

/**
 * A kline (candle), in the order of the REST kline arrays (/fapi/v1/klines, markPriceKlines,
 * indexPriceKlines, premiumIndexKlines, /dapi/v1/… alike) and of the public data archive's CSV
 * files, which carry these names as a header row since about 2022 and no header before. Index,
 * mark and premium-index klines keep the volume columns at 0.
 */
export const BINANCE_KLINE_COLUMNS = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
] as const;

/** ccxt's fetchOHLCV rows: [timestamp ms, open, high, low, close, volume]. */
export const CCXT_OHLCV_COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

/** The header of the archive's fundingRate CSV files (one row per funding time). */
export const BINANCE_FUNDING_CSV_COLUMNS = ['calc_time', 'funding_interval_hours', 'last_funding_rate'] as const;
