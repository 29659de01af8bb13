import type { AccountStatus } from '../domain/types.js';
import type { PortfolioReplay } from '../replay/replay-portfolio.js';
import { formatBinanceDecimal as f } from './binance-format.js';

/** summary.json's line for one portfolio (README "Outputs"). */
export type PortfolioSummary =
  | {
      portfolioId: string;
      index: number;
      ok: true;
      /** Which engine evaluated the ordinary steps (decisions are always exact). */
      engine: 'fast' | 'exact';
      steps: number;
      kernelSteps: number;
      gapSteps: number;
      initialUniMMR: string | null;
      initialStatus: AccountStatus | null;
      minUniMMR: string | null;
      minUniMMRTime: string | null;
      firstTimeIn: Partial<Record<AccountStatus, string>>;
      worstStatus: AccountStatus | null;
      liquidations: number;
      liquidationFeesUSD: string;
      bankrupt: boolean;
      bankruptcyLossUSD: string;
      finalTime: string | null;
      finalStatus: AccountStatus | null;
      finalUniMMR: string | null;
      finalAccountEquity: string | null;
      finalActualEquity: string | null;
      eventCounts: Record<string, number>;
      warnings: string[];
    }
  | { portfolioId: string | null; index: number; ok: false; error: string };

const WORST_FIRST: AccountStatus[] = ['BANKRUPTED', 'FORCE_LIQUIDATION', 'REDUCE_ONLY', 'MARGIN_CALL', 'NORMAL'];
const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

export function renderPortfolioSummary(r: PortfolioReplay, index: number, engine: 'fast' | 'exact'): PortfolioSummary {
  const eventCounts: Record<string, number> = {};
  for (const e of r.events) eventCounts[e.type] = (eventCounts[e.type] ?? 0) + 1;
  const firstTimeIn: Partial<Record<AccountStatus, string>> = {};
  for (const s of [...WORST_FIRST].reverse()) if (r.firstTimeIn[s] !== undefined) firstTimeIn[s] = iso(r.firstTimeIn[s])!;
  return {
    portfolioId: r.portfolioId,
    index,
    ok: true,
    engine,
    steps: r.steps,
    kernelSteps: r.kernelSteps,
    gapSteps: r.gapSteps,
    initialUniMMR: r.initial?.uniMMR == null ? null : f(r.initial.uniMMR),
    initialStatus: r.initial?.accountStatus ?? null,
    minUniMMR: r.minUniMMR === null ? null : f(r.minUniMMR),
    minUniMMRTime: iso(r.minUniMMRTime),
    firstTimeIn,
    worstStatus: WORST_FIRST.find((s) => r.firstTimeIn[s] !== undefined) ?? null,
    liquidations: r.liquidations,
    liquidationFeesUSD: f(r.liquidationFeesUSD),
    bankrupt: r.bankrupt,
    bankruptcyLossUSD: f(r.bankruptcyLossUSD),
    finalTime: iso(r.finalTime),
    finalStatus: r.bankrupt ? 'BANKRUPTED' : (r.final?.accountStatus ?? null),
    finalUniMMR: r.final?.uniMMR == null ? null : f(r.final.uniMMR),
    finalAccountEquity: r.final === undefined ? null : f(r.final.accountEquity),
    finalActualEquity: r.final === undefined ? null : f(r.final.actualEquity),
    eventCounts,
    warnings: r.warnings,
  };
}
