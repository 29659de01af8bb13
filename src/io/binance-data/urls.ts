/** Where Binance publishes its public market data: the archive and the futures REST APIs. */
export const BINANCE_DATA_URLS = {
  archive: 'https://data.binance.vision',
  fapi: 'https://fapi.binance.com',
  dapi: 'https://dapi.binance.com',
} as const;
