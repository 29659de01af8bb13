import type { Progress } from '../batch/local-runner.js';

const clock = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

const rate = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

export function formatProgress(p: Progress, total: number | undefined): string {
  const t = p.portfoliosTotal ?? total;
  const perSec = p.elapsedMs > 0 ? (p.portfolioSteps * 1000) / p.elapsedMs : 0;
  const done = `${p.portfoliosDone}${t === undefined ? '' : `/${t}`} portfolios`;
  if (t === undefined || t === 0) return `replaying ${done} · ${rate(perSec)} steps/s`;
  const fraction = Math.min(1, p.portfoliosDone / t);
  const width = 24;
  const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
  const eta = fraction > 0 ? clock((p.elapsedMs / fraction) * (1 - fraction)) : '?';
  return `[${bar}] ${done} (${Math.floor(fraction * 100)}%) · ${rate(perSec)} steps/s · ETA ${eta}`;
}

/**
 * Progress on stderr: one line rewritten in place on a terminal, a line every few seconds
 * otherwise (CI logs, pipes).
 */
export function createProgressPrinter(stream: NodeJS.WriteStream, total: () => number | undefined): { update: (p: Progress) => void; end: () => void } {
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < (stream.isTTY ? 200 : 5000)) return;
      last = now;
      const line = formatProgress(p, total());
      if (stream.isTTY) stream.write(`\r${line}\x1b[K`);
      else stream.write(`${line}\n`);
      shown = true;
    },
    end() {
      if (shown && stream.isTTY) stream.write('\n');
    },
  };
}
