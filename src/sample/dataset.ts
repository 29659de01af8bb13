import type { SeriesTable } from '../domain/series.js';
import type { Rules } from '../domain/types.js';
import { generateSampleMarket, findSampleCrashTimes, type SampleCrashTimes } from './market.js';
import { DAY_MINUTES, MINUTE_MS } from './market-options.js';
import type { SamplePortfolioDocument } from './portfolio-document.js';
import { generateSamplePortfolios } from './portfolios.js';
import { findFirstMarketSnapshot } from './snapshot.js';
import { summarizeSamplePortfolios, type SamplePortfolioSummary } from './summary.js';

export interface SampleDatasetOptions {
  seed: number;
  portfolios: number;
  days: number;
  rules: Rules;
  /** Where the job will find the files (as written into job.json), e.g. "data/sample". */
  outDir: string;
}

/** The job spec of docs/formats.md that replays the sample. */
export interface SampleJobSpec {
  jobId: string;
  description: string;
  prices: string;
  portfolios: string;
  from: string;
  to: string;
  timeline: { resolution: string };
  liquidation: { policy: 'full'; slippage: string };
  output: string;
}

export interface SampleDataset {
  table: SeriesTable;
  documents: SamplePortfolioDocument[];
  job: SampleJobSpec;
  summary: SamplePortfolioSummary;
  /** Undefined when the crash lies outside the generated days. */
  crash: SampleCrashTimes | undefined;
}

const formatIso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Everything `pmbt sample` writes, in memory: market, calibrated portfolios, job spec, summary. */
export function generateSampleDataset(options: SampleDatasetOptions): SampleDataset {
  const { seed, days, rules } = options;
  const table = generateSampleMarket({ seed, days });
  const market = findFirstMarketSnapshot(table);
  const windowStart = table.times[0]!;
  const windowEnd = windowStart + Math.round(days * DAY_MINUTES) * MINUTE_MS;
  const documents = generateSamplePortfolios(options.portfolios, seed, { rules, market, windowStart, windowEnd });
  const crash = findSampleCrashTimes({ seed, days });
  const dir = options.outDir.replace(/\/+$/, '');
  return {
    table,
    documents,
    summary: summarizeSamplePortfolios(documents, market, rules),
    crash: crash !== undefined && crash.bottom < windowEnd ? crash : undefined,
    job: {
      jobId: 'sample-crash',
      description: `Synthetic sample (seed ${seed}): ${options.portfolios} portfolios through ${days} days of 1-minute prices with one crash; see data/sample/README.md`,
      prices: `${dir}/prices.arrow`,
      portfolios: `${dir}/portfolios.jsonl`,
      from: formatIso(windowStart),
      to: formatIso(windowEnd),
      timeline: { resolution: '1h' },
      liquidation: { policy: 'full', slippage: '0.001' },
      output: 'out/',
    },
  };
}

/** One document per line, keys in generation order: the same bytes for the same seed. */
export function formatPortfoliosJsonl(documents: readonly SamplePortfolioDocument[]): string {
  return documents.map((d) => `${JSON.stringify(d)}\n`).join('');
}
