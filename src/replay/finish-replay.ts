import { Dec } from '../domain/decimal.js';
import { MissingPriceError } from '../domain/errors.js';
import type { AccountSnapshot, RulesTimeline } from '../domain/types.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { findRulesAt } from '../rules/build.js';
import { evaluateExtreme } from './intrabar.js';
import { printFinalFromKernel } from './final-account.js';
import type { FastSlot, PortfolioReplay, ReplayState } from './replay-state.js';
import type { ExactPriceBook } from './step-market.js';

/**
 * The replay's result once the last step is done. Fast steps are reported in float64
 * (docs/architecture.md "Parity contract"): the kernel's minimum replaces the exact one when lower,
 * with the account at that step (at its bar's adverse extreme, when the minimum was there) evaluated
 * exactly for its breakdown; when the replay ended on kernel
 * steps, the final account is that of the last of them: its printed numbers from the kernel where
 * the proven error bound fixes them (final-account.ts), the exact snapshot when first read.
 */
export function finishReplay(state: ReplayState, book: ExactPriceBook, rulesTimeline: RulesTimeline, fast?: FastSlot): PortfolioReplay {
  const result = state.result;
  const minimum = state.fastMinimum;
  if (minimum.uniMMR < Number.POSITIVE_INFINITY && (result.minUniMMR === null || minimum.uniMMR < result.minUniMMR.toNumber())) {
    result.minUniMMR = new Dec(minimum.uniMMR);
    result.minUniMMRTime = minimum.time;
    try {
      const account = minimum.account ?? state.account;
      const rules = findRulesAt(rulesTimeline, minimum.time);
      result.worstSnapshot = minimum.extreme ? evaluateExtreme(account, book, minimum.step, rules)?.snapshot : calculateAccountSnapshot(account, book.marketAt(minimum.step), rules);
    } catch (e) {
      // The kernel had every price of that step; should the exact engine still want one more, the
      // report goes without the breakdown rather than failing the portfolio.
      if (!(e instanceof MissingPriceError)) throw e;
      result.worstSnapshot = undefined;
    }
  }
  const last = state.kernel.lastStep;
  if (last >= 0) {
    const evaluate = () => calculateAccountSnapshot(state.account, book.marketAt(last), findRulesAt(rulesTimeline, book.timeline.stepTimes[last]!));
    result.finalTime = book.timeline.stepTimes[last];
    const printed = fast === undefined ? undefined : printFinalFromKernel(state, fast);
    if (printed === undefined) result.final = evaluate();
    else {
      result.finalPrinted = printed;
      keepFinalForLater(result, evaluate);
    }
  }
  return result;
}

/**
 * `result.final` evaluated by the exact engine when first read: the summary prints finalPrinted
 * and never reads it; a caller that wants the whole final account (its breakdown) still gets it.
 * The replay is over, so the account it reads no longer changes.
 */
function keepFinalForLater(result: PortfolioReplay, evaluate: () => AccountSnapshot): void {
  let final: AccountSnapshot | undefined;
  let evaluated = false;
  Object.defineProperty(result, 'final', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!evaluated) {
        final = evaluate();
        evaluated = true;
      }
      return final;
    },
    set: (value: AccountSnapshot | undefined) => {
      final = value;
      evaluated = true;
    },
  });
}
