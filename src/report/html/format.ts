// Number, time and text formats of report.html: deterministic (no locale or clock of the machine).

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function groupThousands(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A whole number with thousands separators. */
export function formatCount(n: number): string {
  return `${n < 0 ? '−' : ''}${groupThousands(String(Math.abs(Math.trunc(n))))}`;
}

/** 1234567.891 → "1,234,567.89"; a minus sign as U+2212. */
export function formatUSD(text: string | number | null): string {
  if (text === null) return '–';
  const n = Number(text);
  if (!Number.isFinite(n)) return String(text);
  const [int, frac] = Math.abs(n).toFixed(2).split('.');
  return `${n < 0 && Number(Math.abs(n).toFixed(2)) !== 0 ? '−' : ''}${groupThousands(int!)}.${frac}`;
}

/** A price or quantity: 2 decimals from 1,000, 4 from 1, else 4 significant digits. */
export function formatQuantity(text: string | number): string {
  const n = Number(text);
  if (!Number.isFinite(n)) return String(text);
  const a = Math.abs(n);
  const fixed = a >= 1000 ? a.toFixed(2) : a >= 1 ? a.toFixed(4) : a === 0 ? '0' : a.toPrecision(4);
  const [int, frac] = fixed.split('.');
  return `${n < 0 ? '−' : ''}${groupThousands(int!)}${frac === undefined ? '' : `.${frac}`}`;
}

export function formatUniMMR(text: string | number | null): string {
  if (text === null || text === 'null') return '–';
  const n = Number(text);
  const a = Math.abs(n);
  const s = a < 10 ? a.toFixed(4) : a < 1000 ? a.toFixed(2) : groupThousands(a.toFixed(0));
  return `${n < 0 && Number(s.replace(/,/g, '')) !== 0 ? '−' : ''}${s}`;
}

/** "2024-03-10 15:37 UTC" (seconds when they are not zero); without " UTC" in a column that says so. */
export function formatTime(t: string | number | null, zone = true): string {
  if (t === null) return '–';
  const iso = new Date(t).toISOString();
  const sec = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${sec === '00' ? '' : `:${sec}`}${zone ? ' UTC' : ''}`;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms} ms`;
}

const STATUS_WORDS: Record<string, string> = {
  NORMAL: 'normal', MARGIN_CALL: 'margin call', REDUCE_ONLY: 'reduce-only', FORCE_LIQUIDATION: 'liquidation', BANKRUPTED: 'bankrupt',
};

/** A status as words: FORCE_LIQUIDATION → "liquidation". */
export function describeStatus(s: string): string {
  return STATUS_WORDS[s] ?? s.replace(/_/g, ' ').toLowerCase();
}
