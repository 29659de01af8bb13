import { readFileSync } from 'node:fs';
import { RecordBatchReader, Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { registerArrowCodecs } from '../../../src/io/arrow/codecs.js';
import { encodeArrowFile, openSequentialIpc } from '../../../src/io/arrow/ipc.js';

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function countRows(source: AsyncIterable<Uint8Array> | Uint8Array): Promise<number> {
  const reader = source instanceof Uint8Array ? RecordBatchReader.from(source) : await RecordBatchReader.from(source);
  let rows = 0;
  for await (const batch of reader) rows += batch.numRows;
  return rows;
}

describe('openSequentialIpc', () => {
  test('streams a pyarrow Feather file message by message (its stream part opens with the schema)', async () => {
    registerArrowCodecs();
    const bytes = new Uint8Array(readFileSync('test/fixtures/real/XRP_USDT_USDT-5m-futures.feather'));
    const source = await openSequentialIpc(chunked(bytes, 4096), 'f', 0);
    expect(source).not.toBeInstanceOf(Uint8Array);
    expect(await countRows(source)).toBe(1999);
  });

  test('streams the files this project writes, and IPC streams', async () => {
    const table = new Table({ x: vectorFromArray([1, 2, 3]) });
    const ours = await openSequentialIpc(chunked(encodeArrowFile(table), 7), 'f', 0);
    expect(ours).not.toBeInstanceOf(Uint8Array);
    expect(await countRows(ours)).toBe(3);
    expect(await countRows(await openSequentialIpc(chunked(tableToIPC(table, 'stream'), 7), 's', 0))).toBe(3);
  });

  test('collects a file without an inline schema (apache-arrow JS tableToIPC) whole, up to a limit', async () => {
    const bytes = tableToIPC(new Table({ x: vectorFromArray([1, 2, 3]) }), 'file');
    const whole = await openSequentialIpc(chunked(bytes, 7), 'f', 1 << 20);
    expect(whole).toEqual(bytes);
    expect(tableFromIPC(whole as Uint8Array).numRows).toBe(3);
    await expect(openSequentialIpc(chunked(bytes, 7), 'big.arrow', 100)).rejects.toThrow(
      'big.arrow: (document): expected an Arrow IPC stream, or a file of at most 100 bytes whose stream part opens with its schema (this one must be read whole), got a larger file without an inline schema',
    );
  });
});
