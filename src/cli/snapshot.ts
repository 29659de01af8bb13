import { InputError } from '../domain/errors.js';
import type { MarginMode, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { importBinanceAccount, type AccountResponse, type BinanceImportOptions, type FuturesMarket } from '../io/binance/account.js';
import { buildBinanceMarket, STABLECOIN_DEFAULTS } from '../io/binance/market.js';
import { splitSymbol } from '../rules/resolve.js';
import { parseMarketSnapshot } from '../io/json/market.js';
import { parsePortfolio } from '../io/json/portfolio.js';
import { buildRules } from '../rules/build.js';
import { readDefaultRuleDocuments } from '../io/rules-files.js';
import { renderSnapshotJson } from '../report/snapshot-json.js';
import { readJsonFile } from './files.js';
import { parseFlags, renderUsage, type CommandSpec, type FlagValues } from './flags.js';
import { UsageError } from './usage.js';

export const SNAPSHOT_COMMAND = {
  synopsis: [
    'pmbt snapshot --portfolio P --market M [--market M2 ...] [--rules R ...]',
    'pmbt snapshot --binance F [--binance F2 ...] --market M [--market M2 ...] [--rules R ...]',
    '              [--id ID] [--mode PM|PM_PRO] [--margin-leverage N]',
  ],
  about: `Evaluates one account at one instant and prints Binance's account fields (uniMMR, accountEquity,
actualEquity, accountMaintMargin, accountStatus, totalMarginOpenLoss) with a per-asset and
per-position breakdown, as JSON on stdout.`,
  column: 23,
  flags: [
    { name: 'portfolio', value: 'P', description: 'portfolio document (JSON, docs/formats.md)' },
    { name: 'binance', value: 'F', description: ['a saved Binance account response, recognised by shape (repeatable; instead of', '--portfolio): balance, account, positionRisk, um|cm/account (docs/cli.md)'], repeatable: true },
    { name: 'binance-balance', value: 'B', description: 'saved response of GET /papi/v1/balance (as --binance)' },
    { name: 'binance-um', value: 'U', description: ['saved UM positions (as --binance, all UM): /papi/v1/um/positionRisk,', '/papi/v1/um/account, /fapi/v2|v3/positionRisk'] },
    { name: 'binance-cm', value: 'C', description: ['saved CM positions (as --binance, all CM): /papi/v1/cm/positionRisk,', '/papi/v1/cm/account, /dapi/v1/positionRisk'] },
    { name: 'id', value: 'ID', description: 'portfolio id for a Binance import (default: binance)' },
    { name: 'mode', value: 'M', description: 'PM or PM_PRO, for a Binance import (default: the account\'s accountType, else PM)' },
    { name: 'margin-leverage', value: 'N', description: 'account margin leverage for a Binance import (sets the loan MMR)' },
    { name: 'market', value: 'M', description: ['market snapshot (JSON), or saved /sapi/v1/portfolio/asset-index-price,', '/fapi/v1/premiumIndex, /dapi/v1/premiumIndex responses (repeatable, merged)'], repeatable: true, required: true },
    { name: 'rules', value: 'R', description: ['rules overriding data/rules/ (repeatable; a project rules document or a saved', 'Binance collateralRate / leverageBracket response)'], repeatable: true },
  ],
} as const satisfies CommandSpec;

export const SNAPSHOT_USAGE = renderUsage(SNAPSHOT_COMMAND);

type SnapshotValues = FlagValues<typeof SNAPSHOT_COMMAND.flags>;

/** --id, --mode and --margin-leverage of a Binance import. */
export function readImportOptions(values: { id?: string; mode?: string; 'margin-leverage'?: string }, defaultId: string): BinanceImportOptions {
  const mode = values.mode;
  if (mode !== undefined && mode !== 'PM' && mode !== 'PM_PRO') throw new UsageError(`--mode must be PM or PM_PRO, got ${mode}`);
  const leverage = values['margin-leverage'];
  if (leverage !== undefined && !/^[1-9]\d*$/.test(leverage)) throw new UsageError(`--margin-leverage must be a whole number, got ${leverage}`);
  return { id: values.id ?? defaultId, mode: mode as MarginMode | undefined, marginLeverage: leverage === undefined ? undefined : Number(leverage) };
}

/** The portfolio of --portfolio or of the --binance* files (also `pmbt risk`'s). */
export async function loadPortfolio(values: SnapshotValues, rules: Rules): Promise<{ portfolio: Portfolio; file: string; warnings: string[] }> {
  if (values.portfolio !== undefined) {
    return { portfolio: parsePortfolio(await readJsonFile(values.portfolio), rules, values.portfolio), file: values.portfolio, warnings: [] };
  }
  const load = async (name: string, market?: FuturesMarket): Promise<AccountResponse> => ({ name, json: await readJsonFile(name), market });
  const responses = [
    ...(await Promise.all((values.binance ?? []).map((f) => load(f)))),
    ...(values['binance-balance'] === undefined ? [] : [await load(values['binance-balance'])]),
    ...(values['binance-um'] === undefined ? [] : [await load(values['binance-um'], 'UM')]),
    ...(values['binance-cm'] === undefined ? [] : [await load(values['binance-cm'], 'CM')]),
  ];
  const { portfolio, warnings } = importBinanceAccount(responses, readImportOptions(values, 'binance'));
  return { portfolio, file: responses.map((r) => String(r.name)).join(' + '), warnings };
}

/** The stablecoins a portfolio needs an index price for: its assets and its UM positions' quotes. */
export function findStablecoinsUsed(portfolio: Portfolio, rules: Rules): string[] {
  const assets = new Set(portfolio.balances.map((b) => b.asset));
  for (const p of portfolio.umPositions) {
    const quote = splitSymbol(rules, p.symbol.split('_')[0] ?? p.symbol)?.quote;
    if (quote !== undefined) assets.add(quote);
  }
  return STABLECOIN_DEFAULTS.filter((c) => assets.has(c));
}

/** The market of the --market files: one market snapshot document, or saved Binance responses merged. */
export async function loadMarket(files: readonly string[], portfolio: Portfolio, rules: Rules): Promise<{ market: MarketSnapshot; warnings: string[] }> {
  const docs = await Promise.all(files.map(async (name) => ({ name, json: await readJsonFile(name) })));
  // One market snapshot document alone is read as before: every price it lacks is an error.
  if (docs.length === 1 && typeof docs[0]!.json === 'object' && docs[0]!.json !== null && !Array.isArray(docs[0]!.json) && !('symbol' in docs[0]!.json)) {
    return { market: parseMarketSnapshot(docs[0]!.json, docs[0]!.name), warnings: [] };
  }
  const built = buildBinanceMarket(docs, findStablecoinsUsed(portfolio, rules));
  return { market: built.market, warnings: built.warnings };
}

/** What a command that evaluates one account reads from snapshot's flags (pmbt snapshot, pmbt risk). */
export interface AccountInputs {
  portfolio: Portfolio;
  market: MarketSnapshot;
  rules: Rules;
  /** From importing saved Binance responses and building their market. */
  warnings: string[];
  /** The engine names the document kind of bad input (market, portfolio, rules): this says which file that was. */
  nameInputFile(e: unknown): unknown;
}

export async function loadAccountInputs(values: SnapshotValues): Promise<AccountInputs> {
  const fromBinance = (values.binance ?? []).length > 0 || values['binance-balance'] !== undefined || values['binance-um'] !== undefined || values['binance-cm'] !== undefined;
  if ((values.portfolio === undefined) === !fromBinance) throw new UsageError('give either --portfolio or the --binance* files');
  const ruleFiles = values.rules ?? [];
  const userRules = await Promise.all(ruleFiles.map(async (name) => ({ name, doc: await readJsonFile(name) })));
  const rules = buildRules([...(await readDefaultRuleDocuments()), ...userRules]);
  const { portfolio, file: portfolioFile, warnings: importWarnings } = await loadPortfolio(values, rules);
  const { market, warnings: marketWarnings } = await loadMarket(values.market, portfolio, rules);
  const nameInputFile = (e: unknown): unknown => {
    if (!(e instanceof InputError)) return e;
    const file = e.source === 'market' ? values.market.join(' + ') : e.source === 'portfolio' ? portfolioFile : e.source === 'rules' ? ['data/rules', ...ruleFiles].join(' + ') : e.source;
    return e.withSource(file);
  };
  return { portfolio, market, rules, warnings: [...importWarnings, ...marketWarnings], nameInputFile };
}

export async function runSnapshot(argv: string[]): Promise<string> {
  const { values } = parseFlags(SNAPSHOT_COMMAND.flags, argv);
  const { portfolio, market, rules, warnings, nameInputFile } = await loadAccountInputs(values);
  try {
    const out = renderSnapshotJson(calculateAccountSnapshot(portfolio, market, rules));
    out.warnings = [...warnings, ...(out.warnings as string[])];
    return `${JSON.stringify(out, null, 2)}\n`;
  } catch (e) {
    throw nameInputFile(e);
  }
}
