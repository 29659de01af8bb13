import { expect } from 'vitest';
import { PARITY_TOLERANCE } from '../../src/engine/fast/parity.js';
import { formatBinanceDecimal } from '../../src/records/binance-format.js';
import { renderEventRecord } from '../../src/records/events/index.js';
import type { PortfolioReplay } from '../../src/replay/replay-portfolio.js';

// The parity suites' comparison (docs/architecture.md "Parity contract"): test/engine/parity.test.ts
// and test/engine/parity-adversarial.test.ts.

/** What must agree exactly: every event (kinds, times, amounts, liquidation legs) and the statuses. */
export const decisions = (r: PortfolioReplay) => ({
  events: r.events.map((e) => renderEventRecord(r.portfolioId, e)),
  statuses: r.timeline.map((row) => [row.time, row.status, row.steps]),
  steps: r.steps,
  gapSteps: r.gapSteps,
  liquidations: r.liquidations,
  bankrupt: r.bankrupt,
  final: r.final === undefined ? null : [r.final.accountStatus, r.final.accountEquity.toString(), r.final.uniMMR?.toString() ?? null],
});

/** The numeric tolerance: relative, absolute below 1. */
export const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= PARITY_TOLERANCE * Math.max(1, Math.abs(a)));

/** Expects the default replay (kernel + exact decisions) to agree with the exact one: decisions exactly, numbers within the tolerance. */
export function expectParity(id: string, exact: PortfolioReplay, fast: PortfolioReplay): void {
  expect(decisions(fast), id).toEqual(decisions(exact));
  exact.timeline.forEach((row, j) => {
    const f = fast.timeline[j]!;
    // Two steps whose uniMMR tie within the tolerance may each be a bucket's worst point (an
    // account whose uniMMR does not move with price): then the other columns are from
    // different steps, and only uniMMR is compared.
    const tied = f.worstTime !== row.worstTime && close(row.uniMMR, f.uniMMR);
    const ok = close(row.uniMMR, f.uniMMR) && (tied || (close(row.accountEquity, f.accountEquity) && close(row.actualEquity, f.actualEquity) && close(row.maintMargin, f.maintMargin)));
    if (!ok) expect({ id, fast: f }).toEqual({ id, fast: row });
  });
  expect(close(exact.minUniMMR?.toNumber() ?? null, fast.minUniMMR?.toNumber() ?? null), id).toBe(true);
  // The final numbers the summary prints from the kernel (replay/final-account.ts) are the exact engine's, digit for digit.
  if (fast.finalPrinted !== undefined) {
    const final = exact.final!;
    expect({ id, ...fast.finalPrinted }).toEqual({ id, accountStatus: final.accountStatus, uniMMR: formatBinanceDecimal(final.uniMMR!), accountEquity: formatBinanceDecimal(final.accountEquity), actualEquity: formatBinanceDecimal(final.actualEquity) });
  }
}

/** A small seeded generator (mulberry32): the parity suites' random portfolios and paths. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
