import { parseArgs } from 'node:util';
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
import { UsageError } from './usage.js';

export const CONVERT_USAGE = `pmbt convert series --input FILE[:SYMBOL:KIND[:COLUMN]] [--input ...] --out OUT.arrow
                    [--symbol S --kind K [--value-column C]] [--at open|close] [--interval 8h]
                    [--time-column NAME] [--time-unit s|ms|us|ns] [--skip-missing] [--round-to D]
pmbt convert portfolios --input FILE --out OUT.arrow|OUT.jsonl|OUT.json

series: turns price and funding files into the historical series table (Arrow IPC file: time
ms UTC, symbol, kind index|mark|funding, value), merged and sorted by time (stable).
  --input FILE           a long table with columns time, symbol, kind, value (CSV, JSON array,
                         JSON Lines, or Arrow/Feather with any timestamp unit)
  --input FILE:SYMBOL:KIND[:COLUMN]
                         one series of a candle file (freqtrade Feather, CSV such as
                         timestamp,Open,High,Low,Close,Volume): e.g. x-8h-mark.feather:XRPUSDT:mark
                         or x-8h-funding_rate.feather:XRPUSDT:funding (the rate is in "open")
  --symbol S --kind K    the same for every --input that does not name its own
  --value-column C       default: close for index/mark; fundingRate, funding_rate, rate, value or
                         open (the first present) for funding. Column names ignore case.
  --at open|close        when a candle's value is stamped. A candle's time is its open time; its
                         close/high/low are only known at its end. Default: close (open time +
                         interval) for close/high/low of index/mark series, else open.
  --interval D           candle length (5m, 1h, 8h, 1d) for --at close; default: the most common
                         spacing between rows
  --time-column NAME     default: the first of time, date, timestamp, datetime, open_time
  --time-unit U          unit of epoch-number times; default: guessed from the first value
                         (below 1e11 seconds, 1e14 ms, 1e17 us, else ns). Text times are
                         YYYY-MM-DD HH:MM:SS (UTC) or ISO 8601.
  --skip-missing         drop rows whose value is empty/null/NaN instead of failing
  --round-to D           round every time to the nearest multiple of D (e.g. 1s): Binance's
                         realized funding times lag the funding hour by a few ms. Default: keep.
Times below a millisecond are floored. Rows repeating a (time, symbol, kind) with the same value
are dropped; with a different value they are an error. Each input may be at most
${MAX_SERIES_INPUT_BYTES / 1024 / 1024} MiB.

portfolios: converts portfolio files between Arrow (one row per portfolio), JSON Lines (one
document per line) and JSON (an array). The input format is recognised by content, the output
format by the --out extension (.arrow/.feather, .jsonl/.ndjson, .json). Arrow and JSON Lines are
streamed; a JSON input is read whole (at most ${MAX_JSON_PORTFOLIO_BYTES / 1024 / 1024} MiB), a JSON Lines line is at most
${MAX_JSONL_LINE_CHARS / 1024 / 1024} Mi characters. The first malformed portfolio stops the conversion.`;

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

async function runConvertSeries(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string', multiple: true },
      out: { type: 'string' },
      symbol: { type: 'string' },
      kind: { type: 'string' },
      'value-column': { type: 'string' },
      at: { type: 'string' },
      interval: { type: 'string' },
      'time-column': { type: 'string' },
      'time-unit': { type: 'string' },
      'skip-missing': { type: 'boolean' },
      'round-to': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.input === undefined || values.input.length === 0) throw new UsageError('--input is required');
  if (values.out === undefined) throw new UsageError('--out is required');
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
  const { values } = parseArgs({ args: argv, options: { input: { type: 'string' }, out: { type: 'string' } }, strict: true, allowPositionals: false });
  if (values.input === undefined) throw new UsageError('--input is required');
  if (values.out === undefined) throw new UsageError('--out is required');
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
