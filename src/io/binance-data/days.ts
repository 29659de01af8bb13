// UTC days and months, and Binance's kline intervals, for planning what to download.

export const DAY_MS = 86_400_000;

/**
 * The kline intervals fetched, in ms. Binance's 3d, 1w and 1M bars do not fit inside a day's
 * archive file (the archive publishes them monthly only) and 1M has no fixed length, so they are
 * left out.
 */
export const KLINE_INTERVALS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': DAY_MS,
};

/** ms at 00:00 UTC of a YYYY-MM-DD day, or undefined when the text is not a real date. */
export function parseDay(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return formatDay(ms) === text ? ms : undefined;
}

export const formatDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const formatMonth = (ms: number): string => new Date(ms).toISOString().slice(0, 7);
export const startOfDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

export function startOfMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextMonth(monthStart: number): number {
  const d = new Date(monthStart);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The days from `from` to `to` inclusive (both 00:00 UTC). */
export function listDays(from: number, to: number): number[] {
  const days: number[] = [];
  for (let d = from; d <= to; d += DAY_MS) days.push(d);
  return days;
}

/**
 * Splits the days [from, to] into calendar months lying wholly inside the range and ended before
 * `archivedBefore` (a monthly archive file can exist for those), and the remaining days.
 */
export function splitWholeMonths(from: number, to: number, archivedBefore: number): { months: number[]; days: number[] } {
  const months: number[] = [];
  const days: number[] = [];
  let day = from;
  while (day <= to) {
    const month = startOfMonth(day);
    const end = nextMonth(month);
    if (day === month && end - DAY_MS <= to && end <= archivedBefore) {
      months.push(month);
      day = end;
    } else {
      days.push(day);
      day += DAY_MS;
    }
  }
  return { months, days };
}
