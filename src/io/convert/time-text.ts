/**
 * Times and durations written as text in users' CSV and JSON files.
 *
 * Accepted times (UTC unless a zone is given; fractions below a millisecond are floored):
 *   2024-09-20 14:00:00   2024-09-20T14:00:00   2024-09-20T14:00:00.123Z   2024-09-20 14:00:00+02:00
 *   2024-09-20 14:00      2024-09-20            and epoch numbers (see guessEpochUnit)
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since 1970 of a date-time text, or undefined when it is not one. */
export function parseDateTimeText(text: string): number | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  // Date.UTC rolls 31 February into March; a real calendar date survives the round trip.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|min|h|d|w)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "8h", "5m", "1d", "300s", "250ms" → milliseconds; undefined when not a positive duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (m === null) return undefined;
  const ms = Number(m[1]) * DURATION_MS[m[2]!]!;
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/** 28800000 → "8h": the largest unit that divides the duration. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
