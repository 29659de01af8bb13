import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SERIES_KIND_CODE, type SeriesTable } from '../../../src/domain/series.js';
import { convertSeriesFiles, type ConvertSeriesOptions, type SeriesInput } from '../../../src/io/convert/series.js';

// Files whose shape says what they are, converted without flags (docs/formats.md "Files users
// bring"). Fixtures: test/fixtures/formats/README.md.

const FIXTURES = join(import.meta.dirname, '../../fixtures/formats');
const fixture = (name: string) => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), 'pmbt-shapes-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function convert(inputs: SeriesInput[], options: ConvertSeriesOptions = {}) {
  return convertSeriesFiles(inputs, options);
}

/** The rows of one (symbol, kind) as [ISO time, value, high, low]. */
function rowsOf(table: SeriesTable, symbol: string, kind: keyof typeof SERIES_KIND_CODE): [string, number, number | undefined, number | undefined][] {
  const id = table.symbols.indexOf(symbol);
  const out: [string, number, number | undefined, number | undefined][] = [];
  for (let i = 0; i < table.times.length; i++) {
    if (table.symbolIds[i] !== id || table.kinds[i] !== SERIES_KIND_CODE[kind]) continue;
    const high = table.highs?.[i];
    const low = table.lows?.[i];
    out.push([new Date(table.times[i]!).toISOString(), table.values[i]!, Number.isNaN(high) ? undefined : high, Number.isNaN(low) ? undefined : low]);
  }
  return out;
}

describe('Binance REST kline arrays and ccxt OHLCV arrays', () => {
  test("/fapi/v1/indexPriceKlines (Binance's documented response): one candle, closed at close_time + 1 ms", async () => {
    const { table, parts } = await convert([{ path: fixture('fapi-v1-indexPriceKlines.json'), symbol: 'BTC', kind: 'index' }], { extremes: true });
    // open 1591256400000 (2020-06-04T07:40Z), close_time 1591256459999 → a 1m candle, stamped at 07:41.
    expect(rowsOf(table, 'BTC', 'index')).toEqual([['2020-06-04T07:41:00.000Z', 9651.552, 9653.6964, 9651.386]]);
    expect(parts[0]!.note).toBe('close at candle close (open time + 1m, from close_time), with high and low');
  });

  test('ccxt fetchOHLCV: [timestamp, open, high, low, close, volume] rows', async () => {
    const { table } = await convert([{ path: fixture('ccxt-fetchOHLCV.json'), symbol: 'ETHUSDT', kind: 'mark' }], { intervalMs: 60_000 });
    // 1504541580000 = 2017-09-04T16:13:00Z; close 4230.7 at the candle's end.
    expect(rowsOf(table, 'ETHUSDT', 'mark')).toEqual([['2017-09-04T16:14:00.000Z', 4230.7, undefined, undefined]]);
  });

  test('arrays of another width, or rows of mixed width, name what was expected', async () => {
    await expect(convert([{ path: file('five.json', '[[1,2,3,4,5]]'), symbol: 'X', kind: 'mark' }])).rejects.toThrow(
      'five.json: row 1: expected rows of 12 (Binance kline arrays (REST /fapi|/dapi klines, mark/index/premium-index klines)) or 6 (OHLCV arrays (ccxt fetchOHLCV)) values, got 5 values',
    );
    await expect(convert([{ path: file('mixed.json', '[[1504541580000,1,2,0.5,1.5,3],[1504541640000,1,2]]'), symbol: 'X', kind: 'mark' }])).rejects.toThrow(
      'mixed.json: row 2: expected 6 values like the first row (OHLCV arrays (ccxt fetchOHLCV)), got 3',
    );
    await expect(convert([{ path: file('rec.json', '[{"time":1},[1]]'), symbol: 'X', kind: 'mark' }])).rejects.toThrow('rec.json: row 2: expected an object, like the first row');
  });
});

describe("Binance's funding history", () => {
  test('/fapi/v1/fundingRate JSON carries its symbol: no flags', async () => {
    const { table, parts } = await convert([{ path: fixture('fapi-v1-fundingRate.json') }]);
    // fundingTime 1570608000000 = 2019-10-09T08:00Z, 1570636800000 = 16:00Z.
    expect(rowsOf(table, 'BTCUSDT', 'funding')).toEqual([
      ['2019-10-09T08:00:00.000Z', -0.0375, undefined, undefined],
      ['2019-10-09T16:00:00.000Z', 0.0001, undefined, undefined],
    ]);
    expect(parts[0]!.note).toBe('Binance funding rate history (symbol, fundingTime, fundingRate)');
  });

  test("the archive's fundingRate CSV: symbol from the file name, calc_time and last_funding_rate found", async () => {
    // Real rows of BTCUSDT-fundingRate-2026-08 (test/fixtures/formats/README.md), with Binance's ms jitter.
    const csv = 'calc_time,funding_interval_hours,last_funding_rate\n1785542400001,8,0.00004123\n1785571200002,8,-0.00001500\n';
    const { table } = await convert([{ path: file('BTCUSDT-fundingRate-2026-08.csv', csv) }]);
    expect(rowsOf(table, 'BTCUSDT', 'funding')).toEqual([
      ['2026-08-01T00:00:00.001Z', 0.00004123, undefined, undefined],
      ['2026-08-01T08:00:00.002Z', -0.000015, undefined, undefined],
    ]);
    await expect(convert([{ path: file('funding.csv', csv) }])).rejects.toThrow(
      'funding.csv: (document): expected the file name of a Binance fundingRate file (SYMBOL-fundingRate-YYYY-MM.csv), or FILE:SYMBOL:funding',
    );
    const named = await convert([{ path: file('funding2.csv', csv), symbol: 'ETHUSDT', kind: 'funding' }]);
    expect(rowsOf(named.table, 'ETHUSDT', 'funding')).toHaveLength(2);
  });

  test('funding rows minutes apart are a ticker or premium file, not funding: an error naming both rows', async () => {
    const csv = 'time,funding_rate\n2024-03-01 00:00:00,0.0001\n2024-03-01 00:00:03,0.00011\n';
    await expect(convert([{ path: file('ticks.csv', csv), symbol: 'BTCUSDT', kind: 'funding' }])).rejects.toThrow(
      'ticks.csv: funding_rate, line 3: expected funding rows of BTCUSDT at least 30m apart (Binance pays funding every 1, 4 or 8 hours), got a row 3s after the one at funding_rate, line 2: this looks like a ticker or premium-index file, not realized funding',
    );
  });
});

describe('Tardis derivative_ticker', () => {
  const binance = fixture('binance-futures_derivative_ticker.handmade.csv');

  test('mark and index as 1m bars with high and low; funding once per funding_timestamp', async () => {
    const { table, parts } = await convert([{ path: binance }]);
    // Rows at 07:59:58, 07:59:59 fall in the bar closing 08:00; 08:00:00, 08:00:01, 08:00:01.5 in the one closing 08:01.
    expect(rowsOf(table, 'BTCUSDT', 'mark')).toEqual([
      ['2024-03-01T08:00:00.000Z', 61491, 61491, 61490.2],
      ['2024-03-01T08:01:00.000Z', 61500, 61500, 61475],
    ]);
    // index_price of BTCUSDT is BTC's index (in USDT, taken as USD).
    expect(rowsOf(table, 'BTC', 'index')).toEqual([
      ['2024-03-01T08:00:00.000Z', 61482, 61482, 61480.5],
      ['2024-03-01T08:01:00.000Z', 61490, 61490, 61470],
    ]);
    // 08:00 funding: the rate last seen before it (07:59:59); 16:00 was last seen at 08:00:01, not settled here.
    expect(rowsOf(table, 'BTCUSDT', 'funding')).toEqual([['2024-03-01T08:00:00.000Z', 0.0003125, undefined, undefined]]);
    expect(parts[0]!.note).toContain('1 funding time(s) not yet settled in the file left out');
  });

  test('named as funding with its funding_rate column it is still one row per funding time, never one per ticker row', async () => {
    const { table } = await convert([{ path: binance, symbol: 'BTCUSDT', kind: 'funding', column: 'funding_rate' }]);
    expect(table.times.length).toBe(1);
    expect(rowsOf(table, 'BTCUSDT', 'funding')).toEqual([['2024-03-01T08:00:00.000Z', 0.0003125, undefined, undefined]]);
  });

  test('--interval sets the bar; a symbol the file does not have is an error', async () => {
    const { table } = await convert([{ path: binance, symbol: 'BTCUSDT', kind: 'mark' }], { intervalMs: 3_600_000 });
    expect(rowsOf(table, 'BTCUSDT', 'mark')).toEqual([
      ['2024-03-01T08:00:00.000Z', 61491, 61491, 61490.2],
      ['2024-03-01T09:00:00.000Z', 61500, 61500, 61475],
    ]);
    await expect(convert([{ path: binance, symbol: 'ETHUSDT', kind: 'mark' }])).rejects.toThrow(/symbol: expected rows of ETHUSDT, got only BTCUSDT/);
  });

  test("Deribit's real rows (no funding_timestamp: continuous funding) give mark and index bars, no funding", async () => {
    const { table } = await convert([{ path: fixture('deribit_derivative_ticker.csv') }]);
    // 1786320665523000 µs = 2026-08-10T00:11:05.523Z: all three rows in the bar closing 00:12.
    expect(rowsOf(table, 'BTC-PERPETUAL', 'mark')).toEqual([['2026-08-10T00:12:00.000Z', 65237.9, 65237.9, 65220.13]]);
    expect(rowsOf(table, 'BTC-PERPETUAL', 'funding')).toEqual([]);
  });
});

test('a file whose shape says nothing and no series named: the error says what it looks like', async () => {
  await expect(convert([{ path: file('klines.csv', 'open_time,open,high,low,close\n1709251200000,1,2,0.5,1.5\n') }])).rejects.toThrow(
    'klines.csv: (document): expected the series this candle file holds: FILE:SYMBOL:KIND (e.g. BTCUSDT-1m-2024-03-01.zip:BTCUSDT:mark) or --symbol and --kind, got candles with columns open_time, open, high, low, close',
  );
});

test("pmbt convert series --extremes keeps each candle's high and low", async () => {
  const { runConvert } = await import('../../../src/cli/convert.js');
  const { readSeriesArrow } = await import('../../../src/io/arrow/series.js');
  const { readFileSync } = await import('node:fs');
  const csv = file('BTCUSDT-1m-2024-03-01.csv', 'open_time,open,high,low,close,volume,close_time\n1709251200000,100,104,97,101,0,1709251259999\n');
  const out = join(dir, 'extremes.arrow');
  const report = await runConvert(['series', '--input', `${csv}:BTCUSDT:mark`, '--extremes', '--out', out]);
  expect(report).toContain('close at candle close (open time + 1m, from close_time), with high and low');
  const table = readSeriesArrow(new Uint8Array(readFileSync(out)), out);
  expect(rowsOf(table, 'BTCUSDT', 'mark')).toEqual([['2024-03-01T00:01:00.000Z', 101, 104, 97]]);
  await runConvert(['series', '--input', `${csv}:BTCUSDT:mark`, '--out', out]);
  expect(readSeriesArrow(new Uint8Array(readFileSync(out)), out).highs).toBeUndefined();
});

test('a gzip-compressed Tardis file of 20,000 ticker rows, read in chunks: bars across chunk edges are whole, funding is one row', async () => {
  const { gzipSync } = await import('node:zlib');
  const t0 = Date.UTC(2024, 2, 1, 7, 40); // ticks every 100 ms from 07:40:00 to 08:13:19.9
  const f1 = Date.UTC(2024, 2, 1, 8);
  const f2 = Date.UTC(2024, 2, 1, 16);
  const lines = ['exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price'];
  for (let i = 0; i < 20_000; i++) {
    const t = (t0 + i * 100) * 1000;
    const funding = t0 + i * 100 < f1 ? f1 : f2;
    lines.push(`binance-futures,ETHUSDT,${t},${t + 150},${funding * 1000},${(0.0001 + i * 1e-9).toFixed(9)},,1000,3500.5,${3500 + (i % 37)},${3500 + (i % 100)}`);
  }
  const path = join(dir, 'binance-futures_derivative_ticker_2024-03-01_ETHUSDT.csv.gz');
  writeFileSync(path, gzipSync(Buffer.from(`${lines.join('\n')}\n`)));
  const { table } = await convert([{ path }]);
  const marks = rowsOf(table, 'ETHUSDT', 'mark');
  // 600 ticks a minute: 34 bars closing 07:41 … 08:14; each bar spans a full cycle of 100, so high 3599, low 3500.
  expect(marks).toHaveLength(34);
  expect(marks[0]).toEqual(['2024-03-01T07:41:00.000Z', 3599, 3599, 3500]);
  // The bar closing 07:54 holds ticks 7,800–8,399 and so crosses the chunk edge at 8,192; its last tick, 8,399, has mark 3599.
  expect(marks[13]).toEqual(['2024-03-01T07:54:00.000Z', 3599, 3599, 3500]);
  expect(marks[33]).toEqual(['2024-03-01T08:14:00.000Z', 3599, 3599, 3500]);
  expect(rowsOf(table, 'ETH', 'index')).toHaveLength(34);
  // The rate last seen before 08:00 is tick 11,999's: 0.0001 + 11,999e-9; 16:00 is not settled in the file.
  expect(rowsOf(table, 'ETHUSDT', 'funding')).toEqual([['2024-03-01T08:00:00.000Z', Number((0.0001 + 11_999e-9).toFixed(9)), undefined, undefined]]);
});

test("the archive's funding zip as downloaded: symbol from its name, no flags", async () => {
  const { zipSync } = await import('fflate');
  const csv = 'calc_time,funding_interval_hours,last_funding_rate\n1709251200000,8,0.00031000\n1709280000007,8,0.00012500\n';
  const path = join(dir, 'BTCUSDT-fundingRate-2024-03.zip');
  writeFileSync(path, zipSync({ 'BTCUSDT-fundingRate-2024-03.csv': new TextEncoder().encode(csv) }));
  const { table } = await convert([{ path }]);
  expect(rowsOf(table, 'BTCUSDT', 'funding').map((r) => r[1])).toEqual([0.00031, 0.000125]);
});

test('--usd-index: a stablecoin at 1 USD at every time the table has prices, listed in the report', async () => {
  const { runConvert } = await import('../../../src/cli/convert.js');
  const { readSeriesArrow } = await import('../../../src/io/arrow/series.js');
  const { readFileSync } = await import('node:fs');
  const { table } = await convert([{ path: fixture('binance-futures_derivative_ticker.handmade.csv') }], { usdIndex: ['USDT'] });
  // The mark and index bars close at 08:00 and 08:01; the funding row at 08:00 adds no time of its own.
  expect(rowsOf(table, 'USDT', 'index')).toEqual([
    ['2024-03-01T08:00:00.000Z', 1, 1, 1],
    ['2024-03-01T08:01:00.000Z', 1, 1, 1],
  ]);
  const out = join(dir, 'usd.arrow');
  const report = await runConvert(['series', '--input', fixture('binance-futures_derivative_ticker.handmade.csv'), '--usd-index', 'USDT,USDC', '--out', out]);
  expect(report).toContain('USDC (assumed 1 USD): 2 rows (constant 1 USD)');
  expect(readSeriesArrow(new Uint8Array(readFileSync(out)), out).symbols).toContain('USDC');
  await expect(runConvert(['series', '--input', 'x.csv', '--usd-index', 'usdt', '--out', out])).rejects.toThrow('--usd-index takes assets such as USDT,USDC, got "usdt"');
});
