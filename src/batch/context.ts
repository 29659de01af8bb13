import type { RulesTimeline } from '../domain/types.js';
import { readSeriesArrow } from '../io/arrow/series.js';
import { buildMarketTimeline, type MarketTimeline } from '../replay/market-timeline.js';
import type { ReplayOptions } from '../replay/replay-portfolio.js';
import { ExactPriceBook } from '../replay/step-market.js';
import { buildRulesTimeline, type RuleDocument } from '../rules/load.js';
import type { JobSpec } from './job.js';

/** Everything a batch needs besides its portfolios; built once per process (worker, Lambda). */
export interface BatchContext {
  spec: JobSpec;
  timeline: MarketTimeline;
  book: ExactPriceBook;
  rules: RulesTimeline;
  options: ReplayOptions;
}

export function buildBatchContext(spec: JobSpec, pricesBytes: Uint8Array, ruleDocuments: readonly RuleDocument[]): BatchContext {
  const series = readSeriesArrow(pricesBytes, spec.prices);
  const timeline = buildMarketTimeline(series, { from: spec.from, to: spec.to, stalenessMs: spec.stalenessMs }, spec.prices);
  return {
    spec,
    timeline,
    book: new ExactPriceBook(timeline),
    rules: buildRulesTimeline(ruleDocuments),
    options: { liquidation: spec.liquidation, resolutionMs: spec.resolutionMs },
  };
}
