import type { MarketTimeline } from '../../replay/market-timeline.js';
import type { FastBatch } from './batch.js';
import { calculateCmNotionalCoin, calculateCmPnl, calculateUmPnl } from './pnl.js';
import { findAccountStatus } from './status.js';
import { calculateAssetEquity, calculateUmMaintMargin, findMarginalCollateralRate } from './tables.js';

export const SNAPSHOT_OK = 0;
/** A price is missing or stale, or a positive asset has no collateral rule: the exact engine decides. */
export const SNAPSHOT_NEEDS_EXACT = 1;

/**
 * Mirrors exact calculateAccountSnapshot for portfolio `p` at step `step`, on float64 and without
 * allocating: prices come straight from the history's value column through the step's
 * row-in-force table; results go to the batch's out* arrays.
 */
export function calculateAccountSnapshot(b: FastBatch, p: number, tl: MarketTimeline, step: number): number {
  const values = tl.series.values;
  const times = tl.series.times;
  const rowInForce = tl.rowInForce;
  const base = step * tl.seriesCount;
  const now = tl.stepTimes[step]!;
  const staleness = tl.stalenessMs;
  const t = b.tables;

  const a0 = b.assetStart[p]!;
  const a1 = a0 + b.assetCount[p]!;
  for (let a = a0; a < a1; a++) {
    b.assetPnl[a] = 0;
    b.assetFuturesMM[a] = 0;
  }

  const s1 = b.posStart[p]! + b.posCount[p]!;
  for (let i = b.posStart[p]!; i < s1; i++) {
    const series = b.posSeries[i]!;
    const row = series < 0 ? -1 : rowInForce[base + series]!;
    if (row < 0 || now - times[row]! > staleness) return SNAPSHOT_NEEDS_EXACT;
    const mark = values[row]!;
    const amt = b.posAmt[i]!;
    let pnl: number;
    let notional: number;
    if (b.posIsCM[i] === 0) {
      pnl = calculateUmPnl(amt, b.posEntry[i]!, mark);
      notional = Math.abs(amt * mark);
    } else {
      pnl = calculateCmPnl(amt, b.posSize[i]!, b.posEntry[i]!, mark);
      notional = calculateCmNotionalCoin(amt, b.posSize[i]!, mark);
    }
    const a = b.posAsset[i]!;
    b.assetPnl[a] = b.assetPnl[a]! + pnl;
    b.assetFuturesMM[a] = b.assetFuturesMM[a]! + calculateUmMaintMargin(t, b.posTableStart[i]!, b.posTableEnd[i]!, notional);
  }

  let equity = 0;
  let actual = 0;
  let maintMargin = 0;
  let gross = 0;
  for (let a = a0; a < a1; a++) {
    const net = b.assetBalanceNet[a]! + b.assetPnl[a]!;
    const borrowed = b.assetBorrowed[a]!;
    const futuresMM = b.assetFuturesMM[a]!;
    b.assetActualUSD[a] = 0;
    // As the exact engine: an asset with nothing in it needs no price.
    if (net === 0 && borrowed === 0 && futuresMM === 0 && b.assetPnl[a] === 0 && b.assetHasPosition[a] === 0) continue;
    const series = b.assetSeries[a]!;
    const row = series < 0 ? -1 : rowInForce[base + series]!;
    if (row < 0 || now - times[row]! > staleness) return SNAPSHOT_NEEDS_EXACT;
    const price = values[row]!;
    b.assetPrice[a] = price;
    const actualUSD = net * price;
    let equityUSD = actualUSD;
    if (actualUSD > 0) {
      if (b.assetTierStart[a]! < 0) return SNAPSHOT_NEEDS_EXACT;
      equityUSD = calculateAssetEquity(t, b.assetTierStart[a]!, b.assetTierEnd[a]!, actualUSD);
    }
    b.assetActualUSD[a] = actualUSD;
    equity += equityUSD;
    actual += actualUSD;
    gross += Math.abs(equityUSD);
    maintMargin += (futuresMM + borrowed * b.assetLoanMMR[a]!) * price;
  }

  let openLoss = 0;
  const o1 = b.orderStart[p]! + b.orderCount[p]!;
  for (let o = b.orderStart[p]!; o < o1; o++) {
    const base_ = b.orderBase[o]!;
    const quote = b.orderQuote[o]!;
    // Order legs need prices and collateral rules even when the account holds none of the asset.
    if (!loadLegPrice(b, base_, tl, base, now) || !loadLegPrice(b, quote, tl, base, now)) return SNAPSHOT_NEEDS_EXACT;
    const qty = b.orderQty[o]!;
    const baseValue = qty * b.assetPrice[base_]! * findMarginalCollateralRate(t, b.assetTierStart[base_]!, b.assetTierEnd[base_]!, Math.max(0, b.assetActualUSD[base_]!));
    const quoteValue = qty * b.orderPrice[o]! * b.assetPrice[quote]! * findMarginalCollateralRate(t, b.assetTierStart[quote]!, b.assetTierEnd[quote]!, Math.max(0, b.assetActualUSD[quote]!));
    openLoss += Math.max(0, b.orderIsBuy[o] === 1 ? quoteValue - baseValue : baseValue - quoteValue);
  }

  const adjusted = equity - openLoss;
  const uniMMR = maintMargin === 0 ? Number.NaN : adjusted / maintMargin;
  b.outEquity[p] = equity;
  b.outActual[p] = actual;
  b.outOpenLoss[p] = openLoss;
  b.outMaintMargin[p] = maintMargin;
  b.outUniMMR[p] = uniMMR;
  b.outGross[p] = gross + openLoss;
  b.outStatus[p] = findAccountStatus(adjusted, uniMMR, b.marginCall[p]!, b.reduceOnly[p]!, b.liquidation[p]!);
  return SNAPSHOT_OK;
}

function loadLegPrice(b: FastBatch, a: number, tl: MarketTimeline, base: number, now: number): boolean {
  if (b.assetTierStart[a]! < 0) return false;
  const series = b.assetSeries[a]!;
  const row = series < 0 ? -1 : tl.rowInForce[base + series]!;
  if (row < 0 || now - tl.series.times[row]! > tl.stalenessMs) return false;
  b.assetPrice[a] = tl.series.values[row]!;
  return true;
}

/**
 * Relative band within which a fast result is not trusted to decide: the float64 rounding error of
 * a snapshot is ~1e-14 of its gross scale, so 1e-9 leaves five orders of margin (README "Parity").
 */
export const DECISION_BAND = 1e-9;

/** True when uniMMR or adjusted equity is too close to a threshold for float64 to decide. */
export function isNearThreshold(b: FastBatch, p: number): boolean {
  const adjusted = b.outEquity[p]! - b.outOpenLoss[p]!;
  const gross = b.outGross[p]!;
  if (Math.abs(adjusted) <= DECISION_BAND * gross) return true;
  const u = b.outUniMMR[p]!;
  if (Number.isNaN(u)) return false;
  const tolerance = DECISION_BAND * (gross / b.outMaintMargin[p]! + Math.abs(u));
  return Math.abs(u - b.marginCall[p]!) <= tolerance || Math.abs(u - b.reduceOnly[p]!) <= tolerance || Math.abs(u - b.liquidation[p]!) <= tolerance;
}
