import {
  Field,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { readPortfolioDocuments, writePortfoliosArrow, writePortfoliosArrowStream } from '../../../src/io/arrow/portfolios.js';
import type { PortfolioDocumentItem } from '../../../src/io/convert/documents.js';

const FULL = {
  version: 1,
  id: 'mm-desk-7',
  mode: 'PM_PRO',
  marginLeverage: 5,
  description: 'desk 7, hedged',
  balances: [
    { asset: 'USDT', crossMarginFree: '1000', crossMarginLocked: '0', crossMarginBorrowed: '0', crossMarginInterest: '0', umWalletBalance: '5000', cmWalletBalance: '0' },
    { asset: 'BTC', crossMarginFree: '0.1', crossMarginBorrowed: '0.04', cmWalletBalance: '0.1', marginLeverage: 3 },
  ],
  umPositions: [
    { symbol: 'BTCUSDT', positionAmt: '-0.05', entryPrice: '52000' },
    { symbol: 'ETHUSDT', positionAmt: '2', entryPrice: '2500.123456789012345678', positionSide: 'LONG' },
  ],
  cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '100', entryPrice: '50000' }],
  marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2500', origQty: '1', executedQty: '0.25', baseAsset: 'ETH', quoteAsset: 'USDT' }],
  actions: [
    { time: 1_650_000_000_000, type: 'trade', market: 'UM', symbol: 'BTCUSDT', side: 'SELL', qty: '0.01', price: '40000', positionSide: 'BOTH' },
    { time: 1_650_000_060_000, type: 'trade', market: 'CM', symbol: 'BTCUSD_PERP', side: 'BUY', qty: '3' },
    { time: 1_650_000_120_000, type: 'transfer', asset: 'USDT', amount: '100', from: 'external', to: 'um' },
    { time: 1_650_000_180_000, type: 'borrow', asset: 'USDT', amount: '50.5' },
  ],
};
const MINIMAL = { version: 1, id: 'bare' };
const EMPTY_LISTS = { version: 1, id: 'empty-lists', balances: [], umPositions: [], cmPositions: [], marginOpenOrders: [], actions: [] };

async function collect(items: AsyncIterable<PortfolioDocumentItem>): Promise<PortfolioDocumentItem[]> {
  const out: PortfolioDocumentItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Bytes as a stream of small chunks, like a file or S3 body. */
async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

describe('portfolios as Arrow', () => {
  test('documents → Arrow → the same documents, with actions, absent fields and empty lists', async () => {
    const bytes = writePortfoliosArrow([FULL, MINIMAL, EMPTY_LISTS]);
    expect(await collect(readPortfolioDocuments(bytes, 'p.arrow'))).toEqual([
      { index: 0, doc: FULL },
      { index: 1, doc: MINIMAL },
      { index: 2, doc: EMPTY_LISTS },
    ]);
  });

  test('writes the documented schema', () => {
    const t = tableFromIPC(writePortfoliosArrow([FULL]));
    expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'id: Utf8',
      'mode: Utf8',
      'marginLeverage: Int32',
      'description: Utf8',
      'balances: List<Struct<{asset:Utf8, crossMarginFree:Utf8, crossMarginLocked:Utf8, crossMarginBorrowed:Utf8, crossMarginInterest:Utf8, umWalletBalance:Utf8, cmWalletBalance:Utf8, marginLeverage:Int32}>>',
      'umPositions: List<Struct<{symbol:Utf8, positionAmt:Utf8, entryPrice:Utf8, positionSide:Utf8}>>',
      'cmPositions: List<Struct<{symbol:Utf8, positionAmt:Utf8, entryPrice:Utf8, positionSide:Utf8}>>',
      'marginOpenOrders: List<Struct<{symbol:Utf8, side:Utf8, price:Utf8, origQty:Utf8, executedQty:Utf8, baseAsset:Utf8, quoteAsset:Utf8}>>',
      'actions: List<Struct<{time:Timestamp<MILLISECOND, UTC>, type:Utf8, market:Utf8, symbol:Utf8, side:Utf8, qty:Utf8, price:Utf8, positionSide:Utf8, asset:Utf8, amount:Utf8, from:Utf8, to:Utf8}>>',
    ]);
    expect(t.schema.metadata.get('pmbt.portfolios.version')).toBe('1');
  });

  test('JSON numbers are written as decimal strings, ISO action times as milliseconds', async () => {
    const doc = { id: 'n', balances: [{ asset: 'USDT', crossMarginFree: 1000.5, marginLeverage: '10' }], actions: [{ time: '2022-04-15T05:20:00Z', type: 'repay', asset: 'USDT', amount: 1e-7 }] };
    const [item] = await collect(readPortfolioDocuments(writePortfoliosArrow([doc]), 'p'));
    expect(item?.doc).toEqual({ version: 1, id: 'n', balances: [{ asset: 'USDT', crossMarginFree: '1000.5', marginLeverage: 10 }], actions: [{ time: 1_650_000_000_000, type: 'repay', asset: 'USDT', amount: '1e-7' }] });
  });

  test('reads many record batches, from bytes and from a chunked stream, file and stream format', async () => {
    const docs = Array.from({ length: 7 }, (_, i) => ({ ...FULL, id: `p${i}` }));
    const file = writePortfoliosArrow(docs, { batchSize: 3 });
    expect(tableFromIPC(file).batches.map((b) => b.numRows)).toEqual([3, 3, 1]);
    const expected = docs.map((doc, index) => ({ index, doc }));
    expect(await collect(readPortfolioDocuments(file, 'p'))).toEqual(expected);
    expect(await collect(readPortfolioDocuments(chunked(file, 5), 'p'))).toEqual(expected);
    const stream = tableToIPC(tableFromIPC(file), 'stream');
    expect(await collect(readPortfolioDocuments(chunked(stream, 64), 'p'))).toEqual(expected);
  });

  test('the streaming writer produces the same documents', async () => {
    async function* docs() {
      for (let i = 0; i < 5; i++) yield { ...FULL, id: `s${i}` };
    }
    const chunks: Uint8Array[] = [];
    const { count } = await writePortfoliosArrowStream(docs(), async (c) => void chunks.push(c), { batchSize: 2 });
    expect(count).toBe(5);
    const bytes = Buffer.concat(chunks);
    expect(tableFromIPC(bytes).batches.map((b) => b.numRows)).toEqual([2, 2, 1]);
    expect((await collect(readPortfolioDocuments(new Uint8Array(bytes), 'p'))).map((i) => i.doc?.id)).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  test('the writer rejects what the schema cannot hold, naming the document and field', () => {
    expect(() => writePortfoliosArrow([MINIMAL, { id: 'x', balances: [{ asset: 'BTC', umUnrealizedPNL: '1' }] }])).toThrow(
      'portfolios: portfolio 2 (id "x"): balances[0].umUnrealizedPNL: expected one of the fields asset, crossMarginFree, crossMarginLocked, crossMarginBorrowed, crossMarginInterest, umWalletBalance, cmWalletBalance, marginLeverage (the Arrow portfolio schema), got unknown field "umUnrealizedPNL"',
    );
    expect(() => writePortfoliosArrow([{ id: 'x', umPositions: [{ symbol: 'BTCUSDT', positionAmt: 'lots', entryPrice: '1' }] }])).toThrow(
      'portfolios: portfolio 1 (id "x"): umPositions[0].positionAmt: expected a decimal number (string or number), got "lots"',
    );
    expect(() => writePortfoliosArrow([{ mode: 'PM' }])).toThrow('portfolios: portfolio 1: id: expected a non-empty string, got nothing');
    expect(() => writePortfoliosArrow([{ id: 'x', version: 2 }])).toThrow('portfolios: portfolio 1 (id "x"): version: expected 1, got 2');
    expect(() => writePortfoliosArrow([{ id: 'x', balance: [] }])).toThrow('portfolios: portfolio 1 (id "x"): balance: expected one of the fields version, id, mode');
  });
});

describe('reading portfolio rows other tools wrote', () => {
  /** A table with an id column and a balances column built from plain values. */
  function tableWith(ids: (string | null)[], balances: unknown[] | null): Uint8Array {
    const balanceType = new Struct([new Field('asset', new Utf8(), true), new Field('crossMarginFree', new Utf8(), true)]);
    const listType = new List(new Field('item', balanceType, true));
    const fields = [new Field('id', new Utf8(), true), ...(balances ? [new Field('balances', listType, true)] : [])];
    const children = [vectorFromArray(ids, new Utf8()).data[0]!, ...(balances ? [vectorFromArray(balances, listType as DataType).data[0]!] : [])];
    const schema = new Schema(fields);
    return tableToIPC(new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(fields), length: ids.length, nullCount: 0, children }))]), 'file');
  }

  test('a row that cannot be decoded fails alone', async () => {
    const bytes = tableWith(['a', null, 'c', 'd'], [[{ asset: 'USDT', crossMarginFree: '1' }], [], [null], null]);
    const items = await collect(readPortfolioDocuments(bytes, 'desk.arrow'));
    expect(items.map((i) => (i.error ? i.error.message : i.doc))).toEqual([
      { version: 1, id: 'a', balances: [{ asset: 'USDT', crossMarginFree: '1' }] },
      'desk.arrow: portfolio 2: id: expected a non-empty string, got nothing',
      'desk.arrow: portfolio 3: balances[0]: expected an object, got null',
      { version: 1, id: 'd' },
    ]);
    expect(items[1]?.error).toBeInstanceOf(InputError);
  });

  test('a file-level problem is thrown: unknown column, wrong type, no id column, not Arrow', async () => {
    const base = tableFromIPC(writePortfoliosArrow([MINIMAL]));
    const withColumn = (name: string, data: Vector) => {
      const fields = [...base.schema.fields, new Field(name, data.type as DataType, true)];
      const schema = new Schema(fields);
      const children = [...base.batches[0]!.data.children, data.data[0]!];
      return tableToIPC(new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children }))]), 'file');
    };
    await expect(collect(readPortfolioDocuments(withColumn('balance', vectorFromArray(['x'])), 'p.arrow'))).rejects.toThrow(
      'p.arrow: balance: expected one of the columns id, mode, marginLeverage, description, balances, umPositions, cmPositions, marginOpenOrders, actions, got unknown column "balance"',
    );
    await expect(collect(readPortfolioDocuments(tableWith(['a'], null).subarray(0, 0), 'empty.arrow'))).resolves.toEqual([]);
    const noId = tableToIPC(new Table({ mode: vectorFromArray(['PM']) }), 'file');
    await expect(collect(readPortfolioDocuments(noId, 'p.arrow'))).rejects.toThrow('p.arrow: id: expected a column "id" (utf8), got columns mode');
    const badType = tableToIPC(new Table({ id: vectorFromArray([1.5]) }), 'file');
    await expect(collect(readPortfolioDocuments(badType, 'p.arrow'))).rejects.toThrow('p.arrow: id: expected a column of utf8 (or dictionary<utf8>), got Float64');
    await expect(collect(readPortfolioDocuments(chunked(new TextEncoder().encode('{"id":"a"}\n'), 4), 'p.jsonl'))).rejects.toThrow(/^p\.jsonl: \(document\): expected an Arrow IPC file or stream of portfolios, got /);
  });
});
