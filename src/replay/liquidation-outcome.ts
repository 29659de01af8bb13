import type { AccountSnapshot } from '../domain/types.js';
import type { LiquidationOutcome } from './liquidation.js';
import type { MarketTimeline } from './market-timeline.js';
import { noteAccountChanged, noteStatus, type ReplayState } from './replay-state.js';

/**
 * A liquidation ran at step k: reports its events, adds its liquidations, fees and bankruptcy loss
 * to the totals, and notes the status it left (BANKRUPTED ends the replay); `intrabar`: it ran at
 * the bar's adverse extreme, and so are the status changes it leaves. Returns the account's
 * snapshot after it.
 */
export function applyLiquidationOutcome(state: ReplayState, outcome: LiquidationOutcome, tl: MarketTimeline, k: number, intrabar = false): AccountSnapshot {
  const t = tl.stepTimes[k]!;
  const result = state.result;
  result.events.push(...outcome.events);
  for (const e of outcome.events) {
    if (e.type === 'liquidation') {
      result.liquidations++;
      result.liquidationFeesUSD = result.liquidationFeesUSD.plus(e.feesUSD);
    }
    if (e.type === 'bankruptcy') result.bankruptcyLossUSD = result.bankruptcyLossUSD.plus(e.deficitUSD);
  }
  noteAccountChanged(state, tl, k + 1);
  if (outcome.bankrupt) {
    result.bankrupt = true;
    noteStatus(state, 'BANKRUPTED', outcome.snapshot.uniMMR, t, intrabar);
    state.timeline.add(t, outcome.snapshot, 'BANKRUPTED');
  } else {
    noteStatus(state, outcome.snapshot.accountStatus, outcome.snapshot.uniMMR, t, intrabar);
  }
  return outcome.snapshot;
}
