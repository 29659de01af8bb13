import {
  DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Utf8,
  vectorFromArray,
  type Data,
} from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import type { SeriesTable } from '../../../src/domain/series.js';
import { readSeriesArrow, writeSeriesArrow } from '../../../src/io/arrow/series.js';

const T0 = 1_637_193_600_000; // 2021-11-18T00:00:00Z

/** A column given as Arrow Data, for building tables of any shape the readers must handle. */
type Column = { name: string; data: Data; nullable?: boolean };

function tableOf(columns: Column[], batches = 1): Table {
  const fields = columns.map((c) => new Field(c.name, c.data.type as DataType, c.nullable ?? true));
  const schema = new Schema(fields);
  const length = columns[0]!.data.length;
  const size = Math.ceil(length / batches);
  const out: RecordBatch[] = [];
  for (let start = 0; start < length; start += size) {
    const n = Math.min(size, length - start);
    out.push(new RecordBatch(schema, makeData({ type: new Struct(fields), length: n, nullCount: 0, children: columns.map((c) => c.data.slice(start, n)) })));
  }
  return new Table(schema, out);
}

const utf8 = (values: (string | null)[]) => vectorFromArray(values, new Utf8()).data[0]!;
const f64 = (values: (number | null)[]) => vectorFromArray(values, new Float64()).data[0]!;
const msTimes = (values: number[]) => makeData({ type: new TimestampMillisecond('UTC'), length: values.length, nullCount: 0, data: BigInt64Array.from(values, BigInt) });

/** A valid three-row long table; `replace` swaps one column. */
function longTable(replace: Partial<Record<'time' | 'symbol' | 'kind' | 'value' | 'high' | 'low', Data | null>> = {}, batches = 1): Uint8Array {
  const base: Record<string, Data> = {
    time: msTimes([T0, T0, T0 + 60_000]),
    symbol: utf8(['BTC', 'BTCUSDT', 'BTCUSDT']),
    kind: utf8(['index', 'mark', 'funding']),
    value: f64([40000, 40010, -0.0001]),
  };
  const columns: Column[] = [];
  for (const name of ['time', 'symbol', 'kind', 'value', 'high', 'low']) {
    const data = name in replace ? replace[name as keyof typeof replace] : base[name];
    if (data) columns.push({ name, data });
  }
  return tableToIPC(tableOf(columns, batches), 'file');
}

describe('writeSeriesArrow / readSeriesArrow', () => {
  test('round-trips a table: times, dictionary symbols, kinds, values', () => {
    const table: SeriesTable = {
      times: Float64Array.from([T0, T0, T0 + 17, T0 + 28_800_000]),
      symbolIds: Int32Array.from([0, 1, 1, 1]),
      symbols: ['XRP', 'XRPUSDT'],
      kinds: Uint8Array.from([0, 1, 2, 1]),
      values: Float64Array.from([1.1, 1.1074, -0.00219334, 0.5764]),
    };
    const bytes = writeSeriesArrow(table);
    expect(Buffer.from(bytes.subarray(0, 6)).toString('latin1')).toBe('ARROW1');
    expect(readSeriesArrow(bytes, 'x.arrow')).toEqual(table);
  });

  test('writes the schema of docs/formats.md: timestamp[ms, UTC], dictionary symbol and kind, float64', () => {
    const t = tableFromIPC(writeSeriesArrow({ times: Float64Array.of(T0), symbolIds: Int32Array.of(0), symbols: ['BTC'], kinds: Uint8Array.of(0), values: Float64Array.of(1) }));
    expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['time:Timestamp<MILLISECOND, UTC>', 'symbol:Dictionary<Int32, Utf8>', 'kind:Dictionary<Int8, Utf8>', 'value:Float64']);
    expect(t.schema.metadata.get('pmbt.series.version')).toBe('1');
  });

  test('writes an empty table, which the job\'s reader refuses (it would replay nothing)', () => {
    const empty: SeriesTable = { times: new Float64Array(0), symbolIds: new Int32Array(0), symbols: [], kinds: new Uint8Array(0), values: new Float64Array(0) };
    expect(tableFromIPC(writeSeriesArrow(empty)).numRows).toBe(0);
    expect(() => readSeriesArrow(writeSeriesArrow(empty), 'e.arrow')).toThrow('e.arrow: (document): expected at least one price row, got none');
  });

  test('reads plain utf8 columns, several record batches, and the stream format', () => {
    const expected = { times: Float64Array.from([T0, T0, T0 + 60_000]), symbols: ['BTC', 'BTCUSDT'], symbolIds: Int32Array.from([0, 1, 1]), kinds: Uint8Array.from([0, 1, 2]), values: Float64Array.from([40000, 40010, -0.0001]) };
    expect(readSeriesArrow(longTable({}, 3), 'f')).toEqual(expected);
    const stream = tableToIPC(tableFromIPC(longTable({}, 2)), 'stream');
    expect(readSeriesArrow(stream, 's')).toEqual(expected);
  });

  test('reads dictionary columns whose dictionaries differ between batches', () => {
    // One type (one dictionary id); each batch brings its own dictionary, which the stream
    // format sends as a replacement.
    const shared = new Dictionary(new Utf8(), new Int8());
    const dictType = () => shared;
    const batch = (symbols: string[], keys: number[], time: number) => {
      const fields = [new Field('time', new TimestampMillisecond('UTC')), new Field('symbol', dictType()), new Field('kind', new Utf8()), new Field('value', new Float64())];
      const children = [
        msTimes(keys.map(() => time)),
        makeData({ type: dictType(), length: keys.length, nullCount: 0, data: Int8Array.from(keys), dictionary: vectorFromArray(symbols, new Utf8()) }),
        utf8(keys.map(() => 'mark')),
        f64(keys.map((k) => k + 1)),
      ];
      return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: keys.length, nullCount: 0, children }));
    };
    const bytes = tableToIPC(new Table([batch(['A', 'B'], [0, 1], T0), batch(['B', 'C'], [1, 0], T0 + 1)]), 'stream');
    const t = readSeriesArrow(bytes, 'd');
    expect(Array.from(t.symbolIds, (id) => t.symbols[id])).toEqual(['A', 'B', 'C', 'B']);
  });

  test.each([
    ['s', new TimestampSecond('UTC'), [1_637_193_600n, 1_637_193_601n], [T0, T0 + 1000]],
    ['ms', new TimestampMillisecond('UTC'), [1_637_193_600_017n, 1_637_193_600_018n], [T0 + 17, T0 + 18]],
    ['us', new TimestampMicrosecond('UTC'), [1_637_193_600_017_999n, 1_637_193_600_018_000n], [T0 + 17, T0 + 18]],
    ['ns', new TimestampNanosecond('UTC'), [1_637_193_600_017_999_999n, 1_637_193_600_018_000_001n], [T0 + 17, T0 + 18]],
    ['ns without a time zone (read as UTC)', new TimestampNanosecond(), [1_637_193_600_000_000_000n, 1_637_193_600_000_000_000n], [T0, T0]],
    ['int64 ms', new Int64(), [1_637_193_600_017n, 1_637_193_600_017n], [T0 + 17, T0 + 17]],
  ] as const)('reads time in %s, flooring to milliseconds', (_, type, raw, expected) => {
    const time = makeData({ type: type as DataType, length: 2, nullCount: 0, data: BigInt64Array.from(raw) } as never);
    const bytes = tableToIPC(tableOf([{ name: 'time', data: time }, { name: 'symbol', data: utf8(['A', 'B']) }, { name: 'kind', data: utf8(['mark', 'mark']) }, { name: 'value', data: f64([1, 2]) }]), 'file');
    expect(Array.from(readSeriesArrow(bytes, 'u').times)).toEqual(expected);
  });

  test('reads float64 epoch-millisecond times and int32 values', () => {
    const bytes = tableToIPC(tableOf([
      { name: 'time', data: f64([T0 + 0.9, T0 + 1]) },
      { name: 'symbol', data: utf8(['A', 'A']) },
      { name: 'kind', data: utf8(['index', 'index']) },
      { name: 'value', data: vectorFromArray([3, 4], new Int32()).data[0]! },
    ]), 'file');
    const t = readSeriesArrow(bytes, 'f');
    expect(Array.from(t.times)).toEqual([T0, T0 + 1]);
    expect(Array.from(t.values)).toEqual([3, 4]);
  });
});

describe('readSeriesArrow rejects malformed files, naming file, column and row', () => {
  const cases: [string, Uint8Array, string][] = [
    ['a missing column', longTable({ kind: null }), 'p.arrow: kind: expected a column "kind" (index | mark | funding), got columns time, symbol, value'],
    ['a time column of the wrong type', longTable({ time: utf8(['a', 'b', 'c']) }), 'p.arrow: time: expected a timestamp column (or epoch numbers), got Utf8'],
    ['a value column of the wrong type', longTable({ value: utf8(['1', '2', '3']) }), 'p.arrow: value: expected a float64 column, got Utf8'],
    ['a symbol column of the wrong type', longTable({ symbol: f64([1, 2, 3]) }), 'p.arrow: symbol: expected a string or dictionary-of-string column (a symbol), got Float64'],
    ['a null time', longTable({ time: vectorFromArray([new Date(T0), null, new Date(T0)], new TimestampMillisecond('UTC')).data[0]! }), 'p.arrow: time, row 2: expected a time, got null'],
    ['a null symbol', longTable({ symbol: utf8(['BTC', null, 'BTCUSDT']) }), 'p.arrow: symbol, row 2: expected a symbol, got null'],
    ['an empty symbol', longTable({ symbol: utf8(['BTC', '', 'BTCUSDT']) }), 'p.arrow: symbol, row 2: expected a non-empty symbol, got ""'],
    ['a null kind', longTable({ kind: utf8(['index', 'mark', null]) }), 'p.arrow: kind, row 3: expected one of index, mark, funding, got null'],
    ['an unknown kind', longTable({ kind: utf8(['index', 'last', 'funding']) }), 'p.arrow: kind, row 2: expected one of index, mark, funding, got "last"'],
    ['a null value', longTable({ value: f64([1, null, 3]) }), 'p.arrow: value, row 2: expected a number, got null'],
    ['a NaN value', longTable({ value: f64([1, 2, NaN]) }), 'p.arrow: value, row 3: expected a finite number, got NaN'],
    ['an infinite value', longTable({ value: f64([Infinity, 2, 3]) }), 'p.arrow: value, row 1: expected a finite number, got Infinity'],
    ['a zero index price', longTable({ value: f64([0, 2, 3]) }), 'p.arrow: value, row 1: expected a price > 0 for kind index, got 0'],
    ['a negative mark price', longTable({ value: f64([1, -2, 3]) }), 'p.arrow: value, row 2: expected a price > 0 for kind mark, got -2'],
    ['a time earlier than the row before', longTable({ time: msTimes([T0, T0 + 5, T0 + 4]) }), "p.arrow: time, row 3: expected a time no earlier than row 2's 2021-11-18T00:00:00.005Z (sorted by time), got 2021-11-18T00:00:00.004Z"],
    ['a time before 1970', longTable({ time: msTimes([-1, 0, 1]) }), "p.arrow: time, row 1: expected a time from 2009-01-01 to before 2100-01-01 in the column's unit ms, got -1 ms (-1; a time before 1970)"],
  ];
  test.each(cases)('%s', (_, bytes, message) => {
    expect(() => readSeriesArrow(bytes, 'p.arrow')).toThrow(message);
  });

  test('counts rows across record batches', () => {
    const bytes = longTable({ kind: utf8(['index', 'mark', 'last']) }, 3);
    expect(() => readSeriesArrow(bytes, 'p.arrow')).toThrow('p.arrow: kind, row 3: expected one of index, mark, funding, got "last"');
  });

  test('bytes that are not Arrow, and a truncated file', () => {
    expect(() => readSeriesArrow(new TextEncoder().encode('time,symbol\n1,BTC\n'), 'p.csv')).toThrow(/^p\.csv: \(document\): expected an Arrow IPC file or stream \(Feather v2\), got /);
    const good = longTable();
    expect(() => readSeriesArrow(good.subarray(0, good.length - 40), 'cut.arrow')).toThrow(/^cut\.arrow: \(document\): expected an Arrow file ending with its footer \(magic "ARROW1"\), got a file that ends before it \(\d+ bytes: truncated\?\)$/);
  });
});

describe('writeSeriesArrow determinism', () => {
  test('the same table gives the same bytes, however many files the process has written', async () => {
    const { writeSeriesArrow: write } = await import('../../../src/io/arrow/series.js');
    const table = { times: Float64Array.from([1, 2]), symbolIds: Int32Array.from([0, 1]), symbols: ['BTC', 'BTCUSDT'], kinds: Uint8Array.from([0, 1]), values: Float64Array.from([1, 2]) };
    const first = write(table);
    const second = write(table);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });
});

describe('bar highs and lows (optional high and low columns)', () => {
  const withExtremes: SeriesTable = {
    times: Float64Array.from([T0, T0, T0 + 17, T0 + 60_000]),
    symbolIds: Int32Array.from([0, 1, 1, 1]),
    symbols: ['BTC', 'BTCUSDT'],
    kinds: Uint8Array.from([0, 1, 2, 1]),
    values: Float64Array.from([40000, 40010, -0.0001, 40020]),
    // The funding row has none; the last mark row has none either: extremes only where given.
    highs: Float64Array.from([40100, 40120, Number.NaN, Number.NaN]),
    lows: Float64Array.from([39000, 39010, Number.NaN, Number.NaN]),
  };

  test('round-trip, nullable float64 after value; a table without them is written as before (four columns)', () => {
    const bytes = writeSeriesArrow(withExtremes);
    const t = tableFromIPC(bytes);
    expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`).slice(3)).toEqual(['value:Float64:false', 'high:Float64:true', 'low:Float64:true']);
    expect(t.getChild('high')!.nullCount).toBe(2);
    expect(readSeriesArrow(bytes, 'x.arrow')).toEqual(withExtremes);
    const { highs: _h, lows: _l, ...closes } = withExtremes;
    expect(tableFromIPC(writeSeriesArrow(closes)).schema.fields.map((f) => f.name)).toEqual(['time', 'symbol', 'kind', 'value']);
    expect(readSeriesArrow(writeSeriesArrow(closes), 'x.arrow')).toEqual(closes);
  });

  test("reads another tool's high and low columns, nulls where a row has none", () => {
    const t = readSeriesArrow(longTable({ high: f64([40100, null, null]), low: f64([39900, null, null]) }), 'f');
    expect(Array.from(t.highs!)).toEqual([40100, Number.NaN, Number.NaN]);
    expect(Array.from(t.lows!)).toEqual([39900, Number.NaN, Number.NaN]);
  });

  test.each([
    ['only one of the two columns', { high: f64([40100, null, null]) }, /^f: low: expected a column "low"/],
    ['a high without its low', { high: f64([40100, null, null]), low: f64([null, null, null]) }, /^f: low, row 1: expected a low beside the high \(both or neither\), got null$/],
    ['a high below the value', { high: f64([39999, null, null]), low: f64([39900, null, null]) }, /^f: high, row 1: expected a finite number ≥ the row's value 40000, got 39999$/],
    ['a low above the value', { high: f64([40100, null, null]), low: f64([40001, null, null]) }, /^f: low, row 1: expected a number > 0 and ≤ the row's value 40000, got 40001$/],
    ['extremes on a funding row', { high: f64([null, null, 0.1]), low: f64([null, null, -0.1]) }, /^f: high, row 3: expected null on a funding row/],
  ])('rejects %s, naming the column and the row', (_, columns, error) => {
    expect(() => readSeriesArrow(longTable(columns), 'f')).toThrow(error);
  });
});
