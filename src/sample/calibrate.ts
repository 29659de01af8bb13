import type { AccountStatus, MarketSnapshot, Rules } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { parsePortfolio } from '../io/json/portfolio.js';
import type { SamplePortfolioDocument } from './portfolio-document.js';
import type { PortfolioDraft } from './styles/common.js';

/**
 * Calibration against the real exact engine: every sample portfolio is parsed and evaluated the way
 * a backtest will, so a document that does not parse, or starts liquidated, cannot ship.
 */

export interface SampleEvaluation {
  /** null when the account has no maintenance margin. */
  uniMMR: number | null;
  status: AccountStatus;
}

export function evaluateSampleDocument(doc: unknown, market: MarketSnapshot, rules: Rules): SampleEvaluation {
  const snapshot = calculateAccountSnapshot(parsePortfolio(doc, rules, 'sample'), market, rules);
  return { uniMMR: snapshot.uniMMR === null ? null : snapshot.uniMMR.toNumber(), status: snapshot.accountStatus };
}

type DraftBody = ReturnType<PortfolioDraft['build']>;

export interface CalibratedDraft {
  knob: number;
  body: DraftBody;
  evaluation: SampleEvaluation;
}

/** Relative tolerance on the target uniMMR; quantities are rounded afterwards anyway. */
const TARGET_TOLERANCE = 0.002;
const MAX_ITERATIONS = 40;

/**
 * Sets the draft's knob: its target uniMMR if it has one, else its initial value, moved to
 * `minUniMMR`·1.04 when that starts below `minUniMMR`. Returns undefined when no knob value in range
 * reaches the floor (the caller draws another portfolio).
 */
export function calibrateDraft(
  draft: PortfolioDraft,
  wrap: (body: DraftBody) => SamplePortfolioDocument,
  market: MarketSnapshot,
  rules: Rules,
  minUniMMR: number,
): CalibratedDraft | undefined {
  const evaluateKnob = (knob: number) => {
    const body = draft.build(knob);
    return { knob, body, evaluation: evaluateSampleDocument(wrap(body), market, rules) };
  };
  const uniMMROf = (e: SampleEvaluation) => e.uniMMR ?? Number.POSITIVE_INFINITY;

  let target = draft.targetUniMMR;
  if (target === undefined) {
    const first = evaluateKnob(draft.knob.initial);
    if (uniMMROf(first.evaluation) > minUniMMR) return first;
    target = minUniMMR * 1.04;
  }
  const solved = solveKnob((k) => uniMMROf(evaluateKnob(k).evaluation) - target, draft, TARGET_TOLERANCE * target);
  if (solved === undefined) return undefined;
  const result = evaluateKnob(solved);
  return uniMMROf(result.evaluation) > minUniMMR ? result : undefined;
}

/**
 * A root of the monotone f on [knob.min, knob.max] by regula falsi (Illinois variant: converges on
 * the near-linear uniMMR curves in a handful of engine calls). When even the safest end of the range
 * stays above zero it returns that end; when the safest end is below zero, undefined.
 */
function solveKnob(f: (knob: number) => number, draft: PortfolioDraft, tolerance: number): number | undefined {
  const safe = draft.increasing ? draft.knob.max : draft.knob.min;
  const risky = draft.increasing ? draft.knob.min : draft.knob.max;
  const fSafe = f(safe);
  if (fSafe < 0) return undefined;
  const fRisky = f(risky);
  if (fRisky >= 0) return risky;
  let a = safe;
  let fa = fSafe;
  let b = risky;
  let fb = fRisky;
  let side = 0;
  let c = a;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    // Infinite uniMMR (no margin at all) has no slope to follow: bisect instead.
    c = Number.isFinite(fa) ? (a * fb - b * fa) / (fb - fa) : (a + b) / 2;
    const fc = f(c);
    if (Math.abs(fc) <= tolerance) return c;
    if (fc > 0) {
      a = c;
      fa = fc;
      if (side === 1) fb /= 2;
      side = 1;
    } else {
      b = c;
      fb = fc;
      if (side === -1) fa /= 2;
      side = -1;
    }
  }
  // The last point on the safe side is always acceptable.
  return a;
}
