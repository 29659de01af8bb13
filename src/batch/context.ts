import type { RulesTimeline } from '../domain/types.js';
import { readSeriesArrow } from '../io/arrow/series.js';
import { flattenRuleTables, type FlatTables } from '../engine/fast/tables.js';
import { buildMarketTimeline, seriesKey, type MarketTimeline } from '../replay/market-timeline.js';
import type { ReplayOptions } from '../replay/replay-portfolio.js';
import { ExactPriceBook } from '../replay/step-market.js';
import { buildRulesTimeline, type RuleDocument } from '../rules/build.js';
import type { JobSpec } from './job.js';

/** Everything a batch needs besides its portfolios; built once per process (worker, Lambda). */
export interface BatchContext {
  spec: JobSpec;
  timeline: MarketTimeline;
  book: ExactPriceBook;
  rules: RulesTimeline;
  options: ReplayOptions;
  /** The base rules' tables flattened for the fast kernel. */
  flatTables: FlatTables;
  /** Series id in the timeline, −1 when the history has no such series. */
  seriesId: (kind: 'index' | 'mark', name: string) => number;
}

export function buildBatchContext(spec: JobSpec, pricesBytes: Uint8Array, ruleDocuments: readonly RuleDocument[]): BatchContext {
  const series = readSeriesArrow(pricesBytes, spec.prices);
  const timeline = buildMarketTimeline(series, { from: spec.from, to: spec.to, stalenessMs: spec.stalenessMs }, spec.prices);
  const rules = buildRulesTimeline(ruleDocuments);
  return {
    spec,
    timeline,
    book: new ExactPriceBook(timeline),
    rules,
    options: { liquidation: spec.liquidation, resolutionMs: spec.resolutionMs },
    flatTables: flattenRuleTables(rules.base),
    seriesId: (kind, name) => timeline.seriesIds.get(seriesKey(kind, name)) ?? -1,
  };
}
