import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { InputError } from '../../domain/errors.js';
import { BINANCE_FUNDING_CSV_COLUMNS, BINANCE_KLINE_COLUMNS } from '../binance/klines.js';
import { extractSeriesPart } from '../convert/series.js';
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

/** The one CSV file inside an archive zip. */
export function unzipCsv(zip: Uint8Array, url: string): { name: string; bytes: Uint8Array } {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, { filter: (f) => f.name.toLowerCase().endsWith('.csv') });
  } catch (e) {
    throw new InputError(url, '', 'a zip archive', e instanceof Error ? e.message : String(e));
  }
  const names = Object.keys(files);
  if (names.length !== 1) throw new InputError(url, '', 'a zip holding one CSV file', `${names.length} CSV files`);
  return { name: names[0]!, bytes: files[names[0]!]! };
}

const HEADERS = {
  klines: new TextEncoder().encode(`${BINANCE_KLINE_COLUMNS.join(',')}\n`),
  funding: new TextEncoder().encode(`${BINANCE_FUNDING_CSV_COLUMNS.join(',')}\n`),
};

/** Files before about 2022 have no header row: give them the one later files carry. */
function withHeader(csv: Uint8Array, header: Uint8Array): Uint8Array {
  let i = 0;
  while (i < csv.length && (csv[i] === 0x20 || csv[i] === 0x0a || csv[i] === 0x0d || csv[i] === 0xef || csv[i] === 0xbb || csv[i] === 0xbf)) i++;
  const startsWithDigit = i < csv.length && csv[i]! >= 0x30 && csv[i]! <= 0x39;
  if (!startsWithDigit) return csv;
  const out = new Uint8Array(header.length + csv.length);
  out.set(header);
  out.set(csv, header.length);
  return out;
}

/**
 * One archive CSV as series rows: klines stamped at their close (open time + interval) with the
 * bar's high and low; funding at its calc_time.
 */
export function decodeArchiveCsv(csv: Uint8Array, src: string, series: SeriesSpec, intervalMs: number): SeriesPart {
  if (series.kind === 'funding') {
    return extractSeriesPart(withHeader(csv, HEADERS.funding), { path: src, symbol: series.symbol, kind: 'funding', column: 'last_funding_rate' }, { timeColumn: 'calc_time', at: 'open' });
  }
  return extractSeriesPart(withHeader(csv, HEADERS.klines), { path: src, symbol: series.symbol, kind: series.kind, column: 'close' }, { timeColumn: 'open_time', at: 'close', intervalMs, extremes: true });
}
