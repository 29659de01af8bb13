import { homedir } from 'node:os';
import { streamPortfolioDocuments } from '../batch/inputs.js';
import { describePortfolioAt } from '../domain/json-fields.js';
import { writeSeriesArrow } from '../io/arrow/series.js';
import { defaultCacheFolder, folderCache } from '../io/binance-data/cache.js';
import { DAY_MS, KLINE_INTERVALS, parseDay, startOfDay } from '../io/binance-data/days.js';
import { BINANCE_DATA_URLS } from '../io/binance-data/urls.js';
import { fetchPriceHistory, type FetchProgress } from '../io/binance-data/fetch-history.js';
import { collectPortfolioNeeds, planFetch, STABLECOINS, type FetchPlan } from '../io/binance-data/plan.js';
import { writeFileAtomically } from '../io/convert/output-files.js';
import { describeSeriesTable } from '../io/convert/series.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { locateUri } from './stores.js';
import { UsageError } from './usage.js';

export const FETCH_COMMAND = {
  synopsis: [
    'pmbt fetch --symbols BTCUSDT,ETHUSDT,BTCUSD_PERP --from YYYY-MM-DD --to YYYY-MM-DD --out prices.arrow',
    'pmbt fetch --for PORTFOLIOS --from YYYY-MM-DD --to YYYY-MM-DD --out prices.arrow',
    '           [--interval 1m] [--cache DIR] [--quiet]',
  ],
  about: `Downloads Binance's public market data for the days asked (UTC, both included) and writes one
price history: per contract its mark price klines and (perpetuals) realized funding, per asset its
USD index (COIN-M <ASSET>USD pair index, else USDⓈ-M <ASSET>USDT taking USDT = 1 USD; USDT, USDC
and FDUSD a constant 1), each bar with its high and low. Whole months come from the data archive's
monthly zips, other days from its daily zips, days it does not have yet from the REST API; every
zip is checked against its .CHECKSUM. Downloads are kept in the cache, so a run that stops resumes
where it was. Today's bars that have closed are fetched when --to is today (never cached).`,
  column: 23,
  flags: [
    { name: 'symbols', value: 'LIST', description: 'contracts, comma-separated: BTCUSDT, BTCUSDT_240628, BTCUSD_PERP, BTCUSD_240628' },
    { name: 'for', value: 'PORTFOLIOS', description: ['every contract and asset some portfolio holds (positions, open orders,', 'balances, loans, actions); any portfolios file or folder pmbt run reads'] },
    { name: 'from', value: 'DAY', description: 'first day, YYYY-MM-DD (UTC)', required: true },
    { name: 'to', value: 'DAY', description: 'last day, YYYY-MM-DD (UTC), included; at most today', required: true },
    { name: 'interval', value: 'I', description: `kline interval: ${Object.keys(KLINE_INTERVALS).join(', ')}`, default: '1m' },
    { name: 'out', value: 'FILE', description: 'the price history to write (Arrow IPC)', required: true },
    { name: 'cache', value: 'DIR', description: 'downloads kept between runs (default $XDG_CACHE_HOME/pmbt or ~/.cache/pmbt)' },
    { name: 'archive-url', value: 'URL', description: 'the data archive', default: BINANCE_DATA_URLS.archive },
    { name: 'fapi-url', value: 'URL', description: 'the USDⓈ-M futures REST API', default: BINANCE_DATA_URLS.fapi },
    { name: 'dapi-url', value: 'URL', description: 'the COIN-M futures REST API', default: BINANCE_DATA_URLS.dapi },
    { name: 'quiet', description: 'no progress on stderr' },
  ],
} as const satisfies CommandSpec;

export const FETCH_USAGE = renderUsage(FETCH_COMMAND);

function readDayFlag(name: string, text: string): number {
  const day = parseDay(text);
  if (day === undefined) throw new UsageError(`--${name} must be a day YYYY-MM-DD, got ${text}`);
  return day;
}

function readUrlFlag(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL, got ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${name} must be an http(s) URL, got ${text}`);
  return text.replace(/\/+$/, '');
}

/** The contracts of --symbols and every contract and asset of --for's portfolios. */
async function readPlan(symbols: string | undefined, portfolios: string | undefined): Promise<FetchPlan> {
  if (symbols === undefined && portfolios === undefined) throw new UsageError('say what to fetch: --symbols LIST or --for PORTFOLIOS');
  const needs = { contracts: new Set<string>(), assets: new Set<string>() };
  for (const s of symbols?.split(',') ?? []) {
    if (s.trim() === '') throw new UsageError(`--symbols must be contracts separated by commas, got ${JSON.stringify(symbols)}`);
    needs.contracts.add(s.trim());
  }
  if (portfolios !== undefined) {
    for await (const item of streamPortfolioDocuments(locateUri, portfolios).items) {
      if (item.error !== undefined) throw item.error.withSource(portfolios);
      collectPortfolioNeeds(item.doc, `${portfolios}: ${describePortfolioAt(item.index, item.doc.id)}`, needs);
    }
  }
  return planFetch([...needs.contracts], [...needs.assets]);
}

function progressPrinter(quiet: boolean): ((p: FetchProgress) => void) | undefined {
  if (quiet) return undefined;
  const tty = process.stderr.isTTY;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.filesDone < p.filesTotal && now - last < (tty ? 200 : 5000)) return;
    last = now;
    const line = `fetched ${p.filesDone}/${p.filesTotal} files · ${(p.bytes / 1e6).toFixed(1)} MB · ${p.item}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${p.filesDone === p.filesTotal ? '\n' : ''}` : `${line}\n`);
  };
}

/** `pmbt fetch ...`; returns the report for stdout. */
export async function runFetch(argv: string[]): Promise<string> {
  const { values } = parseFlags(FETCH_COMMAND.flags, argv);
  const from = readDayFlag('from', values.from);
  const to = readDayFlag('to', values.to);
  if (to < from) throw new UsageError(`--to (${values.to}) is before --from (${values.from})`);
  if (to > startOfDay(Date.now())) throw new UsageError(`--to (${values.to}) is after today (UTC): there is nothing to fetch for days not begun`);
  if (KLINE_INTERVALS[values.interval] === undefined) throw new UsageError(`--interval must be one of ${Object.keys(KLINE_INTERVALS).join(', ')}, got ${values.interval}`);
  const urls = { archive: readUrlFlag('archive-url', values['archive-url']), fapi: readUrlFlag('fapi-url', values['fapi-url']), dapi: readUrlFlag('dapi-url', values['dapi-url']) };
  const plan = await readPlan(values.symbols, values.for);
  const stable = plan.constantIndex.filter((a) => (STABLECOINS as readonly string[]).includes(a));
  if (stable.length > 0 && !values.quiet) process.stderr.write(`pmbt fetch: assuming ${stable.join(', ')} = 1 USD at every bar (no USD index published for them)\n`);

  const cacheDir = values.cache ?? defaultCacheFolder(process.env, homedir());
  const result = await fetchPriceHistory({
    plan, from, to, interval: values.interval, urls, cache: folderCache(cacheDir),
    http: { fetch: (url, init) => fetch(url, init), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: Date.now },
    progress: progressPrinter(values.quiet ?? false),
  });
  if (!values.quiet) for (const note of result.notes) process.stderr.write(`pmbt fetch: ${note}\n`);
  const bytes = writeSeriesArrow(result.table);
  await writeFileAtomically(values.out, (write) => write(bytes));

  const days = Math.round((to - from) / DAY_MS) + 1;
  const lines = [
    `wrote ${values.out}: ${result.table.times.length} rows, ${bytes.length} bytes (${days} day(s) of ${values.interval} bars, with high and low)`,
    `  ${result.files} files: ${result.fromCache} from the cache (${cacheDir}), ${result.files - result.fromCache} downloaded (${result.bytes} bytes, ${result.restRequests} REST requests)`,
    ...describeSeriesTable(result.table).map((l) => `  ${l}`),
  ];
  return `${lines.join('\n')}\n`;
}
