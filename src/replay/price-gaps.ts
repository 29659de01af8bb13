import { InputError, type MissingPriceError } from '../domain/errors.js';
import { describePriceState, seriesKey, type MarketTimeline } from './market-timeline.js';
import type { ReplayState } from './replay-state.js';

/**
 * Step k could not be evaluated: a price it needs is missing or stale (docs/margin-rules.md §7).
 * The step is skipped; the first such step opens a priceGap naming the series and why. A series
 * the file does not have at all is an input error that fails the portfolio.
 */
export function openPriceGap(state: ReplayState, missing: MissingPriceError, tl: MarketTimeline, k: number): void {
  const key = seriesKey(missing.kind, missing.seriesName);
  const why = describePriceState(tl, key, k);
  if ('missing' in why && why.missing === 'no-series') {
    throw new InputError('prices', key, `${missing.kind === 'index' ? 'an' : 'a'} ${missing.kind} price series for ${missing.seriesName} (portfolio ${state.result.portfolioId} needs it)`, 'none in the file');
  }
  state.result.gapSteps++;
  if (state.inGap) return;
  state.inGap = true;
  const reason = 'missing' in why && why.missing === 'stale' ? `stale: last price older than the staleness limit of ${tl.stalenessMs} ms` : 'no price yet';
  state.result.events.push({ type: 'priceGap', time: tl.stepTimes[k]!, series: key, reason, lastTime: 'lastTime' in why ? why.lastTime : undefined });
}

/** A step at `time` was evaluated: an open gap ends there. */
export function closePriceGap(state: ReplayState, time: number): void {
  if (!state.inGap) return;
  state.inGap = false;
  state.result.events.push({ type: 'priceGapEnd', time });
}
