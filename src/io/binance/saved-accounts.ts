import { InputError, isInputError } from '../../domain/errors.js';
import { parseJsonText } from '../../domain/json-fields.js';
import type { ObjectStore } from '../store/types.js';
import type { PortfolioDocumentItem } from '../convert/documents.js';
import { PORTFOLIO_ID_PATTERN } from '../json/portfolio.js';
import { importBinanceAccount, type BinanceImportOptions, type ImportedAccount } from './account.js';
import { formatPortfolioDocument } from './document.js';
import { recogniseBinanceResponse, type SavedResponse } from './responses.js';

// Saved responses on disk or in S3, as `pmbt import` and a job's `portfolios` read them:
//   a folder of files (*.json)           one account, id = the folder's name
//   a folder of sub-folders              one account per sub-folder, id = its name; *.json files
//                                        directly in the folder are shared market responses
// Each file is recognised by its shape (responses.ts); market responses (asset-index-price,
// premiumIndex, a market snapshot document) go to the market, the rest to the account.

/** Largest saved response read. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const RESPONSE_FILE = /\.json$/i;

export interface SavedAccountFolder {
  id: string;
  keys: string[];
}

export interface SavedAccountsLayout {
  accounts: SavedAccountFolder[];
  /** Files beside the sub-folders: market responses shared by every account. */
  shared: string[];
}

const lastSegment = (key: string) => key.split('/').filter((s) => s !== '').pop() ?? key;

/** The accounts below `prefix`; empty when there is no *.json file below it. */
export async function listSavedAccounts(store: ObjectStore, prefix: string): Promise<SavedAccountsLayout> {
  const base = prefix === '' ? '' : `${prefix}/`;
  const top: string[] = [];
  const folders = new Map<string, string[]>();
  for await (const key of store.list(prefix)) {
    if (!RESPONSE_FILE.test(key)) continue;
    const parts = key.slice(base.length).split('/');
    if (parts.length === 1) top.push(key);
    else folders.set(parts[0]!, [...(folders.get(parts[0]!) ?? []), key]);
  }
  const sort = (keys: string[]) => keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (folders.size === 0) return { accounts: top.length === 0 ? [] : [{ id: lastSegment(prefix), keys: sort(top) }], shared: [] };
  const accounts = [...folders].map(([id, keys]) => ({ id, keys: sort(keys) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { accounts, shared: sort(top) };
}

export async function readSavedResponse(store: ObjectStore, key: string): Promise<SavedResponse & { bytes: Uint8Array }> {
  const bytes = await store.read(key, { maxBytes: MAX_RESPONSE_BYTES });
  const name = store.uriOf(key);
  return { name, json: parseJsonText(name, new TextDecoder('utf-8').decode(bytes)), bytes };
}

const isMarketDocument = (json: unknown) => typeof json === 'object' && json !== null && !Array.isArray(json) && ('indexPrices' in json || 'markPrices' in json);

/** Splits responses into an account's and the market's, by shape. */
export function separateMarketResponses(responses: readonly SavedResponse[]): { account: SavedResponse[]; market: SavedResponse[] } {
  const account: SavedResponse[] = [];
  const market: SavedResponse[] = [];
  for (const r of responses) {
    if (isMarketDocument(r.json) || recogniseBinanceResponse(r).shape?.use === 'market') market.push(r);
    else account.push(r);
  }
  return { account, market };
}

export interface SavedAccountImport {
  id: string;
  result: ImportedAccount | InputError;
  market: SavedResponse[];
}

/** Every account of a layout, each imported alone (a bad one is an InputError, the others go on). */
export async function importSavedAccounts(store: ObjectStore, layout: SavedAccountsLayout, options: Omit<BinanceImportOptions, 'id'>): Promise<{ accounts: SavedAccountImport[]; shared: SavedResponse[]; bytes: Uint8Array[] }> {
  const bytes: Uint8Array[] = [];
  const read = async (key: string) => {
    const r = await readSavedResponse(store, key);
    bytes.push(r.bytes);
    return { name: r.name, json: r.json };
  };
  // Read one at a time, in key order, so the bytes (a job's input checksum) come in a stable order.
  const readAll = async (keys: readonly string[]) => {
    const out: SavedResponse[] = [];
    for (const key of keys) out.push(await read(key));
    return out;
  };
  const shared = separateMarketResponses(await readAll(layout.shared));
  if (shared.account.length > 0) {
    throw new InputError(shared.account[0]!.name, '', 'a market response beside the account folders (account responses go in an account\'s folder)', 'an account response');
  }
  const accounts: SavedAccountImport[] = [];
  for (const folder of layout.accounts) {
    try {
      if (!PORTFOLIO_ID_PATTERN.test(folder.id)) {
        throw new InputError(store.uriOf(folder.keys[0]!.slice(0, folder.keys[0]!.lastIndexOf('/'))), '', 'an account folder named with letters, digits and . _ : @ - (its name is the portfolio id)', JSON.stringify(folder.id));
      }
      const { account, market } = separateMarketResponses(await readAll(folder.keys));
      accounts.push({ id: folder.id, result: importBinanceAccount(account, { ...options, id: folder.id }), market });
    } catch (e) {
      if (!isInputError(e)) throw e;
      accounts.push({ id: folder.id, result: e, market: [] });
    }
  }
  return { accounts, shared: shared.market, bytes };
}

/** A folder of saved responses as the portfolio documents of a job (input-formats' item stream). */
export async function* readSavedAccountDocuments(store: ObjectStore, prefix: string, onBytes: (bytes: Uint8Array) => void): AsyncIterable<PortfolioDocumentItem> {
  const layout = await listSavedAccounts(store, prefix);
  if (layout.accounts.length === 0) throw new InputError(store.uriOf(prefix), '', 'a file, or a folder of saved Binance responses (*.json)', 'a folder without *.json files');
  const { accounts, bytes } = await importSavedAccounts(store, layout, {});
  bytes.forEach(onBytes);
  let index = 0;
  for (const a of accounts) {
    yield a.result instanceof InputError ? { index: index++, error: a.result } : { index: index++, doc: formatPortfolioDocument(a.result.portfolio) };
  }
}
