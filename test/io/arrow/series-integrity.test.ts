import { Field, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, TimestampMicrosecond, TimestampMillisecond, TimestampSecond, Utf8, Float64, vectorFromArray, type DataType, type Data } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { readSeriesArrow, writeSeriesArrow } from '../../../src/io/arrow/series.js';
import { seriesOf, type SeriesRow } from '../../helpers/series.js';

// Issue 15: the job's price history reader never accepts a file that would replay into a
// complete-looking but wrong report.

const T0 = Date.UTC(2024, 2, 12);

function readRows(rows: SeriesRow[]): () => unknown {
  const bytes = writeSeriesArrow(seriesOf(rows));
  return () => readSeriesArrow(bytes, 'prices.arrow');
}

function thrown(read: () => unknown): InputError {
  try {
    read();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('repeated (time, symbol, kind) keys', () => {
  test('another value for the same key is rejected, naming both rows counted from 1', () => {
    const e = thrown(readRows([[T0, 'BTC', 'index', 40000], [T0, 'BTCUSDT', 'mark', 40010], [T0, 'BTC', 'index', 40001]]));
    expect(e.message).toBe('prices.arrow: row 3: expected each (time, symbol, kind) once, got 2024-03-12T00:00:00.000Z BTC index again with value 40001 (row 1 has 40000)');
  });
  test('the same funding row twice is rejected too (it would charge funding twice)', () => {
    const e = thrown(readRows([[T0, 'BTCUSDT', 'mark', 40010], [T0 + 1, 'BTCUSDT', 'funding', 0.0001], [T0 + 1, 'BTCUSDT', 'funding', 0.0001]]));
    expect(e.message).toMatch(/^prices\.arrow: row 3: expected each \(time, symbol, kind\) once, got .* BTCUSDT funding again with value 0\.0001 \(row 2 has 0\.0001\)$/);
  });
  test('the same symbol with another kind, or at another time, is not a repeat', () => {
    const t = readRows([[T0, 'BTC', 'index', 1], [T0, 'BTCUSDT', 'mark', 2], [T0, 'BTCUSDT', 'funding', 0.1], [T0 + 1, 'BTC', 'index', 1]])() as { times: Float64Array };
    expect(t.times.length).toBe(4);
  });
});

describe('a price history with no rows', () => {
  test('is rejected', () => {
    expect(thrown(readRows([])).message).toBe('prices.arrow: (document): expected at least one price row, got none');
  });
});

const utf8 = (values: string[]) => vectorFromArray(values, new Utf8()).data[0]!;
const f64 = (values: number[]) => vectorFromArray(values, new Float64()).data[0]!;

/** A one-row table whose time column has `type` and holds `raw`. */
function timeTable(type: DataType, raw: bigint): Uint8Array {
  const columns: [string, Data][] = [
    ['time', makeData({ type, length: 1, nullCount: 0, data: BigInt64Array.from([raw]) } as never)],
    ['symbol', utf8(['BTC'])],
    ['kind', utf8(['index'])],
    ['value', f64([40000])],
  ];
  const fields = columns.map(([name, data]) => new Field(name, data.type as DataType, false));
  const schema = new Schema(fields);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: columns.map(([, d]) => d) }));
  return tableToIPC(new Table(schema, [batch]), 'file');
}

describe('time values that cannot be the unit their column claims', () => {
  const read = (bytes: Uint8Array) => () => readSeriesArrow(bytes, 'prices.arrow');
  test('epoch seconds in a millisecond column (a replay in 1970) say they look like seconds', () => {
    const e = thrown(read(timeTable(new TimestampMillisecond('UTC'), BigInt(T0 / 1000))));
    expect(e.message).toBe('prices.arrow: time, row 1: expected a time from 2009-01-01 to before 2100-01-01 in the column\'s unit ms, got 1710201600 ms (1970-01-20T19:03:21.600Z; the values look like epoch seconds)');
  });
  test('milliseconds in a microsecond column say they look like milliseconds', () => {
    const e = thrown(read(timeTable(new TimestampMicrosecond('UTC'), BigInt(T0))));
    expect(e.message).toMatch(/got 1710201600000 us \(1970-.*; the values look like epoch milliseconds\)$/);
  });
  test('a time in the far future is rejected', () => {
    const e = thrown(read(timeTable(new TimestampSecond('UTC'), BigInt(T0))));
    expect(e.message).toMatch(/expected a time from 2009-01-01 to before 2100-01-01 in the column's unit s, got 1710201600000 s .*the values look like epoch milliseconds\)$/);
  });
  test('the right unit reads', () => {
    expect(readSeriesArrow(timeTable(new TimestampMicrosecond('UTC'), BigInt(T0) * 1000n), 'p').times[0]).toBe(T0);
  });
});
