import { InputError } from '../domain/errors.js';
import type { Portfolio } from '../domain/types.js';
import { importBinanceAccount, type BinanceImportOptions, type ImportedAccount } from '../io/binance/account.js';
import { formatPortfolioDocument } from '../io/binance/document.js';
import { buildBinanceMarket, formatMarketDocument, STABLECOIN_DEFAULTS } from '../io/binance/market.js';
import { listBinanceEndpoints, type SavedResponse } from '../io/binance/responses.js';
import { importSavedAccounts, listSavedAccounts, readSavedResponse, separateMarketResponses } from '../io/binance/saved-accounts.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { readImportOptions } from './snapshot.js';
import { locateUri } from './stores.js';
import { UsageError } from './usage.js';

/** A list of endpoints as lines of at most 100 characters, under a label. */
function wrapList(label: string, items: readonly string[]): string {
  const lines: string[] = [];
  let line = `  ${label.padEnd(10)}`;
  for (const item of items) {
    const next = `${item}, `;
    if (line.length + next.length > 100 && line.trim() !== label) {
      lines.push(line.trimEnd());
      line = ' '.repeat(12);
    }
    line += next;
  }
  lines.push(line.replace(/, $/, ''));
  return lines.join('\n');
}

export const IMPORT_COMMAND = {
  synopsis: [
    'pmbt import FILE... --out OUT.json|OUT.jsonl [--market-out M.json] [--id ID]',
    'pmbt import FOLDER --out OUT.json|OUT.jsonl [--market-out M.json]',
    '            [--mode PM|PM_PRO] [--margin-leverage N]',
  ],
  about: `Turns saved Binance responses into portfolio documents for pmbt run (a job's "portfolios"), and
with --market-out their market responses into a market snapshot for pmbt snapshot. The files given
are one account; a folder of *.json files is one account named after the folder; a folder of
sub-folders is one account per sub-folder (id = its name), with market responses beside them.
Each file is recognised by its shape, whatever it is called:
${wrapList('accounts', listBinanceEndpoints('account'))}
${wrapList('markets', listBinanceEndpoints('market'))}`,
  column: 23,
  flags: [
    { name: 'out', value: 'FILE', description: ['portfolios to write: .json (one document, or an array for several accounts)', 'or .jsonl (one document a line); local path or s3://'] },
    { name: 'market-out', value: 'FILE', description: 'market snapshot (JSON) from the market responses among the inputs' },
    { name: 'id', value: 'ID', description: 'portfolio id of a one-account import (default: the folder\'s name, else binance)' },
    { name: 'mode', value: 'M', description: 'PM or PM_PRO (default: the account\'s accountType, else PM)' },
    { name: 'margin-leverage', value: 'N', description: 'account margin leverage (sets the loan MMR; Binance does not return it)' },
  ],
} as const satisfies CommandSpec;

export const IMPORT_USAGE = renderUsage(IMPORT_COMMAND);

interface Imported {
  accounts: { id: string; account: ImportedAccount }[];
  market: SavedResponse[];
}

/** The files given: one account (its account responses) and market responses. */
async function importFiles(paths: readonly string[], options: BinanceImportOptions, into: Imported): Promise<void> {
  if (paths.length === 0) return;
  const responses = await Promise.all(paths.map(async (p) => {
    const { store, key } = locateUri(p);
    const r = await readSavedResponse(store, key);
    return { name: p, json: r.json };
  }));
  const { account, market } = separateMarketResponses(responses);
  into.market.push(...market);
  if (account.length > 0) into.accounts.push({ id: options.id, account: importBinanceAccount(account, options) });
}

/** A folder: one account, or one per sub-folder. The first bad response stops the import. */
async function importFolder(path: string, options: Omit<BinanceImportOptions, 'id'> & { id?: string }, into: Imported): Promise<void> {
  const { store, key } = locateUri(path.replace(/\/+$/, ''));
  const layout = await listSavedAccounts(store, key);
  if (layout.accounts.length === 0) throw new InputError(path, '', 'a saved response, or a folder of saved responses (*.json)', 'nothing to read');
  if (options.id !== undefined && layout.accounts.length === 1 && layout.shared.length === 0) layout.accounts[0]!.id = options.id;
  const { accounts, shared } = await importSavedAccounts(store, layout, options);
  into.market.push(...shared);
  for (const a of accounts) {
    if (a.result instanceof InputError) throw a.result;
    into.accounts.push({ id: a.id, account: a.result });
    into.market.push(...a.market);
  }
}

function stablecoinsUsed(portfolios: readonly Portfolio[]): string[] {
  const used = new Set<string>();
  for (const p of portfolios) {
    for (const b of p.balances) used.add(b.asset);
    for (const u of p.umPositions) for (const coin of STABLECOIN_DEFAULTS) if ((u.symbol.split('_')[0] ?? '').endsWith(coin)) used.add(coin);
  }
  return STABLECOIN_DEFAULTS.filter((c) => used.has(c));
}

function formatPortfolios(out: string, portfolios: readonly Portfolio[]): string {
  const docs = portfolios.map(formatPortfolioDocument);
  if (/\.(jsonl|ndjson)$/i.test(out)) return docs.map((d) => `${JSON.stringify(d)}\n`).join('');
  return `${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`;
}

async function writeOutputs(values: { out?: string; 'market-out'?: string }, imported: Imported, warn: (line: string) => void): Promise<string[]> {
  const portfolios = imported.accounts.map((a) => a.account.portfolio);
  const lines: string[] = [];
  if (values.out !== undefined) {
    if (portfolios.length === 0) throw new UsageError('no account response among the inputs: nothing to write to --out');
    const { store, key } = locateUri(values.out);
    await store.write(key, formatPortfolios(values.out, portfolios));
    for (const p of portfolios) lines.push(`portfolio ${p.id} (${p.mode}): ${p.balances.length} balances, ${p.umPositions.length} UM and ${p.cmPositions.length} CM positions`);
    lines.push(`wrote ${values.out}`);
  }
  if (values['market-out'] !== undefined) {
    if (imported.market.length === 0) throw new UsageError('no market response among the inputs: nothing to write to --market-out');
    const built = buildBinanceMarket(imported.market, values.out === undefined ? STABLECOIN_DEFAULTS : stablecoinsUsed(portfolios));
    built.warnings.forEach(warn);
    const { store, key } = locateUri(values['market-out']);
    await store.write(key, `${JSON.stringify(formatMarketDocument(built), null, 2)}\n`);
    lines.push(`market ${built.indexPrices.size} index prices, ${built.markPrices.size} mark prices: wrote ${values['market-out']}`);
  } else if (imported.market.length > 0) {
    warn(`${imported.market.length} market response(s) not used: give --market-out to write them as a market snapshot`);
  }
  return lines;
}

export async function runImport(argv: string[], warn: (line: string) => void = (l) => process.stderr.write(`pmbt import: warning: ${l}\n`)): Promise<string> {
  const { values, positionals } = parseFlags(IMPORT_COMMAND.flags, argv, { positionals: true });
  if (positionals.length === 0) throw new UsageError('give the saved responses: files of one account, or a folder');
  if (values.out === undefined && values['market-out'] === undefined) throw new UsageError('give --out (portfolios) and/or --market-out (market snapshot)');
  if (values.out !== undefined && !/\.(json|jsonl|ndjson)$/i.test(values.out)) throw new UsageError(`--out must end in .json, .jsonl or .ndjson, got ${values.out}`);
  const options = readImportOptions(values, 'binance');
  const imported: Imported = { accounts: [], market: [] };
  const files: string[] = [];
  for (const p of positionals) {
    const { store, key } = locateUri(p.replace(/\/+$/, ''));
    if (await store.exists(key)) files.push(p);
    else await importFolder(p, { ...options, id: values.id }, imported);
  }
  await importFiles(files, options, imported);
  const ids = new Set<string>();
  for (const a of imported.accounts) {
    if (ids.has(a.id)) throw new UsageError(`two accounts named ${a.id}: give each its own folder, or --id`);
    ids.add(a.id);
    a.account.warnings.forEach(warn);
  }
  return `${(await writeOutputs(values, imported, warn)).join('\n')}\n`;
}
