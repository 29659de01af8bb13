import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Table, tableToIPC, TimestampSecond, vectorFromArray, makeData, Field, Schema, RecordBatch, Struct, Utf8 } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { parseSeriesInputSpec, runConvert } from '../../../src/cli/convert.js';
import { UsageError } from '../../../src/cli/usage.js';
import { readSeriesArrow } from '../../../src/io/arrow/series.js';
import { parseCsv } from '../../../src/io/convert/csv.js';
import { convertSeriesFiles, extractSeriesPart, type ConvertSeriesOptions, type SeriesInput } from '../../../src/io/convert/series.js';
import { parseDateTimeText, parseDuration } from '../../../src/io/convert/time-text.js';

const T0 = Date.UTC(2021, 10, 18); // 2021-11-18T00:00:00Z
const dir = mkdtempSync(join(tmpdir(), 'pmbt-convert-series-'));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const bytesOf = (text: string) => new TextEncoder().encode(text);
const extract = (text: string | Uint8Array, input: Omit<SeriesInput, 'path'> & { path?: string }, options: ConvertSeriesOptions = {}) =>
  extractSeriesPart(typeof text === 'string' ? bytesOf(text) : text, { path: 'x.csv', ...input }, options);
const mark = { symbol: 'BTCUSDT', kind: 'mark' } as const;

describe('candle CSV', () => {
  const csv = 'timestamp,Open,High,Low,Close,Volume\n2021-11-18 00:00:00,10,12,9,11,5\n2021-11-18 01:00:00,11,13,10,12,6\n2021-11-18 03:00:00,12,14,11,13,7\n';

  test('close at candle close, interval from the most common spacing (a gap does not fool it)', () => {
    const p = extract(csv, mark);
    expect(Array.from(p.times)).toEqual([T0 + 3_600_000, T0 + 7_200_000, T0 + 14_400_000]);
    expect(Array.from(p.values)).toEqual([11, 12, 13]);
  });

  test('--at open, --interval, other columns', () => {
    expect(Array.from(extract(csv, mark, { at: 'open' }).times)).toEqual([T0, T0 + 3_600_000, T0 + 10_800_000]);
    expect(Array.from(extract(csv, mark, { intervalMs: 60_000 }).times)).toEqual([T0 + 60_000, T0 + 3_660_000, T0 + 10_860_000]);
    expect(Array.from(extract(csv, { ...mark, column: 'OPEN' }).times)).toEqual([T0, T0 + 3_600_000, T0 + 10_800_000]);
    expect(Array.from(extract(csv, { ...mark, column: 'high' }).values)).toEqual([12, 13, 14]);
  });

  test('epoch seconds, milliseconds and nanoseconds (exact) are told apart by size', () => {
    const s = extract('time,close\n1637193600,1\n1637193660,2\n', mark, { at: 'open' });
    expect(Array.from(s.times)).toEqual([T0, T0 + 60_000]);
    const ms = extract('time,close\n1637193600017,1\n', mark, { at: 'open' });
    expect(Array.from(ms.times)).toEqual([T0 + 17]);
    const ns = extract('time,close\n1637193600017999999,1\n', mark, { at: 'open' });
    expect(Array.from(ns.times)).toEqual([T0 + 17]);
    const forced = extract('time,close\n1637193600017,1\n', mark, { at: 'open', timeUnit: 'us' });
    expect(Array.from(forced.times)).toEqual([1_637_193_600]);
  });

  test('ISO times with zones, quoted cells', () => {
    const q = extract('date,close\n"2021-11-18T02:00:00+02:00",1.5\n2021-11-18T00:00:01.5Z,2\n', mark, { at: 'open' });
    expect(Array.from(q.times)).toEqual([T0, T0 + 1500]);
  });

  test('funding defaults to the rate column, or open, stamped at the row time; rates may be ≤ 0', () => {
    const p = extract('date,open,high,low,close,volume\n2021-11-18 00:00:00.017,-0.002,0,0,0,0\n', { symbol: 'XRPUSDT', kind: 'funding' });
    expect([Array.from(p.times), Array.from(p.values)]).toEqual([[T0 + 17], [-0.002]]);
    const q = extract('fundingTime,fundingRate,markPrice\n1637193600017,0.0001,1.1\n', { symbol: 'XRPUSDT', kind: 'funding' }, { timeColumn: 'fundingTime' });
    expect([Array.from(q.times), Array.from(q.values)]).toEqual([[T0 + 17], [0.0001]]);
  });

  test('--skip-missing drops empty and NaN values', () => {
    const p = extract('time,close\n1637193600,\n1637193660,NaN\n1637193720,3\n', mark, { at: 'open', skipMissing: true });
    expect([Array.from(p.times), Array.from(p.values), p.skipped]).toEqual([[T0 + 120_000], [3], 2]);
  });
});

describe('long tables in CSV, JSON, JSON Lines and Arrow', () => {
  const rows = [
    { time: '2021-11-18T00:00:00Z', symbol: 'BTC', kind: 'index', value: 40000 },
    { time: '2021-11-18T00:00:00Z', symbol: 'BTCUSDT', kind: 'mark', value: '40010' },
    { time: 1637193600017, symbol: 'BTCUSDT', kind: 'funding', value: -0.0001 },
  ];
  const expected = { times: [T0, T0, T0 + 17], symbols: ['BTC', 'BTCUSDT'], kinds: [0, 1, 2], values: [40000, 40010, -0.0001] };
  const summary = (p: ReturnType<typeof extract>) => ({ times: Array.from(p.times), symbols: p.symbols, kinds: Array.from(p.kinds), values: Array.from(p.values) });

  test('CSV', () => {
    expect(summary(extract('Time,Symbol,Kind,Value\n2021-11-18 00:00:00,BTC,index,40000\n2021-11-18 00:00:00,BTCUSDT,mark,40010\n2021-11-18 00:00:00.017,BTCUSDT,funding,-0.0001\n', {}))).toEqual(expected);
  });

  test('JSON array and JSON Lines', () => {
    expect(summary(extract(JSON.stringify(rows), {}))).toEqual(expected);
    expect(summary(extract(rows.map((r) => JSON.stringify(r)).join('\n'), {}))).toEqual(expected);
  });

  test('Arrow with second timestamps and plain strings', () => {
    const t = new Table({
      time: vectorFromArray([new Date(T0), new Date(T0), new Date(T0 + 1000)], new TimestampSecond('UTC')),
      symbol: vectorFromArray(['BTC', 'BTCUSDT', 'BTCUSDT'], new Utf8()),
      kind: vectorFromArray(['index', 'mark', 'funding'], new Utf8()),
      value: vectorFromArray([40000, 40010, -0.0001], new Float64()),
    });
    expect(summary(extract(tableToIPC(t, 'file'), {}))).toEqual({ ...expected, times: [T0, T0, T0 + 1000] });
  });
});

describe('bar highs and lows', () => {
  test('a long table with high and low columns keeps them (empty where a row has none)', () => {
    const p = extract('time,symbol,kind,value,high,low\n2021-11-18 00:00:00,BTC,index,40000,40100,39000\n2021-11-18 00:00:00,BTCUSDT,funding,-0.0001,,\n', {});
    expect([Array.from(p.highs!), Array.from(p.lows!)]).toEqual([[40100, Number.NaN], [39000, Number.NaN]]);
    expect(p.note).toBe('long table (time, symbol, kind, value, high, low)');
    expect(() => extract('time,symbol,kind,value,high,low\n2021-11-18 00:00:00,BTC,index,40000,39999,39000\n', {})).toThrow(/^x\.csv: high, line 2: expected a finite number ≥ the row's value 40000, got 39999$/);
    expect(() => extract('time,symbol,kind,value,high\n2021-11-18 00:00:00,BTC,index,40000,40100\n', {})).toThrow(/^x\.csv: low: expected a column "low"/);
  });

  test("a candle's high and low when asked for (extremes), not otherwise", () => {
    const csv = 'timestamp,Open,High,Low,Close\n2021-11-18 00:00:00,10,12,9,11\n2021-11-18 01:00:00,11,13,10,12\n';
    expect(extract(csv, mark).highs).toBeUndefined();
    const q = extract(csv, mark, { extremes: true });
    expect([Array.from(q.highs ?? []), Array.from(q.lows ?? [])]).toEqual([[12, 13], [9, 10]]);
  });

  test('merged into one table with NaN where a part has none; a table of closes stays without them', async () => {
    const a = file('ext-a.csv', 'time,symbol,kind,value,high,low\n2021-11-18 00:00:01,BTC,index,2,3,1\n');
    const b = file('ext-b.csv', 'time,symbol,kind,value\n2021-11-18 00:00:00,ETH,index,4\n');
    const { table } = await convertSeriesFiles([{ path: a }, { path: b }]);
    expect([Array.from(table.highs!), Array.from(table.lows!)]).toEqual([[Number.NaN, 3], [Number.NaN, 1]]);
    expect((await convertSeriesFiles([{ path: b }])).table.highs).toBeUndefined();
  });
});

describe('merging inputs', () => {
  test('sorts by time, stably: equal times keep input order', async () => {
    const a = file('a.csv', 'time,symbol,kind,value\n2021-11-18 00:00:02,A,index,1\n2021-11-18 00:00:01,B,index,2\n');
    const b = file('b.csv', 'time,symbol,kind,value\n2021-11-18 00:00:01,C,index,3\n2021-11-18 00:00:00,D,index,4\n');
    const { table } = await convertSeriesFiles([{ path: a }, { path: b }]);
    expect(Array.from(table.symbolIds, (id) => table.symbols[id])).toEqual(['D', 'B', 'C', 'A']);
  });

  test('the same row twice is kept once; the same time, symbol and kind with another value is an error', async () => {
    const a = file('dup-a.csv', 'time,close\n2021-11-18 00:00:00,10\n2021-11-18 01:00:00,11\n');
    const same = file('dup-same.csv', 'time,close\n2021-11-18 01:00:00,11\n');
    const other = file('dup-other.csv', 'time,close\n2021-11-18 01:00:00,12\n');
    const merged = await convertSeriesFiles([{ path: a, ...mark }, { path: same, ...mark }], { at: 'open' });
    expect([merged.table.times.length, merged.duplicatesDropped]).toEqual([2, 1]);
    await expect(convertSeriesFiles([{ path: a, ...mark }, { path: other, ...mark }], { at: 'open' })).rejects.toThrow(
      `${other}: close, line 2: expected one value per time, symbol and kind (${a} close, line 3 has 11 for BTCUSDT mark at 2021-11-18T01:00:00.000Z), got 12`,
    );
  });
});

describe('malformed inputs name the file, the column and the row', () => {
  const header = 'timestamp,Open,High,Low,Close,Volume\n';
  const cases: [string, string, Omit<SeriesInput, 'path'>, string][] = [
    ['a bad text time', `${header}2021-11-18 00:00:00,1,1,1,1,1\n2021-13-01 00:00:00,1,1,1,1,1\n`, mark,
      'x.csv: timestamp, line 3: expected a time: YYYY-MM-DD HH:MM:SS (UTC), ISO 8601, or epoch seconds/ms/us/ns, got "2021-13-01 00:00:00"'],
    ['a missing time', `${header}2021-11-18 00:00:00,1,1,1,1,1\n,1,1,1,1,1\n`, mark,
      'x.csv: timestamp, line 3: expected a time: YYYY-MM-DD HH:MM:SS (UTC), ISO 8601, or epoch seconds/ms/us/ns, got nothing'],
    ['a time before 1970', `${header}-5,1,1,1,1,1\n`, mark, 'x.csv: timestamp, line 2: expected a time from 1970 on (at most 8.64e15 ms), got -5 s'],
    ['a value that is not a number', `${header}2021-11-18 00:00:00,1,1,1,abc,1\n`, mark, 'x.csv: Close, line 2: expected a number, got "abc"'],
    ['a missing value', `${header}2021-11-18 00:00:00,1,1,1,,1\n`, mark, 'x.csv: Close, line 2: expected a number, got nothing'],
    ['a price of zero', `${header}2021-11-18 00:00:00,1,1,1,1,1\n2021-11-18 01:00:00,1,1,1,0,1\n`, mark, 'x.csv: Close, line 3: expected a price > 0 for kind mark, got 0'],
    ['an infinite rate', `${header}2021-11-18 00:00:00,1e999,1,1,1,1\n`, { symbol: 'X', kind: 'funding' }, 'x.csv: Open, line 2: expected a finite number, got Infinity'],
    ['a short record', `${header}2021-11-18 00:00:00,1,1,1,1,1\n2021-11-18 01:00:00,1,1,1,1\n`, mark, 'x.csv: line 3: expected 6 fields like the header, got 5'],
    ['an unclosed quote', `${header}"2021-11-18 00:00:00,1,1,1,1,1\n`, mark, 'x.csv: line 2: expected a closing double quote, got end of file'],
    ['no time column', 'when,close\n1,2\n', mark, 'x.csv: time: expected a time column (one of time, date, timestamp, datetime, open_time, opentime, open time, calc_time, fundingTime, funding_time; or --time-column), got columns when, close'],
    ['no such value column', `${header}2021-11-18 00:00:00,1,1,1,1,1\n`, { ...mark, column: 'last' }, 'x.csv: last: expected a column "last", got columns timestamp, Open, High, Low, Close, Volume'],
    ['one candle and no interval', `${header}2021-11-18 00:00:00,1,1,1,1,1\n`, mark, 'x.csv: timestamp: expected two or more candles to infer the interval from (or give --interval), got 1 row(s)'],
    ['an empty file', '', mark, 'x.csv: line 1: expected a header line naming the columns, got an empty file'],
    ['a long table with an unknown kind', 'time,symbol,kind,value\n2021-11-18 00:00:00,BTC,index,1\n2021-11-18 00:00:00,BTC,last,1\n', {}, 'x.csv: kind, line 3: expected one of index, mark, funding, got "last"'],
    ['a long table with an empty symbol', 'time,symbol,kind,value\n2021-11-18 00:00:00,,index,1\n', {}, 'x.csv: symbol, line 2: expected a symbol, got ""'],
    ['a candle file without a symbol', `${header}2021-11-18 00:00:00,1,1,1,1,1\n`, {}, 'x.csv: (document): expected the series this candle file holds: FILE:SYMBOL:KIND (e.g. BTCUSDT-1m-2024-03-01.zip:BTCUSDT:mark) or --symbol and --kind, got candles with columns timestamp, Open, High, Low, Close, Volume'],
    ['a JSON Lines record with a bad value', '{"time":1637193600000,"symbol":"A","kind":"index","value":1}\n{"time":1637193600000,"symbol":"A","kind":"mark","value":"x"}\n', {}, 'x.csv: value, line 2: expected a number, got "x"'],
    ['a JSON array record with a bad time', '[{"time":"yesterday","symbol":"A","kind":"index","value":1}]', {}, 'x.csv: time, row 1: expected a time: YYYY-MM-DD HH:MM:SS (UTC), ISO 8601, or epoch seconds/ms/us/ns, got "yesterday"'],
    ['a JSON Lines line that is not JSON', '{"time":1,"symbol":"A","kind":"index","value":1}\n{"time":\n', {}, 'x.csv: line 2: expected one JSON record per line, got '],
  ];
  test.each(cases)('%s', (_, text, input, message) => {
    expect(() => extract(text, input)).toThrow(message);
  });

  test('an Arrow candle file with a null close', () => {
    const fields = [new Field('date', new TimestampSecond('UTC'), true), new Field('close', new Float64(), true)];
    const schema = new Schema(fields);
    const children = [vectorFromArray([new Date(T0), new Date(T0 + 1000)], new TimestampSecond('UTC')).data[0]!, vectorFromArray([1, null], new Float64()).data[0]!];
    const bytes = tableToIPC(new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(fields), length: 2, nullCount: 0, children }))]), 'file');
    expect(() => extract(bytes, { ...mark, path: 'c.feather' })).toThrow('c.feather: close, row 2: expected a number, got null');
  });

  test('a file read whole over the size limit (a streamed CSV has none), and a missing file', async () => {
    const big = file('big.json', '[{"time":1637193600000}]');
    await expect(convertSeriesFiles([{ path: big }], { maxInputBytes: 10 })).rejects.toThrow(`${big}: (document): expected a file of at most 10 bytes, got 24 bytes`);
    const csv = file('big.csv', 'time,symbol,kind,value\n2021-11-18 00:00:00,BTC,index,1\n');
    expect((await convertSeriesFiles([{ path: csv }], { maxInputBytes: 10 })).table.values).toEqual(new Float64Array([1]));
    await expect(convertSeriesFiles([{ path: join(dir, 'nope.csv') }])).rejects.toThrow(`${join(dir, 'nope.csv')}: (document): expected a readable file, got no such file`);
  });
});

describe('pmbt convert series: command line', () => {
  test('--input specs are read from the right, so paths may contain colons', () => {
    expect(parseSeriesInputSpec('a.feather')).toEqual({ path: 'a.feather' });
    expect(parseSeriesInputSpec('a.feather:XRPUSDT:mark')).toEqual({ path: 'a.feather', symbol: 'XRPUSDT', kind: 'mark' });
    expect(parseSeriesInputSpec('a.feather:XRPUSDT:funding:open')).toEqual({ path: 'a.feather', symbol: 'XRPUSDT', kind: 'funding', column: 'open' });
    expect(parseSeriesInputSpec('C:\\data\\x.csv:BTC:index')).toEqual({ path: 'C:\\data\\x.csv', symbol: 'BTC', kind: 'index' });
    expect(parseSeriesInputSpec('odd:name.csv')).toEqual({ path: 'odd:name.csv' });
  });

  test.each([
    [['series', '--out', 'x.arrow'], '--input is required'],
    [['series', '--input', 'a.csv'], '--out is required'],
    [['series', '--input', 'a.csv', '--out', 'x', '--symbol', 'A'], 'give --symbol and --kind together'],
    [['series', '--input', 'a.csv', '--out', 'x', '--symbol', 'A', '--kind', 'last'], '--kind must be one of index, mark, funding, got last'],
    [['series', '--input', 'a.csv', '--out', 'x', '--at', 'middle'], '--at must be open or close, got middle'],
    [['series', '--input', 'a.csv', '--out', 'x', '--interval', '8 hours'], '--interval must be a duration such as 5m, 1h, 8h or 1d, got 8 hours'],
    [['series', '--input', 'a.csv', '--out', 'x', '--time-unit', 'days'], '--time-unit must be one of s, ms, us, ns, got days'],
    [['prices'], 'unknown conversion "prices" (series or portfolios)'],
    [[], 'say what to convert: series or portfolios'],
  ])('%j → UsageError', async (argv, message) => {
    const run = runConvert(argv);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(message);
  });

  test('writes the series file and reports it; a failed run leaves no output behind', async () => {
    const input = file('cli.csv', 'time,symbol,kind,value\n1637193600000,BTC,index,40000\n');
    const out = join(dir, 'cli.arrow');
    expect(await runConvert(['series', '--input', input, '--out', out])).toBe(
      `wrote ${out}: 1 rows, ${readFileSync(out).length} bytes\n  ${input}: 1 rows (long table (time, symbol, kind, value))\n  BTC index: 1 rows, 2021-11-18T00:00:00.000Z → 2021-11-18T00:00:00.000Z\n`,
    );
    expect(readSeriesArrow(new Uint8Array(readFileSync(out)), out).values[0]).toBe(40000);
    const bad = file('bad.csv', 'time,symbol,kind,value\n1637193600000,BTC,index,-1\n');
    const badOut = join(dir, 'bad.arrow');
    await expect(runConvert(['series', '--input', bad, '--out', badOut])).rejects.toThrow(`${bad}: value, line 2: expected a price > 0 for kind index, got -1`);
    expect(() => readFileSync(badOut)).toThrow(/ENOENT/);
  });
});

describe('text helpers', () => {
  test('parseDateTimeText', () => {
    expect(parseDateTimeText('2024-09-20 15:00:00')).toBe(Date.UTC(2024, 8, 20, 15));
    expect(parseDateTimeText('2024-09-20')).toBe(Date.UTC(2024, 8, 20));
    expect(parseDateTimeText('2024-09-20T15:00:00.123456789Z')).toBe(Date.UTC(2024, 8, 20, 15, 0, 0, 123));
    expect(parseDateTimeText('2024-09-20 15:00:00-0130')).toBe(Date.UTC(2024, 8, 20, 16, 30));
    expect(parseDateTimeText('2024-02-30 00:00:00')).toBeUndefined();
    expect(parseDateTimeText('20/09/2024')).toBeUndefined();
  });

  test('parseDuration', () => {
    expect(['5m', '1h', '8h', '1d', '1w', '250ms', '1.5s'].map(parseDuration)).toEqual([300_000, 3_600_000, 28_800_000, 86_400_000, 604_800_000, 250, 1500]);
    expect(['0h', 'h', '1y', '-1h'].map(parseDuration)).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('parseCsv: quotes, escaped quotes, CRLF, blank lines, line numbers', () => {
    const t = parseCsv('a,b\r\n"x, ""y""",2\r\n\r\n"multi\nline",3\n', 'q.csv');
    expect(t).toEqual({ header: ['a', 'b'], rows: [['x, "y"', '2'], ['multi\nline', '3']], lines: [2, 4] });
  });
});
