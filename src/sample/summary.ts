import type { AccountStatus, MarketSnapshot, Rules } from '../domain/types.js';
import { evaluateSampleDocument } from './calibrate.js';
import { findSampleStyle, type SamplePortfolioDocument } from './portfolio-document.js';

/** Edges of the uniMMR histogram the CLI and the README report. */
export const UNIMMR_BUCKET_EDGES = [1.5, 2, 3, 5, 10, 25, 100] as const;

export interface SamplePortfolioSummary {
  count: number;
  byStyle: Record<string, number>;
  byMode: Record<string, number>;
  byStatus: Partial<Record<AccountStatus, number>>;
  withActions: number;
  withOpenOrders: number;
  /** Quantiles of the starting uniMMR (accounts without margin left out). */
  uniMMRQuantiles: { min: number; p10: number; p25: number; median: number; p75: number; p90: number; max: number };
  /** Label ("≤ 1.5", "(1.5, 2]", ..., "> 100") → count. */
  uniMMRHistogram: Record<string, number>;
}

/** Evaluates every document with the exact engine at `market` and tallies the mix. */
export function summarizeSamplePortfolios(docs: readonly SamplePortfolioDocument[], market: MarketSnapshot, rules: Rules): SamplePortfolioSummary {
  const byStyle: Record<string, number> = {};
  const byMode: Record<string, number> = {};
  const byStatus: Partial<Record<AccountStatus, number>> = {};
  const values: number[] = [];
  for (const doc of docs) {
    const style = findSampleStyle(doc) ?? 'unknown';
    byStyle[style] = (byStyle[style] ?? 0) + 1;
    byMode[doc.mode] = (byMode[doc.mode] ?? 0) + 1;
    const e = evaluateSampleDocument(doc, market, rules);
    byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
    if (e.uniMMR !== null) values.push(e.uniMMR);
  }
  values.sort((a, b) => a - b);
  const q = (p: number) => (values.length === 0 ? Number.NaN : values[Math.min(values.length - 1, Math.floor(p * values.length))]!);
  const histogram: Record<string, number> = {};
  const labels = [`≤ ${UNIMMR_BUCKET_EDGES[0]}`, ...UNIMMR_BUCKET_EDGES.slice(1).map((e, i) => `(${UNIMMR_BUCKET_EDGES[i]}, ${e}]`), `> ${UNIMMR_BUCKET_EDGES[UNIMMR_BUCKET_EDGES.length - 1]}`];
  for (const label of labels) histogram[label] = 0;
  for (const v of values) {
    const bucket = UNIMMR_BUCKET_EDGES.findIndex((e) => v <= e);
    histogram[labels[bucket < 0 ? labels.length - 1 : bucket]!]!++;
  }
  return {
    count: docs.length,
    byStyle,
    byMode,
    byStatus,
    withActions: docs.filter((d) => (d.actions?.length ?? 0) > 0).length,
    withOpenOrders: docs.filter((d) => (d.marginOpenOrders?.length ?? 0) > 0).length,
    uniMMRQuantiles: { min: values[0] ?? Number.NaN, p10: q(0.1), p25: q(0.25), median: q(0.5), p75: q(0.75), p90: q(0.9), max: values[values.length - 1] ?? Number.NaN },
    uniMMRHistogram: histogram,
  };
}

/** The summary as the few lines `pmbt sample` prints. */
export function formatSampleSummary(s: SamplePortfolioSummary): string {
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  const pairs = (o: Record<string, number | undefined>) => Object.entries(o).map(([k, v]) => `${k} ${v ?? 0}`).join(', ');
  const qs = s.uniMMRQuantiles;
  return [
    `portfolios: ${s.count} (${pairs(s.byMode)}; ${s.withOpenOrders} with open orders, ${s.withActions} with scheduled actions)`,
    `styles: ${pairs(s.byStyle)}`,
    `starting status: ${pairs(s.byStatus)}`,
    `starting uniMMR: min ${fmt(qs.min)}, p10 ${fmt(qs.p10)}, p25 ${fmt(qs.p25)}, median ${fmt(qs.median)}, p75 ${fmt(qs.p75)}, p90 ${fmt(qs.p90)}, max ${fmt(qs.max)}`,
    `starting uniMMR histogram: ${pairs(s.uniMMRHistogram)}`,
  ].join('\n');
}
