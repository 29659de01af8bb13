import { InputError } from '../../domain/errors.js';
import { SERIES_KIND_CODE, type SeriesKind } from '../../domain/series.js';
import { guessEpochUnit } from '../arrow/columns.js';
import { parseFuturesSymbol } from '../binance/symbols.js';
import type { SeriesPart } from './series-part.js';
import type { SourceTable } from './source-table.js';
import { formatDuration } from './time-text.js';

// Tardis.dev's derivative_ticker files: one row per ticker update (every few ms to seconds) with
// the contract's mark price, its index price, and `funding_rate` — the rate that WILL be paid at
// `funding_timestamp`, re-estimated on every row. So:
//  - mark and index become bars of `barMs` (the last value of the bar, stamped at its close, with the
//    bar's high and low), not one row per update;
//  - funding becomes one row per funding time: the rate last seen before that time. A funding time
//    whose last sighting is more than SETTLED_WITHIN_MS before it (the file ends earlier) is not
//    settled in this file and is left out.
// Timestamps are microseconds (Tardis's CSV format); `timestamp` is the exchange's time.

export const TARDIS_TICKER_COLUMNS = ['exchange', 'symbol', 'timestamp', 'local_timestamp', 'funding_timestamp', 'funding_rate', 'mark_price', 'index_price'] as const;
export const DEFAULT_TICKER_BAR_MS = 60_000;
const SETTLED_WITHIN_MS = 60_000;

export function isTardisTicker(table: SourceTable): boolean {
  return TARDIS_TICKER_COLUMNS.every((c) => table.findColumn(c) !== undefined);
}

export interface TickerSpec {
  /** Only this contract's rows (a FILE:SYMBOL:KIND input); all symbols when undefined. */
  symbol?: string;
  /** Only this kind; all three when undefined. */
  kind?: SeriesKind;
  barMs: number;
}

/** Accumulates one chunk's rows into bars and funding rows, keyed by (series, time). */
class TickerRows {
  readonly symbols: string[] = [];
  private readonly symbolIds = new Map<string, number>();
  private readonly at = new Map<string, number>();
  readonly times: number[] = [];
  readonly values: number[] = [];
  readonly highs: number[] = [];
  readonly lows: number[] = [];
  readonly kinds: number[] = [];
  readonly ids: number[] = [];
  readonly rows: number[] = [];
  private readonly seenAt: number[] = [];

  idOf(symbol: string): number {
    let id = this.symbolIds.get(symbol);
    if (id === undefined) {
      id = this.symbols.push(symbol) - 1;
      this.symbolIds.set(symbol, id);
    }
    return id;
  }

  /** Adds an observation `v` seen at `seen` to the row (id, kind, time): the latest sighting gives the value. */
  add(id: number, kind: number, time: number, v: number, seen: number, row: number, extremes: boolean): void {
    const key = `${id}/${kind}/${time}`;
    let i = this.at.get(key);
    if (i === undefined) {
      i = this.times.push(time) - 1;
      this.at.set(key, i);
      this.ids.push(id);
      this.kinds.push(kind);
      this.values.push(v);
      this.highs.push(extremes ? v : NaN);
      this.lows.push(extremes ? v : NaN);
      this.rows.push(row);
      this.seenAt.push(seen);
      return;
    }
    if (seen >= this.seenAt[i]!) {
      this.values[i] = v;
      this.seenAt[i] = seen;
      this.rows[i] = row;
    }
    if (extremes) {
      this.highs[i] = Math.max(this.highs[i]!, v);
      this.lows[i] = Math.min(this.lows[i]!, v);
    }
  }

  /** Funding rows seen too long before their time are not settled here; dropped. */
  dropUnsettledFunding(): number {
    let dropped = 0;
    for (let i = 0; i < this.times.length; i++) {
      if (this.kinds[i] === SERIES_KIND_CODE.funding && this.seenAt[i]! < this.times[i]! - SETTLED_WITHIN_MS) {
        this.kinds[i] = -1;
        dropped++;
      }
    }
    return dropped;
  }
}

/** Epoch numbers of a column (µs in Tardis files; the unit is guessed like other times), NaN where empty. */
function readEpochMs(table: SourceTable, column: string): Float64Array {
  const raw = table.readNumbers(column, true);
  let unit: ReturnType<typeof guessEpochUnit> | undefined;
  const scale = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };
  for (let i = 0; i < raw.length; i++) {
    if (Number.isNaN(raw[i])) continue;
    unit ??= guessEpochUnit(raw[i]!);
    raw[i] = Math.floor(raw[i]! * scale[unit]);
  }
  return raw;
}

function columnOf(table: SourceTable, name: string): string {
  return table.findColumn(name)!;
}

/** One chunk of a derivative_ticker file as bars (mark, index) and settled funding rows. */
export function extractTardisTicker(table: SourceTable, spec: TickerSpec): SeriesPart {
  const times = readEpochMs(table, columnOf(table, 'timestamp'));
  const fundingTimes = readEpochMs(table, columnOf(table, 'funding_timestamp'));
  const marks = table.readNumbers(columnOf(table, 'mark_price'), true);
  const indexes = table.readNumbers(columnOf(table, 'index_price'), true);
  const rates = table.readNumbers(columnOf(table, 'funding_rate'), true);
  const contractSymbols: string[] = [];
  const symbolCodes = table.readStringCodes(columnOf(table, 'symbol'), 'a symbol', (text) => contractSymbols.push(text) - 1);
  const out = new TickerRows();
  const wants = (kind: SeriesKind) => spec.kind === undefined || spec.kind === kind;
  const contractIds = contractSymbols.map((s) => (spec.symbol === undefined || s === spec.symbol ? out.idOf(s) : -1));
  // Index rows are per asset (BTC for BTCUSDT): the contract's index price in its quote, taken as USD.
  const assetIds = new Map<number, number>();
  const assetIdOf = (code: number) => {
    let id = assetIds.get(code);
    if (id === undefined) {
      const contract = contractSymbols[code]!;
      id = out.idOf(parseFuturesSymbol(contract)?.base ?? contract);
      assetIds.set(code, id);
    }
    return id;
  };
  let kept = 0;
  for (let r = 0; r < times.length; r++) {
    const id = contractIds[symbolCodes[r]!]!;
    if (id < 0) continue;
    kept++;
    const t = times[r]!;
    const bar = Math.floor(t / spec.barMs) * spec.barMs + spec.barMs;
    if (wants('mark') && !Number.isNaN(marks[r])) out.add(id, SERIES_KIND_CODE.mark, bar, marks[r]!, t, r, true);
    if (wants('index') && !Number.isNaN(indexes[r])) out.add(assetIdOf(symbolCodes[r]!), SERIES_KIND_CODE.index, bar, indexes[r]!, t, r, true);
    if (wants('funding') && !Number.isNaN(rates[r]) && !Number.isNaN(fundingTimes[r]) && fundingTimes[r]! >= t) out.add(id, SERIES_KIND_CODE.funding, fundingTimes[r]!, rates[r]!, t, r, false);
  }
  if (spec.symbol !== undefined && kept === 0 && table.rowCount > 0) {
    throw new InputError(table.src, 'symbol', `rows of ${spec.symbol}`, `only ${contractSymbols.join(', ')}`);
  }
  const unsettled = out.dropUnsettledFunding();
  return toPart(table, out, spec, unsettled);
}

function toPart(table: SourceTable, out: TickerRows, spec: TickerSpec, unsettled: number): SeriesPart {
  const keep = out.kinds.flatMap((k, i) => (k < 0 ? [] : [i]));
  const pick = (a: number[]) => Float64Array.from(keep, (i) => a[i]!);
  const sourceRows = keep.map((i) => out.rows[i]!);
  const kinds = Uint8Array.from(keep, (i) => out.kinds[i]!);
  const valueColumn = (i: number) => (kinds[i] === SERIES_KIND_CODE.mark ? 'mark_price' : kinds[i] === SERIES_KIND_CODE.index ? 'index_price' : 'funding_rate');
  return {
    src: table.src,
    times: pick(out.times),
    values: pick(out.values),
    highs: pick(out.highs),
    lows: pick(out.lows),
    symbols: out.symbols,
    symbolIds: Int32Array.from(keep, (i) => out.ids[i]!),
    kinds,
    rowPath: (i) => table.cellPath(columnOf(table, valueColumn(i)), sourceRows[i]!),
    skipped: 0,
    repeatsCombine: true,
    note: `Tardis derivative_ticker: mark and index as ${formatDuration(spec.barMs)} bars (last value at the bar's close, with high and low), funding once per funding_timestamp${unsettled > 0 ? `; ${unsettled} funding time(s) not yet settled in the file left out` : ''}`,
  };
}
