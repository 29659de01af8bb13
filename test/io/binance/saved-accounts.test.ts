import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { streamPortfolioDocuments } from '../../../src/batch/inputs.js';
import { importSavedAccounts, listSavedAccounts, readSavedAccountDocuments } from '../../../src/io/binance/saved-accounts.js';
import { createMemoryLocator, createMemoryStore } from '../../../src/io/store/memory.js';
import { FIXTURES } from './fixtures.js';

const fixture = (file: string) => readFileSync(join(FIXTURES, file));

/** desk/alice (PM balance + UM legs), desk/bob (PM Pro: balance + account + CM legs), desk/index.json (market). */
async function deskStore() {
  const store = createMemoryStore();
  await store.write('desk/alice/balance.json', fixture('papi-v1-balance.json'));
  await store.write('desk/alice/um.json', fixture('fapi-v3-positionRisk.json'));
  await store.write('desk/alice/fapi-marks.json', fixture('fapi-v1-premiumIndex.json'));
  await store.write('desk/bob/1.json', fixture('sapi-v1-portfolio-balance.json'));
  await store.write('desk/bob/2.json', fixture('sapi-v1-portfolio-account.json'));
  await store.write('desk/bob/3.json', fixture('dapi-v1-positionRisk.json'));
  await store.write('desk/bob/notes.txt', 'not read');
  await store.write('desk/index.json', fixture('sapi-v1-portfolio-asset-index-price.json'));
  return store;
}

describe('saved accounts in a folder', () => {
  it('a folder of sub-folders is one account per sub-folder; files beside them are shared market responses', async () => {
    const store = await deskStore();
    const layout = await listSavedAccounts(store, 'desk');
    expect(layout).toEqual({
      accounts: [
        { id: 'alice', keys: ['desk/alice/balance.json', 'desk/alice/fapi-marks.json', 'desk/alice/um.json'] },
        { id: 'bob', keys: ['desk/bob/1.json', 'desk/bob/2.json', 'desk/bob/3.json'] },
      ],
      shared: ['desk/index.json'],
    });
    const { accounts, shared } = await importSavedAccounts(store, layout, {});
    expect(shared.map((r) => r.name)).toEqual([store.uriOf('desk/index.json')]);
    const [alice, bob] = accounts.map((a) => (a.result instanceof Error ? a.result : a.result.portfolio));
    expect(alice).toMatchObject({ id: 'alice', mode: 'PM' });
    expect(bob).toMatchObject({ id: 'bob', mode: 'PM_PRO' });
    expect(accounts[0]!.market.map((r) => r.name)).toEqual([store.uriOf('desk/alice/fapi-marks.json')]);
  });

  it('a folder of files is one account named after the folder', async () => {
    const store = await deskStore();
    expect(await listSavedAccounts(store, 'desk/bob')).toEqual({ accounts: [{ id: 'bob', keys: ['desk/bob/1.json', 'desk/bob/2.json', 'desk/bob/3.json'] }], shared: [] });
  });

  it('as a job\'s portfolios: one document per account; a bad account fails alone; the checksum covers every file', async () => {
    const store = await deskStore();
    await store.write('desk/carol/balance.json', '{"asset": "USDT", "crossMarginFree": "-1"}');
    const locate = createMemoryLocator({ bkt: store });
    const input = streamPortfolioDocuments(locate, 's3://bkt/desk');
    const items = [];
    for await (const item of input.items) items.push(item);
    expect(items.map((i) => (i.doc === undefined ? `error: ${i.error.message}` : i.doc.id))).toEqual([
      'alice',
      'bob',
      expect.stringMatching(/^error: .*carol\/balance\.json: crossMarginFree: expected a number ≥ 0/) as unknown as string,
    ]);
    expect(items[1]!.doc).toMatchObject({ mode: 'PM_PRO', cmPositions: [{ symbol: 'BTCUSD_201225', positionAmt: '1', positionSide: 'LONG' }] });
    expect(input.checksum().bytes).toBeGreaterThan(1000);
  });

  it('an account folder whose name cannot be a portfolio id is named', async () => {
    const store = await deskStore();
    await store.write('desk/a b/balance.json', fixture('papi-v1-balance.json'));
    const { accounts } = await importSavedAccounts(store, await listSavedAccounts(store, 'desk'), {});
    expect(String(accounts[0]!.result)).toMatch(/desk\/a b: \(document\): expected an account folder named with letters/);
  });

  it('a folder with nothing to read says so', async () => {
    const store = createMemoryStore();
    await store.write('empty/readme.txt', 'x');
    const read = async () => {
      for await (const item of readSavedAccountDocuments(store, 'empty', () => undefined)) void item;
    };
    await expect(read()).rejects.toThrow(/expected a file, or a folder of saved Binance responses/);
  });

  it('an account response beside the account folders is refused', async () => {
    const store = await deskStore();
    await store.write('desk/stray.json', fixture('papi-v1-balance.json'));
    await expect(importSavedAccounts(store, await listSavedAccounts(store, 'desk'), {})).rejects.toThrow(/stray\.json: \(document\): expected a market response beside the account folders/);
  });
});
