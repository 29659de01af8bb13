import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SERIES_KIND_CODE } from '../../../src/domain/series.js';
import { runConvert } from '../../../src/cli/convert.js';
import { readSeriesArrow } from '../../../src/io/arrow/series.js';
import { convertSeriesFiles, extractSeriesPart, type ConvertSeriesOptions, type SeriesInput } from '../../../src/io/convert/series.js';

// Real data written by pandas/pyarrow (see test/fixtures/real/README.md). Every expected
// number below was read from the files once (apache-arrow + lz4js, or the CSV text) and is
// quoted with where it comes from.
const REAL = 'test/fixtures/real/';
const MARK_8H = `${REAL}XRP_USDT_USDT-8h-mark.feather`;
const FUNDING_8H = `${REAL}XRP_USDT_USDT-8h-funding_rate.feather`;
const MARK_1H = `${REAL}XRP_USDT_USDT-1h-mark.feather`;
const FUTURES_5M = `${REAL}XRP_USDT_USDT-5m-futures.feather`;
const SOL_CSV = `${REAL}SOLUSDT_1h_2024-09-20_2024-11-01.csv`;

const iso = (ms: number | undefined) => new Date(ms!).toISOString();
const HOUR = 3_600_000;

function part(input: SeriesInput, options: ConvertSeriesOptions = {}) {
  return extractSeriesPart(new Uint8Array(readFileSync(input.path)), input, options);
}

describe('freqtrade Feather files (pyarrow, LZ4-frame compressed)', () => {
  test('8h mark: 91 candles; close stamped at the candle end by default', () => {
    const p = part({ path: MARK_8H, symbol: 'XRPUSDT', kind: 'mark' });
    expect(p.times.length).toBe(91);
    // First candle: date 2021-11-18T00:00Z, close 1.1074 → observed at 08:00.
    expect([iso(p.times[0]), p.values[0]]).toEqual(['2021-11-18T08:00:00.000Z', 1.1074]);
    // Last candle: date 2021-12-18T00:00Z, close 0.8124.
    expect([iso(p.times[90]), p.values[90]]).toEqual(['2021-12-18T08:00:00.000Z', 0.8124]);
    expect(p.note).toBe('close at candle close (open time + 8h, inferred)');
  });

  test('8h mark with --at open and the open column: the candle timestamps themselves', () => {
    const p = part({ path: MARK_8H, symbol: 'XRPUSDT', kind: 'mark', column: 'open' });
    // First candle's open is 1.0959 at 2021-11-18T00:00Z; the crash candle (lowest low 0.5764) opens 2021-12-04T00:00Z.
    expect([iso(p.times[0]), p.values[0]]).toEqual(['2021-11-18T00:00:00.000Z', 1.0959]);
    const low = part({ path: MARK_8H, symbol: 'XRPUSDT', kind: 'mark', column: 'low' }, { at: 'open' });
    const lowest = low.values.indexOf(Math.min(...low.values));
    expect([iso(low.times[lowest]), low.values[lowest]]).toEqual(['2021-12-04T00:00:00.000Z', 0.5764]);
  });

  test('8h funding: 91 realized rates from `open`, at times with millisecond jitter', () => {
    const p = part({ path: FUNDING_8H, symbol: 'XRPUSDT', kind: 'funding' });
    expect(p.times.length).toBe(91);
    expect(p.note).toBe('open at candle open');
    expect([iso(p.times[0]), p.values[0]]).toEqual(['2021-11-18T00:00:00.017Z', 0.0001]);
    expect([iso(p.times[90]), p.values[90]]).toEqual(['2021-12-18T00:00:00.014Z', 0.0001]);
    // The 4 Dec 2021 crash: the only large negative rate.
    const crash = p.values.indexOf(Math.min(...p.values));
    expect([iso(p.times[crash]), p.values[crash]]).toEqual(['2021-12-04T08:00:00.004Z', -0.0021933400000000002]);
    // Jitter: 59 of the 91 funding times are 1–19 ms after the 8h funding hour, none before it.
    const lateMs = Array.from(p.times, (t) => t % (8 * HOUR));
    expect(lateMs.filter((ms) => ms > 0).length).toBe(59);
    expect(Math.max(...lateMs)).toBe(19);
  });

  test('--round-to 1s snaps the funding times onto the 8h grid', async () => {
    const { table } = await convertSeriesFiles([{ path: FUNDING_8H, symbol: 'XRPUSDT', kind: 'funding' }], { roundToMs: 1000 });
    expect(Array.from(table.times).every((t) => t % (8 * HOUR) === 0)).toBe(true);
    expect(iso(table.times[0])).toBe('2021-11-18T00:00:00.000Z');
  });

  test('5m futures: 1,999 candles, 2021-11-15 00:00 → 2021-11-21 22:30 (open times)', () => {
    const p = part({ path: FUTURES_5M, symbol: 'XRPUSDT', kind: 'mark' });
    expect(p.times.length).toBe(1999);
    // First close 1.1941 (candle 00:00–00:05), last close 1.0713 (candle 22:30–22:35).
    expect([iso(p.times[0]), p.values[0]]).toEqual(['2021-11-15T00:05:00.000Z', 1.1941]);
    expect([iso(p.times[1998]), p.values[1998]]).toEqual(['2021-11-21T22:35:00.000Z', 1.0713]);
    expect(p.note).toBe('close at candle close (open time + 5m, inferred)');
  });

  test('1h mark: its volume column is all null, which is an error unless skipped', () => {
    expect(() => part({ path: MARK_1H, symbol: 'XRPUSDT', kind: 'mark', column: 'volume' })).toThrow(`${MARK_1H}: volume, row 1: expected a number, got null`);
    const skipped = part({ path: MARK_1H, symbol: 'XRPUSDT', kind: 'mark', column: 'volume' }, { skipMissing: true, intervalMs: HOUR });
    expect([skipped.times.length, skipped.skipped]).toEqual([0, 100]);
    const close = part({ path: MARK_1H, symbol: 'XRPUSDT', kind: 'mark' });
    // 100 candles 2021-11-15 06:00 → 2021-11-19 09:00; closes 1.21431 and 1.06051.
    expect([close.times.length, iso(close.times[0]), close.values[0], iso(close.times[99]), close.values[99]]).toEqual([
      100, '2021-11-15T07:00:00.000Z', 1.21431, '2021-11-19T10:00:00.000Z', 1.06051,
    ]);
  });
});

describe('backtesting.py SOLUSDT CSV (timestamp,Open,High,Low,Close,Volume; UTC text times)', () => {
  test('1,000 hourly candles; Close found whatever its case', () => {
    const p = part({ path: SOL_CSV, symbol: 'SOLUSDT', kind: 'mark' });
    expect(p.times.length).toBe(1000);
    // Line 2: 2024-09-20 15:00:00 … Close 147.88; line 1001: 2024-11-01 06:00:00 … Close 165.46.
    expect([iso(p.times[0]), p.values[0]]).toEqual(['2024-09-20T16:00:00.000Z', 147.88]);
    expect([iso(p.times[999]), p.values[999]]).toEqual(['2024-11-01T07:00:00.000Z', 165.46]);
    const open = part({ path: SOL_CSV, symbol: 'SOL', kind: 'index', column: 'open' });
    expect([iso(open.times[0]), open.values[0]]).toEqual(['2024-09-20T15:00:00.000Z', 147.81]);
  });
});

describe('pmbt convert series on the real files', () => {
  test('mark + funding merge into one time-sorted series file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pmbt-convert-')), 'xrp.arrow');
    const report = await runConvert(['series', '--input', `${MARK_8H}:XRPUSDT:mark`, '--input', `${FUNDING_8H}:XRPUSDT:funding`, '--out', out]);
    expect(report.split('\n').slice(1)).toEqual([
      `  ${MARK_8H}: 91 rows (close at candle close (open time + 8h, inferred))`,
      `  ${FUNDING_8H}: 91 rows (open at candle open)`,
      '  XRPUSDT funding: 91 rows, 2021-11-18T00:00:00.017Z → 2021-12-18T00:00:00.014Z',
      '  XRPUSDT mark: 91 rows, 2021-11-18T08:00:00.000Z → 2021-12-18T08:00:00.000Z',
      '',
    ]);
    const table = readSeriesArrow(new Uint8Array(readFileSync(out)), out);
    expect(table.times.length).toBe(182);
    expect(table.symbols).toEqual(['XRPUSDT']);
    // Funding 08:00:00.007 comes after the first mark (08:00:00.000): times, not file order, decide.
    expect(Array.from(table.kinds.subarray(0, 3))).toEqual([SERIES_KIND_CODE.funding, SERIES_KIND_CODE.mark, SERIES_KIND_CODE.funding]);
    expect(iso(table.times[2])).toBe('2021-11-18T08:00:00.007Z');
  });

  test('several symbols: XRP 5m futures as mark, SOL CSV as mark, single --input with --symbol/--kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmbt-convert-'));
    const out = join(dir, 'two.arrow');
    await runConvert(['series', '--input', `${FUTURES_5M}:XRPUSDT:mark:close`, '--input', `${SOL_CSV}:SOLUSDT:mark:Close`, '--out', out]);
    const table = readSeriesArrow(new Uint8Array(readFileSync(out)), out);
    expect(table.times.length).toBe(2999);
    expect(table.symbols).toEqual(['XRPUSDT', 'SOLUSDT']);
    const single = join(dir, 'one.arrow');
    const report = await runConvert(['series', '--input', FUNDING_8H, '--symbol', 'XRPUSDT', '--kind', 'funding', '--round-to', '1s', '--out', single]);
    expect(report).toContain('  times rounded to 1s\n');
    expect(readSeriesArrow(new Uint8Array(readFileSync(single)), single).times[0]).toBe(Date.UTC(2021, 10, 18));
  });
});
