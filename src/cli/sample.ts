import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSeriesArrow } from '../io/arrow/series.js';
import { buildRules } from '../rules/build.js';
import { readDefaultRuleDocuments } from '../io/rules-files.js';
import { formatPortfoliosJsonl, generateSampleDataset } from '../sample/dataset.js';
import { DEFAULT_SAMPLE_SEED, isWholeMinutes } from '../sample/market-options.js';
import { formatSampleSummary } from '../sample/summary.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { UsageError } from './usage.js';

export const SAMPLE_COMMAND = {
  synopsis: ['pmbt sample [--out data/sample] [--seed N] [--portfolios 1000] [--days 15]'],
  about: `Writes SYNTHETIC sample data, reproducible from the seed (data/sample/README.md documents the
generator): prices.arrow (1-minute index and mark prices of BTC, ETH, BNB, SOL, USDT, USDC and their
USDⓈ-M / COIN-M contracts, funding every 8 h, one crash on day 9), portfolios.jsonl (one portfolio
document a line, calibrated with the exact engine to start valid) and job.json (a job replaying
them: pmbt run OUT/job.json). Prints the portfolio mix and the starting uniMMR distribution.`,
  column: 20,
  flags: [
    { name: 'out', value: 'DIR', description: 'output folder (default {default}; job.json refers to the files through it)', default: 'data/sample' },
    { name: 'seed', value: 'N', description: 'whole number ≥ 0 (default {default})', default: String(DEFAULT_SAMPLE_SEED) },
    { name: 'portfolios', value: 'N', description: 'number of portfolios (default {default})', default: '1000' },
    { name: 'days', value: 'D', description: ['length of the price history in days, whole minutes (default {default}; the crash', 'needs at least 11)'], default: '15' },
  ],
} as const satisfies CommandSpec;

export const SAMPLE_USAGE = renderUsage(SAMPLE_COMMAND);

const MAX_PORTFOLIOS = 1_000_000;
const MAX_DAYS = 366;

function readWholeNumber(flag: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) > max) throw new UsageError(`--${flag} must be a whole number from 0 to ${max}, got ${text}`);
  return Number(text);
}

function formatBytes(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} MB` : `${(n / 1000).toFixed(1)} kB`;
}

export async function runSample(argv: string[]): Promise<string> {
  const { values } = parseFlags(SAMPLE_COMMAND.flags, argv);
  const outDir = values.out;
  if (outDir.length === 0) throw new UsageError('--out must name a folder');
  const seed = readWholeNumber('seed', values.seed, Number.MAX_SAFE_INTEGER);
  const portfolios = readWholeNumber('portfolios', values.portfolios, MAX_PORTFOLIOS);
  const days = Number(values.days);
  if (!/^\d+(\.\d+)?$/.test(values.days) || !(days > 0) || days > MAX_DAYS || !isWholeMinutes(days)) {
    throw new UsageError(`--days must be a number of days > 0 and ≤ ${MAX_DAYS} that is a whole number of minutes, got ${values.days}`);
  }

  const rules = buildRules(await readDefaultRuleDocuments());
  const dataset = generateSampleDataset({ seed, portfolios, days, rules, outDir });
  const prices = writeSeriesArrow(dataset.table);
  const jsonl = formatPortfoliosJsonl(dataset.documents);
  const job = `${JSON.stringify(dataset.job, null, 2)}\n`;
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'prices.arrow'), prices);
  await writeFile(join(outDir, 'portfolios.jsonl'), jsonl);
  await writeFile(join(outDir, 'job.json'), job);

  const fundingRows = dataset.table.kinds.filter((k) => k === 2).length;
  const crash = dataset.crash;
  return [
    `SYNTHETIC sample data (seed ${seed}, ${days} days from ${dataset.job.from}):`,
    `  ${join(outDir, 'prices.arrow')}  ${formatBytes(prices.length)}, ${dataset.table.times.length} rows (${dataset.table.symbols.length} series a minute, ${fundingRows} funding rows)`,
    `  ${join(outDir, 'portfolios.jsonl')}  ${formatBytes(Buffer.byteLength(jsonl))}, ${dataset.documents.length} portfolios`,
    `  ${join(outDir, 'job.json')}  run it with: pmbt run ${join(outDir, 'job.json')}`,
    crash === undefined
      ? '  no crash inside the window (it starts on day 9 at 14:00 UTC and needs --days ≥ 11 for its rebound)'
      : `  crash: ${new Date(crash.start).toISOString()} → ${new Date(crash.bottom).toISOString()}, BTC −${(crash.depth * 100).toFixed(0)} % (alts deeper), partial rebound until ${new Date(crash.reboundEnd).toISOString()}`,
    formatSampleSummary(dataset.summary),
    '',
  ].join('\n');
}
