import { createHash } from 'node:crypto';
import { InputError } from '../../domain/errors.js';
import { readSeriesBytes } from '../convert/series.js';
import type { SeriesPart } from '../convert/series-parts.js';
import { formatDay, formatMonth } from './days.js';
import type { SeriesSpec, SourceSpec } from './plan.js';

// Binance's public data archive (https://data.binance.vision, github.com/binance/binance-public-data):
//   data/futures/{um|cm}/{daily|monthly}/{markPriceKlines|indexPriceKlines|premiumIndexKlines}/NAME/INTERVAL/NAME-INTERVAL-{YYYY-MM-DD|YYYY-MM}.zip
//   data/futures/{um|cm}/monthly/fundingRate/NAME/NAME-fundingRate-YYYY-MM.zip
// each beside a NAME….zip.CHECKSUM holding "<sha256 hex>  <file name>".

export type ArchivePeriod = { daily: number } | { monthly: number };

/** The archive path (no leading slash) of one zip. */
export function archivePath(source: SourceSpec, interval: string, period: ArchivePeriod): string {
  const [frequency, date] = 'daily' in period ? ['daily', formatDay(period.daily)] : ['monthly', formatMonth(period.monthly)];
  const folder = `data/futures/${source.market}/${frequency}/${source.dataset}/${source.name}`;
  return source.dataset === 'fundingRate'
    ? `${folder}/${source.name}-fundingRate-${date}.zip`
    : `${folder}/${interval}/${source.name}-${interval}-${date}.zip`;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The digest in a .CHECKSUM file, which must name the zip it belongs to. */
export function parseChecksum(text: string, zipName: string, url: string): string {
  const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(text.trim());
  if (m === null || m[2] !== zipName) throw new InputError(url, '', `"<sha256 hex>  ${zipName}"`, JSON.stringify(text.trim().slice(0, 120)));
  return m[1]!.toLowerCase();
}

/** Refuses a zip whose SHA-256 is not the published one. */
export function verifyChecksum(zip: Uint8Array, expected: string, url: string): void {
  const actual = sha256Hex(zip);
  if (actual !== expected) throw new InputError(url, '', `SHA-256 ${expected} (its .CHECKSUM)`, `${actual}: the download is corrupt and was not kept`);
}

/**
 * One archive zip as series rows, read by `pmbt convert`'s reader (its CSV member, with or without
 * the header row files before ~2022 lack): klines stamped at their close (open time + interval)
 * with the bar's high and low; funding at its calc_time.
 */
export function decodeArchiveZip(zip: Uint8Array, url: string, series: SeriesSpec, intervalMs: number): Promise<SeriesPart> {
  if (series.kind === 'funding') return readSeriesBytes(zip, { path: url, symbol: series.symbol, kind: 'funding', column: 'last_funding_rate' }, { timeColumn: 'calc_time', at: 'open' });
  return readSeriesBytes(zip, { path: url, symbol: series.symbol, kind: series.kind, column: 'close' }, { timeColumn: 'open_time', at: 'close', intervalMs, extremes: true });
}
