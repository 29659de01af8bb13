import { Dec } from '../../src/domain/decimal.js';
import type { RulesTimeline } from '../../src/domain/types.js';
import type { ReplayEvent } from '../../src/replay/events.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { createReplayState, type ReplayOptions, type ReplayState } from '../../src/replay/replay-state.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { portfolioOf } from './portfolio.js';
import { flatUm, PROGRAM } from './rules.js';
import { HOUR, MINUTE, seriesOf, type SeriesRow } from './series.js';

// Small hand-built replays for the step tests of test/replay/: one BTCUSDT perpetual at a flat 1 %
// maintenance margin, USDT and BTC collateral, 0.01 % loan interest an hour.

export const T0 = Date.UTC(2024, 2, 12, 0, 0);
export const at = (minute: number) => T0 + minute * MINUTE;

export const RULES_DOC = {
  collateral: { USDT: '1', BTC: '0.95' },
  umBrackets: { BTCUSDT: flatUm('0.01') },
  liquidationFee: { default: '0.01', crossMargin: '0.02' },
  loanInterestHourly: { default: '0.0001' },
};
export const rulesTimelineOf = (extra: Record<string, unknown> = {}): RulesTimeline => buildRulesTimeline([PROGRAM, { name: 'rules', doc: { version: 1, ...RULES_DOC, ...extra } }]);

export const OPTIONS: ReplayOptions = { liquidation: { policy: 'full', slippage: new Dec('0'), target: new Dec('1.25') }, resolutionMs: HOUR };

/** A price book over these rows (one step per distinct index or mark time). */
export const bookOf = (rows: SeriesRow[], stalenessMs = HOUR) => new ExactPriceBook(buildMarketTimeline(seriesOf(rows), { stalenessMs }));

/** The prices at the given minutes: USDT 1, BTC and BTCUSDT at `btc(minute)`. */
export function pricesAt(minutes: number[], btc: (minute: number) => number = () => 40_000): SeriesRow[] {
  return minutes.flatMap((m): SeriesRow[] => [[at(m), 'USDT', 'index', 1], [at(m), 'BTC', 'index', btc(m)], [at(m), 'BTCUSDT', 'mark', btc(m)]]);
}

/** A fresh replay state for a portfolio document over `book`. */
export function stateOf(doc: Record<string, unknown>, book: ExactPriceBook, rules = rulesTimelineOf(), options = OPTIONS): ReplayState {
  return createReplayState(portfolioOf(doc, rules.base), book.timeline, options);
}

export const ofType = <T extends ReplayEvent['type']>(events: ReplayEvent[], type: T) => events.filter((e): e is Extract<ReplayEvent, { type: T }> => e.type === type);
