import { InputError } from '../domain/errors.js';
import type { MarginMode, Portfolio } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { importBinanceAccount } from '../io/binance/account.js';
import { parseMarketSnapshot } from '../io/json/market.js';
import { parsePortfolio } from '../io/json/portfolio.js';
import { buildRules } from '../rules/build.js';
import { readDefaultRuleDocuments } from '../io/rules-files.js';
import { renderSnapshotJson } from '../report/snapshot-json.js';
import { readJsonFile } from './files.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { UsageError } from './usage.js';

export const SNAPSHOT_COMMAND = {
  synopsis: [
    'pmbt snapshot --portfolio P --market M [--rules R ...]',
    'pmbt snapshot --binance-balance B [--binance-um U] [--binance-cm C] --market M [--rules R ...]',
    '              [--id ID] [--mode PM|PM_PRO] [--margin-leverage N]',
  ],
  about: `Evaluates one account at one instant and prints Binance's account fields (uniMMR, accountEquity,
actualEquity, accountMaintMargin, accountStatus, totalMarginOpenLoss) with a per-asset and
per-position breakdown, as JSON on stdout.`,
  column: 23,
  flags: [
    { name: 'portfolio', value: 'P', description: 'portfolio document (JSON, docs/formats.md)' },
    { name: 'binance-balance', value: 'B', description: 'saved response of GET /papi/v1/balance (instead of --portfolio)' },
    { name: 'binance-um', value: 'U', description: 'saved response of GET /papi/v1/um/positionRisk' },
    { name: 'binance-cm', value: 'C', description: 'saved response of GET /papi/v1/cm/positionRisk' },
    { name: 'id', value: 'ID', description: 'portfolio id for a Binance import (default: binance)' },
    { name: 'mode', value: 'M', description: 'PM (default) or PM_PRO, for a Binance import' },
    { name: 'margin-leverage', value: 'N', description: 'account margin leverage for a Binance import (sets the loan MMR)' },
    { name: 'market', value: 'M', description: 'market snapshot (JSON): index prices and mark prices', required: true },
    { name: 'rules', value: 'R', description: ['rules overriding data/rules/ (repeatable; a project rules document or a saved', 'Binance collateralRate / leverageBracket response)'], repeatable: true },
  ],
} as const satisfies CommandSpec;

export const SNAPSHOT_USAGE = renderUsage(SNAPSHOT_COMMAND);

export async function runSnapshot(argv: string[]): Promise<string> {
  const { values } = parseFlags(SNAPSHOT_COMMAND.flags, argv);
  const fromBinance = values['binance-balance'] !== undefined || values['binance-um'] !== undefined || values['binance-cm'] !== undefined;
  if ((values.portfolio === undefined) === !fromBinance) throw new UsageError('give either --portfolio or the --binance-* files');

  const ruleFiles = values.rules ?? [];
  const userRules = await Promise.all(ruleFiles.map(async (name) => ({ name, doc: await readJsonFile(name) })));
  const rules = buildRules([...(await readDefaultRuleDocuments()), ...userRules]);
  const market = parseMarketSnapshot(await readJsonFile(values.market), values.market);

  let portfolio: Portfolio;
  let portfolioFile: string;
  if (values.portfolio !== undefined) {
    portfolioFile = values.portfolio;
    portfolio = parsePortfolio(await readJsonFile(values.portfolio), rules, values.portfolio);
  } else {
    const load = async (name: string | undefined) => (name === undefined ? undefined : { name, json: await readJsonFile(name) });
    const mode = values.mode ?? 'PM';
    if (mode !== 'PM' && mode !== 'PM_PRO') throw new UsageError(`--mode must be PM or PM_PRO, got ${mode}`);
    const leverage = values['margin-leverage'];
    if (leverage !== undefined && !/^[1-9]\d*$/.test(leverage)) throw new UsageError(`--margin-leverage must be a whole number, got ${leverage}`);
    portfolioFile = values['binance-balance'] ?? values['binance-um'] ?? values['binance-cm'] ?? 'binance';
    portfolio = importBinanceAccount(
      { balance: await load(values['binance-balance']), um: await load(values['binance-um']), cm: await load(values['binance-cm']) },
      { id: values.id ?? 'binance', mode: mode as MarginMode, marginLeverage: leverage === undefined ? undefined : Number(leverage) },
    );
  }

  try {
    return `${JSON.stringify(renderSnapshotJson(calculateAccountSnapshot(portfolio, market, rules)), null, 2)}\n`;
  } catch (e) {
    // The engine names the document kind; say which file that was.
    if (e instanceof InputError) {
      const file = e.source === 'market' ? values.market : e.source === 'portfolio' ? portfolioFile : e.source === 'rules' ? ['data/rules', ...ruleFiles].join(' + ') : e.source;
      throw e.withSource(file);
    }
    throw e;
  }
}
