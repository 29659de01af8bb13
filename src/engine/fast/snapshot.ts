import type { MarketTimeline } from '../../replay/market-timeline.js';
import type { FastBatch } from './batch.js';
import { calculateUmPnl } from './pnl.js';
import { findAccountStatus } from './status.js';
import { calculateAssetEquity, findMarginalCollateralRate, findRowIndex } from './tables.js';

export const SNAPSHOT_OK = 0;
/** A price is missing or stale, or a positive asset has no collateral rule: the exact engine decides. */
export const SNAPSHOT_NEEDS_EXACT = 1;

/**
 * Mirrors exact calculateAccountSnapshot for portfolio `p` at step `step`, on float64 and without
 * allocating: prices come from the timeline's step × series matrix of fresh values (the
 * history's value column, carried forward); results go to the batch's out* arrays.
 */
export function calculateAccountSnapshot(b: FastBatch, p: number, tl: MarketTimeline, step: number): number {
  // Every array in a local: V8 then keeps them in registers instead of reloading them per row.
  const prices = tl.freshValues;
  const base = step * tl.seriesCount;
  const t = b.tables;
  const assetPnl = b.assetPnl;
  const assetFuturesMM = b.assetFuturesMM;
  const posSeries = b.posSeries;
  const posAmt = b.posAmt;
  const posEntry = b.posEntry;
  const posQty = b.posQty;
  const posInvEntry = b.posInvEntry;
  const posBracket = b.posBracket;
  const posIsCM = b.posIsCM;
  const floors = t.floors;
  const rates = t.rates;
  const cums = t.cums;
  const posAsset = b.posAsset;
  const posTableStart = b.posTableStart;
  const posTableEnd = b.posTableEnd;

  const a0 = b.assetStart[p]!;
  const a1 = a0 + b.assetCount[p]!;
  for (let a = a0; a < a1; a++) {
    assetPnl[a] = 0;
    assetFuturesMM[a] = 0;
  }

  const s1 = b.posStart[p]! + b.posCount[p]!;
  for (let i = b.posStart[p]!; i < s1; i++) {
    const series = posSeries[i]!;
    const mark = series < 0 ? Number.NaN : prices[base + series]!;
    // NaN: missing or stale.
    if (mark !== mark) return SNAPSHOT_NEEDS_EXACT;
    let pnl: number;
    let notional: number;
    if (posIsCM[i] === 0) {
      const amt = posAmt[i]!;
      pnl = calculateUmPnl(amt, posEntry[i]!, mark);
      notional = Math.abs(amt * mark);
    } else {
      // calculateCmPnl and calculateCmNotionalCoin with 1/entry kept from the load and one
      // division for 1/mark: the same values up to rounding.
      const invMark = 1 / mark;
      const qty = posQty[i]!;
      pnl = qty * (posInvEntry[i]! - invMark);
      notional = Math.abs(qty * invMark);
    }
    const a = posAsset[i]!;
    assetPnl[a] = assetPnl[a]! + pnl;
    // calculateUmMaintMargin, starting from last step's bracket: a notional seldom changes bracket.
    let r = posBracket[i]!;
    const end = posTableEnd[i]!;
    if (notional < floors[r]! || (r + 1 < end && notional >= floors[r + 1]!)) {
      r = findRowIndex(t, posTableStart[i]!, end, notional);
      posBracket[i] = r;
    }
    assetFuturesMM[a] = assetFuturesMM[a]! + (notional * rates[r]! - cums[r]!);
  }

  const assetBalanceNet = b.assetBalanceNet;
  const assetBorrowed = b.assetBorrowed;
  const assetLoanMMR = b.assetLoanMMR;
  const assetHasPosition = b.assetHasPosition;
  const assetSeries = b.assetSeries;
  const assetPrice = b.assetPrice;
  const assetActualUSD = b.assetActualUSD;
  const assetTierStart = b.assetTierStart;
  const assetTierEnd = b.assetTierEnd;
  const assetFlatRate = b.assetFlatRate;
  let equity = 0;
  let actual = 0;
  let maintMargin = 0;
  let gross = 0;
  for (let a = a0; a < a1; a++) {
    const pnl = assetPnl[a]!;
    const net = assetBalanceNet[a]! + pnl;
    const borrowed = assetBorrowed[a]!;
    const futuresMM = assetFuturesMM[a]!;
    assetActualUSD[a] = 0;
    // As the exact engine: an asset with nothing in it needs no price.
    if (net === 0 && borrowed === 0 && futuresMM === 0 && pnl === 0 && assetHasPosition[a] === 0) continue;
    const series = assetSeries[a]!;
    const price = series < 0 ? Number.NaN : prices[base + series]!;
    if (price !== price) return SNAPSHOT_NEEDS_EXACT;
    assetPrice[a] = price;
    const actualUSD = net * price;
    let equityUSD = actualUSD;
    if (actualUSD > 0) {
      const flat = assetFlatRate[a]!;
      if (flat === flat) {
        equityUSD = actualUSD * flat;
      } else {
        const tier = assetTierStart[a]!;
        if (tier < 0) return SNAPSHOT_NEEDS_EXACT;
        equityUSD = calculateAssetEquity(t, tier, assetTierEnd[a]!, actualUSD);
      }
    }
    assetActualUSD[a] = actualUSD;
    equity += equityUSD;
    actual += actualUSD;
    gross += Math.abs(equityUSD);
    maintMargin += (futuresMM + borrowed * assetLoanMMR[a]!) * price;
  }

  let openLoss = 0;
  const o1 = b.orderStart[p]! + b.orderCount[p]!;
  for (let o = b.orderStart[p]!; o < o1; o++) {
    const baseAsset = b.orderBase[o]!;
    const quote = b.orderQuote[o]!;
    // Order legs need prices and collateral rules even when the account holds none of the asset.
    if (!loadLegPrice(b, baseAsset, prices, base) || !loadLegPrice(b, quote, prices, base)) return SNAPSHOT_NEEDS_EXACT;
    const qty = b.orderQty[o]!;
    const baseValue = qty * assetPrice[baseAsset]! * findMarginalCollateralRate(t, assetTierStart[baseAsset]!, assetTierEnd[baseAsset]!, Math.max(0, assetActualUSD[baseAsset]!));
    const quoteValue = qty * b.orderPrice[o]! * assetPrice[quote]! * findMarginalCollateralRate(t, assetTierStart[quote]!, assetTierEnd[quote]!, Math.max(0, assetActualUSD[quote]!));
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

function loadLegPrice(b: FastBatch, a: number, prices: Float64Array, base: number): boolean {
  if (b.assetTierStart[a]! < 0) return false;
  const series = b.assetSeries[a]!;
  const price = series < 0 ? Number.NaN : prices[base + series]!;
  if (price !== price) return false;
  b.assetPrice[a] = price;
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
