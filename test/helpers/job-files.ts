import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSeriesArrow } from '../../src/io/arrow/series.js';
import { everyMinute, HOUR, seriesOf, type SeriesRow } from './series.js';

export const JOB_T0 = Date.UTC(2024, 2, 12);

/**
 * A small but complete job: six hours of minute prices in which BTC falls 30 % between hours 2
 * and 4, with funding every 8 h, and portfolios of rising leverage plus two bad ones.
 */
export function writeSmallJob(dir = mkdtempSync(join(tmpdir(), 'pmbt-job-')), options: { portfolios?: number } = {}): { dir: string; jobFile: string; job: Record<string, unknown> } {
  const minutes = 6 * 60;
  const btc = (m: number) => 40_000 * (1 - 0.3 * Math.max(0, Math.min(1, (m - 120) / 120)));
  const rows: SeriesRow[] = [
    ...everyMinute(JOB_T0, minutes, 'USDT', 'index', () => 1),
    ...everyMinute(JOB_T0, minutes, 'BTC', 'index', btc),
    ...everyMinute(JOB_T0, minutes, 'BTCUSDT', 'mark', (m) => btc(m) * 1.0005),
    ...everyMinute(JOB_T0, minutes, 'BTCUSD_PERP', 'mark', (m) => btc(m) * 1.0003),
    [JOB_T0 + 3, 'BTCUSDT', 'funding', 0.0001],
    [JOB_T0 + 8 * HOUR + 3, 'BTCUSDT', 'funding', 0.0001],
  ];
  writeFileSync(join(dir, 'prices.arrow'), writeSeriesArrow(seriesOf(rows)));
  const lines: string[] = [];
  const n = options.portfolios ?? 24;
  for (let i = 0; i < n; i++) {
    const leverage = 1 + i * 0.75;
    lines.push(JSON.stringify(i % 3 === 2
      ? { id: `p${i}`, balances: [{ asset: 'BTC', crossMarginFree: '1', cmWalletBalance: '0.2' }], cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: String(-4 * (i % 5 + 1)), entryPrice: '40000' }] }
      : { id: `p${i}`, balances: [{ asset: 'USDT', umWalletBalance: '10000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: ((10_000 * leverage) / 40_000).toFixed(3), entryPrice: '40000' }] }));
  }
  lines.splice(3, 0, '{"id": "bad-field", "balances": [{"asset": "USDT", "crossMarginFree": "-5"}]}');
  lines.splice(7, 0, 'this is not JSON');
  writeFileSync(join(dir, 'portfolios.jsonl'), `${lines.join('\n')}\n`);
  const job = { jobId: 'small', prices: join(dir, 'prices.arrow'), portfolios: join(dir, 'portfolios.jsonl'), output: join(dir, 'out'), batchSize: 5, timeline: { resolution: '1h' } };
  const jobFile = join(dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  return { dir, jobFile, job };
}

/** The documents of a portfolios file that parse as JSON (the small job's file also holds a line that is not JSON). */
export function readJsonDocuments(portfoliosFile: string): Record<string, unknown>[] {
  return readFileSync(portfoliosFile, 'utf8').split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
