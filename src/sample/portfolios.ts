import type { MarketSnapshot, Rules } from '../domain/types.js';
import { calibrateDraft } from './calibrate.js';
import type { SamplePortfolioDocument } from './portfolio-document.js';
import { createNamedRandom, pickWeighted, shuffleInPlace } from './random.js';
import { draftAltCollateral } from './styles/alt-collateral.js';
import { draftCalendarBasis, draftSpotPerpBasis } from './styles/basis.js';
import { draftCoinMargined } from './styles/coinm.js';
import type { PortfolioDraft, RiskTier, StyleContext } from './styles/common.js';
import { draftDirectional } from './styles/directional.js';
import { draftMarginLoan } from './styles/margin.js';
import { draftMarketMaker } from './styles/market-maker.js';

export const SAMPLE_STYLES = [
  'basis-spot-perp',
  'basis-calendar',
  'directional-um',
  'margin-loan',
  'altcoin-collateral',
  'coinm-hedge',
  'market-maker',
] as const;
export type SampleStyle = (typeof SAMPLE_STYLES)[number];

const STYLE_DRAFTS: Readonly<Record<SampleStyle, (ctx: StyleContext) => PortfolioDraft>> = {
  'basis-spot-perp': draftSpotPerpBasis,
  'basis-calendar': draftCalendarBasis,
  'directional-um': draftDirectional,
  'margin-loan': draftMarginLoan,
  'altcoin-collateral': draftAltCollateral,
  'coinm-hedge': draftCoinMargined,
  'market-maker': draftMarketMaker,
};

export interface SamplePortfolioOptions {
  /** Share of each style; counts are allocated exactly (largest remainder), then shuffled. */
  styleMix: Readonly<Record<SampleStyle, number>>;
  /** Probability of each risk tier, drawn per portfolio. */
  riskMix: Readonly<Record<RiskTier, number>>;
  /** Share of PM_PRO accounts (exact count, chosen at random); the rest are PM. */
  pmProShare: number;
  /** Starting uniMMR floor: every account starts above it (NORMAL unless a style runs it hot). */
  minUniMMR: number;
  /** Floor for accounts a style deliberately starts in MARGIN_CALL. */
  minHotUniMMR: number;
}

export const DEFAULT_SAMPLE_PORTFOLIO_OPTIONS: Readonly<SamplePortfolioOptions> = {
  styleMix: {
    'basis-spot-perp': 0.14,
    'basis-calendar': 0.06,
    'directional-um': 0.26,
    'margin-loan': 0.12,
    'altcoin-collateral': 0.12,
    'coinm-hedge': 0.12,
    'market-maker': 0.18,
  },
  riskMix: { low: 0.5, medium: 0.28, high: 0.15, extreme: 0.07 },
  pmProShare: 0.04,
  minUniMMR: 1.5,
  minHotUniMMR: 1.25,
};

export interface SamplePortfolioContext {
  rules: Rules;
  /** The market the portfolios are calibrated against: the first minute of the sample market. */
  market: MarketSnapshot;
  /** Replay window [windowStart, windowEnd), ms; scheduled actions fall inside it. */
  windowStart: number;
  windowEnd: number;
}

/** Portfolio ids sort in generation order and stay plain for file names. */
export function formatSampleId(index: number): string {
  return `sample-${String(index + 1).padStart(5, '0')}`;
}

/** Exact counts per key for `count` items (largest remainder; ties go to the earlier key). */
export function allocateCounts<K extends string>(count: number, shares: Readonly<Record<K, number>>): Record<K, number> {
  const keys = Object.keys(shares) as K[];
  const total = keys.reduce((s, k) => s + shares[k], 0);
  const exact = keys.map((k) => (count * shares[k]) / total);
  const counts = exact.map(Math.floor);
  let left = count - counts.reduce((s, c) => s + c, 0);
  const order = keys.map((_, i) => i).sort((i, j) => exact[j]! - counts[j]! - (exact[i]! - counts[i]!) || i - j);
  for (const i of order) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return Object.fromEntries(keys.map((k, i) => [k, counts[i]!])) as Record<K, number>;
}

const MAX_ATTEMPTS = 50;

/**
 * `count` portfolio documents (docs/formats.md), each calibrated with the exact engine against
 * `context.market` so it parses, evaluates and starts above its uniMMR floor. Deterministic in
 * (count, seed, context, options); portfolio i draws from its own random stream.
 */
export function generateSamplePortfolios(
  count: number,
  seed: number,
  context: SamplePortfolioContext,
  overrides: Partial<SamplePortfolioOptions> = {},
): SamplePortfolioDocument[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  const options = { ...DEFAULT_SAMPLE_PORTFOLIO_OPTIONS, ...overrides };
  const orderRng = createNamedRandom(seed, 'portfolio-order');
  const styleCounts = allocateCounts(count, options.styleMix);
  const styles = shuffleInPlace(orderRng, SAMPLE_STYLES.flatMap((s) => Array<SampleStyle>(styleCounts[s]).fill(s)));
  const pmProCount = Math.round(count * options.pmProShare);
  const pmPro = new Set(shuffleInPlace(orderRng, [...Array(count).keys()]).slice(0, pmProCount));

  return styles.map((style, i) => {
    const id = formatSampleId(i);
    const mode = pmPro.has(i) ? 'PM_PRO' : 'PM';
    const rng = createNamedRandom(seed, `portfolio:${i}`);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const tier = pickWeighted(rng, options.riskMix);
      const ctx: StyleContext = { rng, tier, mode, rules: context.rules, market: context.market, windowStart: context.windowStart, windowEnd: context.windowEnd };
      const draft = STYLE_DRAFTS[style](ctx);
      const wrap = (body: ReturnType<PortfolioDraft['build']>): SamplePortfolioDocument => assembleDocument({ id, mode, description: `${style}: ${draft.variant}; risk ${tier}`, body });
      const floor = draft.targetUniMMR !== undefined && draft.targetUniMMR < options.minUniMMR ? options.minHotUniMMR : options.minUniMMR;
      const calibrated = calibrateDraft(draft, wrap, context.market, context.rules, floor);
      if (calibrated !== undefined) return wrap(calibrated.body);
    }
    throw new Error(`${id} (${style}): no calibrated portfolio in ${MAX_ATTEMPTS} draws; the style's ranges do not fit this market`);
  });
}

/** The document in a stable key order, empty optional lists left out (PM_PRO has no open loss). */
function assembleDocument(parts: { id: string; mode: 'PM' | 'PM_PRO'; description: string; body: ReturnType<PortfolioDraft['build']> }): SamplePortfolioDocument {
  const { id, mode, description, body } = parts;
  const doc: SamplePortfolioDocument = { version: 1, id, mode, description, balances: body.balances, umPositions: body.umPositions, cmPositions: body.cmPositions };
  if (mode === 'PM' && body.marginOpenOrders !== undefined && body.marginOpenOrders.length > 0) doc.marginOpenOrders = body.marginOpenOrders;
  if (body.actions !== undefined && body.actions.length > 0) doc.actions = body.actions;
  return doc;
}
