import { SERIES_KINDS, type SeriesKind } from '../domain/series.js';
import { EPOCH_UNITS, type EpochUnit } from '../io/arrow/columns.js';
import { writeSeriesArrow } from '../io/arrow/series.js';
import { MAX_SERIES_INPUT_BYTES } from '../io/convert/input-files.js';
import { writeFileAtomically } from '../io/convert/output-files.js';
import { MAX_JSON_PORTFOLIO_BYTES, MAX_JSONL_LINE_CHARS } from '../io/convert/portfolio-json.js';
import { convertPortfolioFile, portfolioFormatOfName } from '../io/convert/portfolios.js';
import { convertSeriesFiles, describeSeriesTable, type SeriesInput } from '../io/convert/series.js';
import type { CandleAt } from '../io/convert/series-parts.js';
import { formatDuration, parseDuration } from '../io/convert/time-text.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { UsageError } from './usage.js';

export const CONVERT_SERIES_COMMAND = {
  synopsis: [
    'pmbt convert series --input FILE[:SYMBOL:KIND[:COLUMN]] [--input ...] --out OUT.arrow',
    '                    [--symbol S --kind K [--value-column C]] [--at open|close] [--interval 8h]',
    '                    [--time-column NAME] [--time-unit s|ms|us|ns] [--skip-missing] [--round-to D]',
    '                    [--extremes] [--usd-index USDT,USDC]',
  ],
  heading: `series: turns price and funding files into the historical series table (Arrow IPC file: time
ms UTC, symbol, kind index|mark|funding, value), merged and sorted by time (stable). Files that say
what they hold need no symbol or kind: long tables, Binance's funding history (REST JSON, or an
archive SYMBOL-fundingRate-*.csv), Tardis.dev derivative_ticker files (mark and index as bars of
--interval, default 1m; funding once per funding_timestamp). Candle files — Binance klines (archive
CSV, REST arrays), ccxt OHLCV arrays, other tools' candles — name their series as FILE:SYMBOL:KIND.`,
  column: 25,
  flags: [
    {
      name: 'input', value: 'FILE', repeatable: true, required: true,
      description: ['a file that says what it holds (a long table time, symbol, kind, value;', 'funding history; a Tardis derivative_ticker) as CSV (also gzip-compressed', 'or a zip of CSVs), JSON, JSON Lines, Parquet or Arrow/Feather'],
      forms: [{ value: 'FILE:SYMBOL:KIND[:COLUMN]', description: ['one series of a candle file (freqtrade Feather, CSV such as', 'timestamp,Open,High,Low,Close,Volume, Binance klines with or without', 'their header): e.g. x-8h-mark.feather:XRPUSDT:mark,', 'BTCUSDT-1m-2024-03.zip:BTCUSDT:mark', 'or x-8h-funding_rate.feather:XRPUSDT:funding (the rate is in "open")'] }],
    },
    { name: 'out', value: 'OUT.arrow', description: 'where to write the series table', required: true },
    { name: 'symbol', value: 'S', description: 'with --kind: the symbol of every --input that does not name its own' },
    { name: 'kind', value: 'K', description: `with --symbol: ${SERIES_KINDS.join(', ')}` },
    { name: 'value-column', value: 'C', description: ['default: close for index/mark; fundingRate, funding_rate, rate, value or', 'open (the first present) for funding. Column names ignore case.'] },
    { name: 'at', value: 'open|close', description: ["when a candle's value is stamped. A candle's time is its open time; its", 'close/high/low are only known at its end. Default: close (open time +', 'interval) for close/high/low of index/mark series, else open.'] },
    { name: 'interval', value: 'D', description: ['candle length (5m, 1h, 8h, 1d) for --at close; default: from close_time', '(Binance klines), else the most common spacing between rows. The bar length', 'of ticker files (default 1m).'] },
    { name: 'time-column', value: 'NAME', description: 'default: the first of time, date, timestamp, datetime, open_time' },
    { name: 'time-unit', value: 'U', description: ['unit of epoch-number times; default: guessed from the first value', '(below 1e11 seconds, 1e14 ms, 1e17 us, else ns). Text times are', 'YYYY-MM-DD HH:MM:SS (UTC) or ISO 8601.'] },
    { name: 'skip-missing', description: 'drop rows whose value is empty/null/NaN instead of failing' },
    { name: 'usd-index', value: 'ASSETS', description: ['assets taken as 1 USD, comma-separated (stablecoins: USDT,USDC): an index', 'row of 1 at every time the table has prices. A row the inputs give for', 'the asset at the same time must be 1 too.'] },
    { name: 'extremes', description: ["candle files of index and mark series: also keep each candle's high and", 'low as the bar\'s extremes, so the replay sees the wicks'] },
    { name: 'round-to', value: 'D', description: ["round every time to the nearest multiple of D (e.g. 1s): Binance's", 'realized funding times lag the funding hour by a few ms. Default: keep.'] },
  ],
  footer: `Times below a millisecond are floored. Rows repeating a (time, symbol, kind) with the same value
are dropped; with a different value they are an error. CSV, gzip, zip and Parquet inputs are
streamed, whatever their size; an Arrow or JSON input is read whole, at most
${MAX_SERIES_INPUT_BYTES / 1024 / 1024} MiB.`,
} as const satisfies CommandSpec;

export const CONVERT_PORTFOLIOS_COMMAND = {
  synopsis: ['pmbt convert portfolios --input FILE --out OUT.arrow|OUT.jsonl|OUT.json'],
  heading: `portfolios: converts portfolio files between Arrow (one row per portfolio), JSON Lines (one
document per line) and JSON (an array). The input format is recognised by content, the output
format by the --out extension (.arrow/.feather, .jsonl/.ndjson, .json). Arrow and JSON Lines are
streamed; a JSON input is read whole (at most ${MAX_JSON_PORTFOLIO_BYTES / 1024 / 1024} MiB), a JSON Lines line is at most
${MAX_JSONL_LINE_CHARS / 1024 / 1024} Mi characters. The first malformed portfolio stops the conversion.`,
  column: 25,
  flags: [
    { name: 'input', value: 'FILE', description: 'the portfolios: Arrow/Feather, JSON or JSON Lines', required: true },
    { name: 'out', value: 'FILE', description: 'where to write them: .arrow/.feather, .jsonl/.ndjson or .json', required: true },
  ],
} as const satisfies CommandSpec;

/** Both conversions' synopses first, then each one's options. */
export const CONVERT_USAGE = [
  [...CONVERT_SERIES_COMMAND.synopsis, ...CONVERT_PORTFOLIOS_COMMAND.synopsis].join('\n'),
  renderUsage({ ...CONVERT_SERIES_COMMAND, synopsis: [] }).replace(/^\n\n/, ''),
  renderUsage({ ...CONVERT_PORTFOLIOS_COMMAND, synopsis: [] }).replace(/^\n\n/, ''),
].join('\n\n');

const isKind = (k: string): k is SeriesKind => (SERIES_KINDS as readonly string[]).includes(k);

/**
 * FILE, FILE:SYMBOL:KIND or FILE:SYMBOL:KIND:COLUMN. Read from the right so a path may contain
 * colons: the suffix counts only when its KIND is a series kind.
 */
export function parseSeriesInputSpec(spec: string): SeriesInput {
  const parts = spec.split(':');
  const n = parts.length;
  if (n >= 3 && isKind(parts[n - 1]!) && parts[n - 2] !== '') {
    return { path: parts.slice(0, n - 2).join(':'), symbol: parts[n - 2]!, kind: parts[n - 1] as SeriesKind };
  }
  if (n >= 4 && isKind(parts[n - 2]!) && parts[n - 3] !== '' && parts[n - 1] !== '') {
    return { path: parts.slice(0, n - 3).join(':'), symbol: parts[n - 3]!, kind: parts[n - 2] as SeriesKind, column: parts[n - 1]! };
  }
  return { path: spec };
}

function readAssetList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const assets = text.split(',').map((a) => a.trim());
  const bad = assets.find((a) => !/^[A-Z0-9]+$/.test(a));
  if (bad !== undefined) throw new UsageError(`--usd-index takes assets such as USDT,USDC, got ${JSON.stringify(bad)}`);
  return assets;
}

async function runConvertSeries(argv: string[]): Promise<string> {
  const { values } = parseFlags(CONVERT_SERIES_COMMAND.flags, argv);
  if ((values.symbol === undefined) !== (values.kind === undefined)) throw new UsageError('give --symbol and --kind together');
  if (values.kind !== undefined && !isKind(values.kind)) throw new UsageError(`--kind must be one of ${SERIES_KINDS.join(', ')}, got ${values.kind}`);
  if (values['value-column'] !== undefined && values.symbol === undefined) throw new UsageError('--value-column goes with --symbol and --kind');
  if (values.at !== undefined && values.at !== 'open' && values.at !== 'close') throw new UsageError(`--at must be open or close, got ${values.at}`);
  const intervalMs = values.interval === undefined ? undefined : parseDuration(values.interval);
  if (values.interval !== undefined && intervalMs === undefined) throw new UsageError(`--interval must be a duration such as 5m, 1h, 8h or 1d, got ${values.interval}`);
  const roundToMs = values['round-to'] === undefined ? undefined : parseDuration(values['round-to']);
  if (values['round-to'] !== undefined && roundToMs === undefined) throw new UsageError(`--round-to must be a duration such as 1s or 1m, got ${values['round-to']}`);
  const timeUnit = values['time-unit'];
  if (timeUnit !== undefined && !(EPOCH_UNITS as readonly string[]).includes(timeUnit)) throw new UsageError(`--time-unit must be one of ${EPOCH_UNITS.join(', ')}, got ${timeUnit}`);

  const inputs = values.input.map((spec): SeriesInput => {
    const input = parseSeriesInputSpec(spec);
    if (input.symbol !== undefined || values.symbol === undefined) return input;
    return { path: input.path, symbol: values.symbol, kind: values.kind as SeriesKind, column: values['value-column'] };
  });
  const converted = await convertSeriesFiles(inputs, {
    at: values.at as CandleAt | undefined,
    intervalMs,
    timeColumn: values['time-column'],
    timeUnit: timeUnit as EpochUnit | undefined,
    skipMissing: values['skip-missing'] ?? false,
    roundToMs,
    extremes: values.extremes ?? false,
    usdIndex: readAssetList(values['usd-index']),
  });
  const bytes = writeSeriesArrow(converted.table);
  await writeFileAtomically(values.out, (write) => write(bytes));

  const lines = [`wrote ${values.out}: ${converted.table.times.length} rows, ${bytes.length} bytes`];
  for (const part of converted.parts) {
    lines.push(`  ${part.src}: ${part.times.length} rows (${part.note})${part.skipped > 0 ? `, ${part.skipped} rows with a missing value skipped` : ''}`);
  }
  for (const line of describeSeriesTable(converted.table)) lines.push(`  ${line}`);
  if (converted.duplicatesDropped > 0) lines.push(`  ${converted.duplicatesDropped} repeated rows dropped`);
  if (roundToMs !== undefined) lines.push(`  times rounded to ${formatDuration(roundToMs)}`);
  return `${lines.join('\n')}\n`;
}

async function runConvertPortfolios(argv: string[]): Promise<string> {
  const { values } = parseFlags(CONVERT_PORTFOLIOS_COMMAND.flags, argv);
  const format = portfolioFormatOfName(values.out);
  if (format === undefined) throw new UsageError(`--out must end in .arrow, .feather, .jsonl, .ndjson or .json, got ${values.out}`);
  const { count } = await convertPortfolioFile(values.input, values.out, format);
  return `wrote ${values.out}: ${count} portfolios (${format})\n`;
}

/** `pmbt convert series|portfolios ...`; returns the report for stdout. */
export async function runConvert(argv: string[]): Promise<string> {
  const [what, ...rest] = argv;
  if (what === 'series') return runConvertSeries(rest);
  if (what === 'portfolios') return runConvertPortfolios(rest);
  throw new UsageError(what === undefined ? 'say what to convert: series or portfolios' : `unknown conversion "${what}" (series or portfolios)`);
}
