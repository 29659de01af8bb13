import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import yazl from 'yazl';
import { CsvRecordReader, type CsvRecords } from '../../../src/io/convert/csv.js';
import { convertSeriesFiles, type ConvertSeriesOptions, type SeriesInput } from '../../../src/io/convert/series.js';

// Binance archive rows and polars-written Parquet files under test/fixtures/real/ (sources in its
// README); the zips are built here from those rows with yazl, as data.binance.vision ships them.
const REAL = 'test/fixtures/real/';
const UM_1M = `${REAL}BTCUSDT-1m-2020-01-01-um-headerless.csv`;
const UM_1D_2020 = `${REAL}BTCUSDT-1d-2020-01-um-headerless.csv`;
const UM_1D_2026 = `${REAL}BTCUSDT-1d-2026-09-um.csv`;
const SPOT_2025 = `${REAL}BTCUSDT-1d-2025-01-spot-us.csv`;
const SPOT_2026 = `${REAL}BTCUSDT-1d-2026-06-spot-us.csv`;
const SNAPPY = `${REAL}SOLUSDT_1h_polars_snappy.parquet`;
const ZSTD = `${REAL}SOLUSDT_1h_polars_zstd.parquet`;

const dir = mkdtempSync(join(tmpdir(), 'pmbt-containers-'));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const text = (path: string) => readFileSync(path, 'utf8');
const mark = { symbol: 'BTCUSDT', kind: 'mark' } as const;
const iso = (ms: number | undefined) => new Date(ms!).toISOString();
const MIN = 60_000;
const DAY = 86_400_000;

async function convert(input: SeriesInput, options: ConvertSeriesOptions = {}) {
  const { table, parts } = await convertSeriesFiles([input], options);
  return { table, part: parts[0]! };
}

function zipOf(members: [name: string, content: string][]): Promise<Uint8Array> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of members) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(new Uint8Array(Buffer.concat(chunks)))).on('error', reject);
  });
}

/** Sets a field in the first local header and the first central directory entry of a zip. */
function patchZip(bytes: Uint8Array, field: 'flags' | 'method', value: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  const central = out.findIndex((b, i) => b === 0x50 && out[i + 1] === 0x4b && out[i + 2] === 0x01 && out[i + 3] === 0x02);
  view.setUint16(field === 'flags' ? 6 : 8, value, true);
  view.setUint16(central + (field === 'flags' ? 8 : 10), value, true);
  return out;
}

describe('headerless Binance archive CSVs (futures before ~2022, every spot file)', () => {
  test('BTCUSDT-1m 2020-01-01, futures: 12 columns named by position, close at candle close', async () => {
    const { part } = await convert({ path: UM_1M, ...mark });
    expect(Array.from(part.times, iso)).toEqual(['2020-01-01T00:01:00.000Z', '2020-01-01T00:02:00.000Z', '2020-01-01T00:03:00.000Z']);
    expect(Array.from(part.values)).toEqual([7182.44, 7179.01, 7177.93]);
    expect(part.note).toBe('close at candle close (open time + 1m, from close_time)');
    expect(part.rowPath(2)).toBe('close, line 3');
  });

  test('high and low as the bar extremes', async () => {
    const { table } = await convert({ path: UM_1M, ...mark }, { extremes: true });
    expect(Array.from(table.highs!)).toEqual([7190.52, 7182.44, 7179.01]);
    expect(Array.from(table.lows!)).toEqual([7177, 7178.75, 7175.25]);
  });

  test('a 2022+ file with its header reads the same way', async () => {
    const { part } = await convert({ path: UM_1D_2026, ...mark }, { intervalMs: DAY });
    expect([iso(part.times[0]), part.values[0]]).toEqual(['2026-09-02T00:00:00.000Z', 77400.1]);
    expect(part.rowPath(0)).toBe('close, line 2');
  });

  test('spot files since 2025 count microseconds (16 digits): read as ms, exactly', async () => {
    const a = await convert({ path: SPOT_2025, ...mark }, { at: 'open' });
    expect([iso(a.part.times[0]), a.part.values[0]]).toEqual(['2025-01-01T00:00:00.000Z', 94591.79]);
    const b = await convert({ path: SPOT_2026, ...mark, column: 'open' });
    expect([iso(b.part.times[0]), b.part.values[0]]).toEqual(['2026-06-01T00:00:00.000Z', 73674.39]);
    // ms and µs files together: one daily series across the switch.
    const { table } = await convertSeriesFiles([{ path: UM_1D_2020, ...mark }, { path: SPOT_2025, ...mark }], { at: 'open' });
    expect(Array.from(table.times, iso)).toEqual(['2020-01-01T00:00:00.000Z', '2020-01-02T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
  });

  test('nanosecond open times (the same rows as a pandas export writes them) are divided exactly', async () => {
    const ns = file('ns.csv', text(UM_1M).replace(/^(\d{13}),/gm, '$1000000,'));
    expect(text(ns).slice(0, 20)).toBe('1577836800000000000,');
    const { part } = await convert({ path: ns, ...mark });
    expect(Array.from(part.times, iso)).toEqual(['2020-01-01T00:01:00.000Z', '2020-01-01T00:02:00.000Z', '2020-01-01T00:03:00.000Z']);
  });

  test('six numeric columns are ccxt OHLCV; other widths are refused, naming what is recognised', async () => {
    const ohlcv = file('ohlcv.csv', '1577836800000,7189.43,7190.52,7177,7182.44,246.092\n1577836860000,7182.43,7182.44,7178.75,7179.01,70.909\n');
    expect(Array.from((await convert({ path: ohlcv, ...mark })).part.values)).toEqual([7182.44, 7179.01]);
    const five = file('five.csv', '1577836800000,7189.43,7190.52,7177,7182.44\n');
    await expect(convert({ path: five, ...mark })).rejects.toThrow(
      `${five}: line 1: expected a header line naming the columns, or a headerless layout recognised by width (Binance kline 12 columns, OHLCV 6, Binance funding 3), got no header and 5 columns of numbers`,
    );
    const short = file('short.csv', `${text(UM_1M)}1577836980000,7177.93\n`);
    await expect(convert({ path: short, ...mark })).rejects.toThrow(`${short}: line 4: expected 12 fields like the first line, got 2`);
  });
});

describe('zip archives', () => {
  test('a daily archive zip, recognised by content whatever its name, rows named by member and line', async () => {
    const zip = file('download.bin', await zipOf([['BTCUSDT-1m-2020-01-01.csv', text(UM_1M)]]));
    const { part } = await convert({ path: zip, ...mark });
    expect(Array.from(part.values)).toEqual([7182.44, 7179.01, 7177.93]);
    expect(part.note).toBe('close at candle close (open time + 1m, from close_time)');
    expect(part.rowPath(1)).toBe('close, BTCUSDT-1m-2020-01-01.csv line 2');
  });

  test('many CSV members are one input, in member order; other members are passed over; the interval is inferred once', async () => {
    const [r1, r2, r3] = text(UM_1M).trim().split('\n');
    const header = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
    const zip = file('many.zip', await zipOf([['a/first.csv', `${r1}\n${r2}\n`], ['README.txt', 'not data'], ['a/second.CSV', `${header}\n${r3}\n`]]));
    const { part } = await convert({ path: zip, ...mark });
    expect(Array.from(part.times, iso)).toEqual(['2020-01-01T00:01:00.000Z', '2020-01-01T00:02:00.000Z', '2020-01-01T00:03:00.000Z']);
    expect(part.rowPath(2)).toBe('close, a/second.CSV line 2');
    const bad = file('bad-member.zip', await zipOf([['a.csv', `${r1}\n`], ['b.csv', `${header}\n${r3!.replace('7177.93', 'x')}\n`]]));
    await expect(convert({ path: bad, ...mark }, { at: 'open' })).rejects.toThrow(`${bad}: close, b.csv line 2: expected a number, got "x"`);
  });

  test('no CSV member, an encrypted member, an unsupported method, a truncated archive', async () => {
    const none = file('none.zip', await zipOf([['notes.txt', 'hello']]));
    await expect(convert({ path: none, ...mark })).rejects.toThrow(`${none}: (document): expected a zip archive holding a .csv member, got members "notes.txt"`);
    const good = await zipOf([['BTCUSDT-1m-2020-01-01.csv', text(UM_1M)]]);
    const encrypted = file('encrypted.zip', patchZip(good, 'flags', 1));
    await expect(convert({ path: encrypted, ...mark })).rejects.toThrow(`${encrypted}: BTCUSDT-1m-2020-01-01.csv: expected an unencrypted member, got an encrypted one`);
    const bzip2 = file('bzip2.zip', patchZip(good, 'method', 12));
    await expect(convert({ path: bzip2, ...mark })).rejects.toThrow(`${bzip2}: BTCUSDT-1m-2020-01-01.csv: expected a member stored or deflated (zip methods 0 and 8), got compression method 12`);
    const truncated = file('truncated.zip', good.subarray(0, Math.floor(good.length / 2)));
    await expect(convert({ path: truncated, ...mark })).rejects.toThrow(`${truncated}: (document): expected a complete zip archive (its central directory at the end), got a truncated or damaged zip`);
  });
});

describe('Parquet files (polars, snappy and zstd)', () => {
  // The first 24 rows of SOLUSDT_1h_2024-09-20_2024-11-01.csv.
  test('snappy: a Datetime(ms) column and a plain int64 of ms give the same candles', async () => {
    const { part } = await convert({ path: SNAPPY, ...mark });
    expect(part.times.length).toBe(24);
    expect([iso(part.times[0]), part.values[0]]).toEqual(['2024-09-20T16:00:00.000Z', 147.88]);
    expect([iso(part.times[23]), part.values[23]]).toEqual(['2024-09-21T15:00:00.000Z', 149.03]);
    expect(part.note).toBe('close at candle close (open time + 1h, inferred)');
    expect(part.rowPath(23)).toBe('close, row 24');
    const plain = await convert({ path: SNAPPY, ...mark }, { timeColumn: 'open_time' });
    expect(plain.part.times).toEqual(part.times);
    const csv = await convertSeriesFiles([{ path: `${REAL}SOLUSDT_1h_2024-09-20_2024-11-01.csv`, ...mark }], { extremes: true });
    const fromParquet = await convert({ path: SNAPPY, ...mark }, { extremes: true });
    expect(fromParquet.table.highs).toEqual(csv.table.highs!.subarray(0, 24));
  });

  test('zstd: Datetime(ns), Datetime(us) and a plain int64 of ns agree; an int64 value column', async () => {
    const ns = await convert({ path: ZSTD, ...mark });
    const us = await convert({ path: ZSTD, ...mark }, { timeColumn: 'time_us' });
    const plain = await convert({ path: ZSTD, ...mark }, { timeColumn: 'open_time_ns' });
    expect(iso(ns.part.times[0])).toBe('2024-09-20T16:00:00.000Z');
    expect(us.part.times).toEqual(ns.part.times);
    expect(plain.part.times).toEqual(ns.part.times);
    const volume = await convert({ path: ZSTD, symbol: 'SOLUSDT', kind: 'index', column: 'volume' }, { at: 'open' });
    expect(Array.from(volume.part.values.subarray(0, 2))).toEqual([197950, 125772]);
  });

  test('a Parquet file cut before its footer', async () => {
    const bytes = readFileSync(SNAPPY);
    const cut = file('cut.parquet', bytes.subarray(0, bytes.length - 100));
    await expect(convert({ path: cut, ...mark })).rejects.toThrow(`${cut}: (document): expected a Parquet file ending with its footer ("PAR1"), got a file that opens like Parquet but has no footer (truncated?)`);
  });
});

describe('files that cannot be what they claim', () => {
  test('gzip-compressed CSV (Tardis.dev ships .csv.gz) is decompressed as it streams; a truncated one is an error', async () => {
    const packed = gzipSync(Buffer.from(text(UM_1M)));
    const gz = file('BTCUSDT-1m.csv.gz', packed);
    const { part } = await convert({ path: gz, ...mark });
    expect(Array.from(part.values)).toEqual([7182.44, 7179.01, 7177.93]);
    const cut = file('cut.csv.gz', packed.subarray(0, packed.length - 12));
    await expect(convert({ path: cut, ...mark })).rejects.toThrow(`${cut}: (document): expected a whole gzip file, got unexpected end of file (truncated or corrupt?)`);
  });

  test('bzip2 data given as CSV says what it looks like', async () => {
    const bz = file('x.csv', Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26]));
    await expect(convert({ path: bz, ...mark })).rejects.toThrow(`${bz}: (document): expected CSV text, got bytes that look like bzip2 data`);
  });

  test('bytes that are not UTF-8', async () => {
    const latin1 = file('latin1.csv', Buffer.concat([Buffer.from('time,close\n2021-11-18 00:00:00,1\n'), Buffer.from([0x43, 0xe9, 0x2c, 0x31, 0x0a])]));
    await expect(convert({ path: latin1, ...mark })).rejects.toThrow(`${latin1}: line 3: expected CSV text in UTF-8, got bytes that are not UTF-8 text`);
  });
});

describe('big files stream in chunks', () => {
  const rows = 70_000;
  const T0 = 1_577_836_800_000;
  const big = (bad?: number) => {
    let csv = 'time,close\n';
    for (let i = 0; i < rows; i++) csv += `${T0 + i * MIN},${i === bad ? 'oops' : 100 + (i % 7)}\n`;
    return csv;
  };

  test('70,000 rows cross chunk boundaries (8,192 rows): every row kept, lines named across chunks', async () => {
    const { part } = await convert({ path: file('big.csv', big()), ...mark });
    expect(part.times.length).toBe(rows);
    expect(part.times[rows - 1]).toBe(T0 + rows * MIN);
    expect(part.values[65_536]).toBe(100 + (65_536 % 7));
    expect(part.rowPath(65_536)).toBe('close, line 65538');
    expect(part.note).toBe('close at candle close (open time + 1m, inferred)');
  });

  test('a long table across chunks: symbols first seen in a later chunk keep their names', async () => {
    let csv = 'time,symbol,kind,value\n';
    for (let i = 0; i < rows; i++) csv += `${T0 + i * MIN},${i < 65_536 ? 'A' : i % 2 === 0 ? 'B' : 'A'},index,${i < 65_536 ? 1 : i % 2 === 0 ? 2 : 3}\n`;
    const { table } = await convertSeriesFiles([{ path: file('long-table.csv', csv) }]);
    expect(table.symbols).toEqual(['A', 'B']);
    const at = (i: number) => [table.symbols[table.symbolIds[i]!], table.values[i]];
    expect([at(0), at(65_535), at(65_536), at(65_537)]).toEqual([['A', 1], ['A', 1], ['B', 2], ['A', 3]]);
  });

  test('an error in a later chunk names its real line', async () => {
    const path = file('big-bad.csv', big(66_000));
    await expect(convert({ path, ...mark })).rejects.toThrow(`${path}: close, line 66002: expected a number, got "oops"`);
  });

  test('a record over 1 MiB is refused', async () => {
    const path = file('long.csv', `time,close\n"${'x'.repeat(1_100_000)}",1\n`);
    await expect(convert({ path, ...mark })).rejects.toThrow(`${path}: line 2: expected a record of at most 1048576 characters, got a longer one (no line break, or an unclosed double quote)`);
  });
});

describe('the incremental CSV reader', () => {
  test('records and lines are the same however the text is cut', () => {
    const csv = 'a,b\r\n"x, ""y""",2\r\n\r\n"multi\nline",3\n4,"5"\n';
    const whole: CsvRecords = { records: [], lines: [] };
    new CsvRecordReader('q.csv').push(csv, true, whole);
    expect(whole).toEqual({ records: [['a', 'b'], ['x, "y"', '2'], ['multi\nline', '3'], ['4', '5']], lines: [1, 2, 4, 6] });
    for (let cut = 0; cut <= csv.length; cut++) {
      const out: CsvRecords = { records: [], lines: [] };
      const reader = new CsvRecordReader('q.csv');
      reader.push(csv.slice(0, cut), false, out);
      reader.push(csv.slice(cut), true, out);
      expect(out, `cut at ${cut}`).toEqual(whole);
    }
  });
});

describe('a long table as Parquet, over several row groups (hyparquet-writer)', () => {
  test('string symbol and kind columns, a TIMESTAMP time column; rows named across row groups', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const T0 = Date.UTC(2024, 8, 20, 15);
    const write = (name: string, last: number) => file(name, new Uint8Array(parquetWriteBuffer({
      rowGroupSize: 2,
      columnData: [
        { name: 'time', data: [0, 0, 1, 1, 2].map((h) => new Date(T0 + h * 3_600_000)), type: 'TIMESTAMP' },
        { name: 'symbol', data: ['SOLUSDT', 'SOL', 'SOLUSDT', 'SOL', 'SOLUSDT'], type: 'STRING' },
        { name: 'kind', data: ['mark', 'index', 'mark', 'index', 'mark'], type: 'STRING' },
        { name: 'value', data: [147.88, 147.8, 147.66, 147.6, last], type: 'DOUBLE' },
      ],
    })));
    const { table } = await convertSeriesFiles([{ path: write('long-good.parquet', 147.85) }]);
    expect(table.symbols).toEqual(['SOLUSDT', 'SOL']);
    expect(Array.from(table.values)).toEqual([147.88, 147.8, 147.66, 147.6, 147.85]);
    expect(iso(table.times[4])).toBe('2024-09-20T17:00:00.000Z');
    const bad = write('long-bad.parquet', -1);
    await expect(convert({ path: bad })).rejects.toThrow(`${bad}: value, row 5: expected a price > 0 for kind mark, got -1`);
  });
});
