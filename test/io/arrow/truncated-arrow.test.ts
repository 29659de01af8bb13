import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { readPortfolioDocuments, writePortfoliosArrow } from '../../../src/io/arrow/portfolios.js';
import { readSeriesArrow, writeSeriesArrow } from '../../../src/io/arrow/series.js';
import { everyMinute, seriesOf } from '../../helpers/series.js';

// Issue 15: an Arrow IPC file cut before its footer must not read as a shorter stream.

const docs = Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, balances: [{ asset: 'USDT', umWalletBalance: String(1000 + i) }] }));
const file = writePortfoliosArrow(docs, { batchSize: 10 });

async function* chunks(bytes: Uint8Array, size = 1000): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function readAll(source: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const item of readPortfolioDocuments(source, 'desk.arrow')) if (item.doc !== undefined) n++;
  return n;
}

async function rejection(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof InputError)) throw new Error(`expected an InputError, got ${String(e)}`);
  return e;
}

const TRUNCATED = /^desk\.arrow: \(document\): expected an Arrow file ending with its footer \(magic "ARROW1"\), got a file that ends before it \(\d+ bytes: truncated\?\)$/;

describe('a truncated Arrow portfolio file', () => {
  test('the whole file reads all 40 portfolios, as bytes and as a stream', async () => {
    expect(await readAll(file)).toBe(40);
    expect(await readAll(chunks(file))).toBe(40);
  });
  // 7600 and 12496 end the first and second record batches of this file: read as a stream, the
  // cut file used to give 10 and 20 portfolios and no error.
  const cuts = [['after the first batch', 7600], ['after the second batch', 12496], ['in the fourth batch', Math.floor(file.length * 0.8)], ['inside the footer', file.length - 5]] as const;
  for (const [name, cut] of cuts) {
    test(`cut ${name} is rejected, as bytes and as a stream`, async () => {
      const truncated = file.subarray(0, cut);
      expect((await rejection(readAll(truncated))).message).toMatch(TRUNCATED);
      expect((await rejection(readAll(chunks(truncated)))).message).toMatch(TRUNCATED);
    });
  }
  test('a real IPC stream (no footer) is still read whole', async () => {
    const stream = tableToIPC(tableFromIPC(file), 'stream');
    expect(await readAll(stream)).toBe(40);
    expect(await readAll(chunks(stream))).toBe(40);
  });
});

describe('a truncated Arrow price history', () => {
  const prices = writeSeriesArrow(seriesOf(everyMinute(Date.UTC(2024, 2, 12), 500, 'BTC', 'index', (m) => 40000 + m)));
  test('is rejected, naming the file', () => {
    for (const cut of [Math.floor(prices.length * 0.7), prices.length - 20]) {
      expect(() => readSeriesArrow(prices.subarray(0, cut), 'desk.arrow')).toThrow(TRUNCATED);
    }
  });
  test('a stream of the same table is still read', () => {
    expect(readSeriesArrow(tableToIPC(tableFromIPC(prices), 'stream'), 'desk.arrow').times.length).toBe(500);
  });
});

describe('Arrow portfolio action times in another unit than their column claims', () => {
  test('epoch seconds in a timestamp[ms] action time fail that portfolio alone, saying they look like seconds', async () => {
    const action = { type: 'transfer', asset: 'USDT', amount: '1', from: 'external', to: 'um' };
    const bytes = writePortfoliosArrow([
      { id: 'ok', actions: [{ ...action, time: Date.UTC(2024, 2, 12) }] },
      { id: 'seconds', actions: [{ ...action, time: Date.UTC(2024, 2, 12) / 1000 }] },
    ]);
    const items = [];
    for await (const item of readPortfolioDocuments(bytes, 'desk.arrow')) items.push(item);
    expect(items[0]!.error).toBeUndefined();
    expect(items[1]!.error?.message).toBe("desk.arrow: portfolio 2: actions[0].time: expected a time from 2009-01-01 to before 2100-01-01 in the column's unit ms, got 1710201600 ms (1970-01-20T19:03:21.600Z; the values look like epoch seconds)");
  });
});
