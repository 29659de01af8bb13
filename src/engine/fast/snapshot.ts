import type { MarketTimeline } from '../../domain/market-timeline.js';
import { SPAN_STEPS, type FastBatch } from './batch.js';
import { calculateUmPnl } from './pnl.js';
import { findAccountStatus, NEEDS_EXACT, NORMAL } from './status.js';
import { calculateAssetEquity, findMarginalCollateralRate, findRowIndex } from './tables.js';

export const SNAPSHOT_OK = 0;
/** A price is missing or stale, or a positive asset has no collateral rule: the exact engine decides. */
export const SNAPSHOT_NEEDS_EXACT = 1;

/** calculateAccountSnapshots' `quietStatus` that no step has: stop at the first step. */
export const NO_QUIET_STATUS = -2;

/**
 * Mirrors exact calculateAccountSnapshot for portfolio `p` at step `step`, on float64 and without
 * allocating; results go to the batch's out* arrays.
 */
export function calculateAccountSnapshot(b: FastBatch, p: number, tl: MarketTimeline, step: number): number {
  calculateAccountSnapshots(b, p, tl, step, step + 1, NO_QUIET_STATUS);
  return b.outStatus[p]! === NEEDS_EXACT ? SNAPSHOT_NEEDS_EXACT : SNAPSHOT_OK;
}

/**
 * The kernel: calculateAccountSnapshot for portfolio `p` at steps `from`, `from`+1, … while each
 * step is quiet — every price there, status `quietStatus`, and not near a threshold — writing each
 * quiet step's uniMMR, equities and margin to the span arrays (index step − from). Returns the first
 * step that is not quiet, whose results are in the out* arrays (outStatus NEEDS_EXACT when a price
 * or rule is missing), or the span's end when all were: `to`, or `from` + SPAN_STEPS if sooner.
 *
 * It runs over time inside each position and asset (step-inner loops over the price matrix): the
 * branches on a leg's kind, its bracket and its collateral table are then taken once a span, not
 * once a step. Sums keep the exact engine's order (per step: assets in order, each one's positions
 * in listing order). A missing or stale price (NaN in the matrix) or a missing collateral rule
 * makes the step's sums NaN, which the last pass reads as "needs exact".
 */
// eslint-disable-next-line max-lines-per-function -- the span kernel: its loops stay in one function for speed (docs/architecture.md "Checks")
export function calculateAccountSnapshots(b: FastBatch, p: number, tl: MarketTimeline, from: number, to: number, quietStatus: number): number {
  const n = Math.min(to - from, SPAN_STEPS);
  const prices = tl.freshValues;
  const steps = tl.stepTimes.length;
  const t = b.tables;
  const floors = t.floors;
  const rowEnds = t.rowEnds;
  const rates = t.rates;
  const cums = t.cums;
  const pnl = b.spanPnl;
  const futuresMM = b.spanFuturesMM;
  const equity = b.spanEquity;
  const actual = b.spanActual;
  const maintMargin = b.spanMaintMargin;
  const gross = b.spanGross;
  const openLoss = b.spanOpenLoss;
  equity.fill(0, 0, n);
  actual.fill(0, 0, n);
  maintMargin.fill(0, 0, n);
  gross.fill(0, 0, n);

  const a0 = b.assetStart[p]!;
  const a1 = a0 + b.assetCount[p]!;
  const o0 = b.orderStart[p]!;
  const o1 = o0 + b.orderCount[p]!;
  // Open orders read each leg asset's actual value per step: kept only when there are orders.
  const assetActual = o1 > o0 ? b.spanAssetActualUSD : undefined;
  for (let a = a0; a < a1; a++) {
    const i0 = b.assetPosStart[a]!;
    const i1 = b.assetPosEnd[a]!;
    const balanceNet = b.assetBalanceNet[a]!;
    const borrowed = b.assetBorrowed[a]!;
    const actualRow = (a - a0) * SPAN_STEPS;
    // As the exact engine: an asset with nothing in it needs no price.
    if (i0 === i1 && balanceNet === 0 && borrowed === 0) {
      if (assetActual !== undefined) assetActual.fill(0, actualRow, actualRow + n);
      continue;
    }
    const series = b.assetSeries[a]!;
    if (series < 0) {
      // No index price at all: the exact engine reports it.
      equity.fill(Number.NaN, 0, n);
      continue;
    }
    const loanMM = borrowed * b.assetLoanMMR[a]!;
    const flat = b.assetFlatRate[a]!;
    if (i0 === i1 && loanMM === 0 && flat === flat && assetActual === undefined) {
      // A balance at a flat collateral rate, without a loan (most collateral): its value moves with
      // its price alone, and it adds no margin.
      for (let j = 0, m = series * steps + from; j < n; j++, m++) {
        const actualUSD = balanceNet * prices[m]!;
        const equityUSD = actualUSD > 0 ? actualUSD * flat : actualUSD;
        equity[j] = equity[j]! + equityUSD;
        actual[j] = actual[j]! + actualUSD;
        gross[j] = gross[j]! + Math.abs(equityUSD);
      }
      continue;
    }

    if (i1 - i0 === 1 && b.posSeries[i0]! >= 0 && flat === flat && assetActual === undefined) {
      // One position at a flat collateral rate (a coin-margined leg, say): the position's PnL and
      // margin go straight into the asset's sums in one pass, without the per-step PnL and margin
      // arrays. The same operations as the two loops below (a sum of one term is that term).
      const qty = b.posQty[i0]!;
      let r = b.posBracket[i0]!;
      let floor = floors[r]!;
      let rowEnd = rowEnds[r]!;
      let rate = rates[r]!;
      let cum = cums[r]!;
      const entry = b.posEntry[i0]!;
      const invEntry = b.posInvEntry[i0]!;
      const tableStart = b.posTableStart[i0]!;
      const tableEnd = b.posTableEnd[i0]!;
      const isCM = b.posIsCM[i0] === 1;
      for (let j = 0, m = b.posSeries[i0]! * steps + from, q = series * steps + from; j < n; j++, m++, q++) {
        const mark = prices[m]!;
        let legPnl: number;
        let notional: number;
        if (isCM) {
          const invMark = 1 / mark;
          legPnl = qty * (invEntry - invMark);
          notional = Math.abs(qty * invMark);
        } else {
          legPnl = calculateUmPnl(qty, entry, mark);
          notional = Math.abs(qty * mark);
        }
        if (notional < floor || notional >= rowEnd) {
          r = findRowIndex(t, tableStart, tableEnd, notional);
          floor = floors[r]!;
          rowEnd = rowEnds[r]!;
          rate = rates[r]!;
          cum = cums[r]!;
        }
        const price = prices[q]!;
        const actualUSD = (balanceNet + legPnl) * price;
        const equityUSD = actualUSD > 0 ? actualUSD * flat : actualUSD;
        equity[j] = equity[j]! + equityUSD;
        actual[j] = actual[j]! + actualUSD;
        gross[j] = gross[j]! + Math.abs(equityUSD);
        maintMargin[j] = maintMargin[j]! + (notional * rate - cum + loanMM) * price;
      }
      b.posBracket[i0] = r;
      continue;
    }

    pnl.fill(0, 0, n);
    futuresMM.fill(0, 0, n);
    for (let i = i0; i < i1; i++) {
      const series = b.posSeries[i]!;
      if (series < 0) {
        // No mark price at all: the exact engine reports it.
        pnl.fill(Number.NaN, 0, n);
        continue;
      }
      const qty = b.posQty[i]!;
      let r = b.posBracket[i]!;
      let floor = floors[r]!;
      let rowEnd = rowEnds[r]!;
      let rate = rates[r]!;
      let cum = cums[r]!;
      const entry = b.posEntry[i]!;
      const invEntry = b.posInvEntry[i]!;
      const tableStart = b.posTableStart[i]!;
      const tableEnd = b.posTableEnd[i]!;
      const isCM = b.posIsCM[i] === 1;
      for (let j = 0, m = series * steps + from; j < n; j++, m++) {
        const mark = prices[m]!;
        let notional: number;
        if (isCM) {
          // calculateCmPnl and calculateCmNotionalCoin with 1/entry kept from the load and one
          // division for 1/mark: the same values up to rounding.
          const invMark = 1 / mark;
          pnl[j] = pnl[j]! + qty * (invEntry - invMark);
          notional = Math.abs(qty * invMark);
        } else {
          pnl[j] = pnl[j]! + calculateUmPnl(qty, entry, mark);
          notional = Math.abs(qty * mark);
        }
        // calculateUmMaintMargin (CM: the same on the coin notional), from the last step's row: a
        // notional seldom leaves its row from one step to the next. A NaN notional fails both
        // tests and keeps the row; the NaN reaches the sums.
        if (notional < floor || notional >= rowEnd) {
          r = findRowIndex(t, tableStart, tableEnd, notional);
          floor = floors[r]!;
          rowEnd = rowEnds[r]!;
          rate = rates[r]!;
          cum = cums[r]!;
        }
        futuresMM[j] = futuresMM[j]! + (notional * rate - cum);
      }
      b.posBracket[i] = r;
    }

    const tierStart = b.assetTierStart[a]!;
    const tierEnd = b.assetTierEnd[a]!;
    for (let j = 0, m = series * steps + from; j < n; j++, m++) {
      const price = prices[m]!;
      const actualUSD = (balanceNet + pnl[j]!) * price;
      let equityUSD = actualUSD;
      if (actualUSD > 0) {
        if (flat === flat) equityUSD = actualUSD * flat;
        else equityUSD = tierStart < 0 ? Number.NaN : calculateAssetEquity(t, tierStart, tierEnd, actualUSD);
      }
      equity[j] = equity[j]! + equityUSD;
      actual[j] = actual[j]! + actualUSD;
      gross[j] = gross[j]! + Math.abs(equityUSD);
      maintMargin[j] = maintMargin[j]! + (futuresMM[j]! + loanMM) * price;
      if (assetActual !== undefined) assetActual[actualRow + j] = actualUSD;
    }
  }

  // Open loss is read only where there are open orders.
  const hasOrders = o1 > o0;
  if (hasOrders) openLoss.fill(0, 0, n);
  for (let o = o0; o < o1; o++) {
    const baseAsset = b.orderBase[o]!;
    const quote = b.orderQuote[o]!;
    const qty = b.orderQty[o]!;
    const limitPrice = b.orderPrice[o]!;
    const isBuy = b.orderIsBuy[o] === 1;
    const baseSeries = b.assetSeries[baseAsset]!;
    const quoteSeries = b.assetSeries[quote]!;
    // Order legs need prices and collateral rules even when the account holds none of the asset.
    const legsRuled = b.assetTierStart[baseAsset]! >= 0 && b.assetTierStart[quote]! >= 0;
    for (let j = 0; j < n; j++) {
      const basePrice = baseSeries < 0 || !legsRuled ? Number.NaN : prices[baseSeries * steps + from + j]!;
      const quotePrice = quoteSeries < 0 || !legsRuled ? Number.NaN : prices[quoteSeries * steps + from + j]!;
      if (basePrice !== basePrice || quotePrice !== quotePrice) {
        openLoss[j] = Number.NaN;
        continue;
      }
      const baseValue = qty * basePrice * findMarginalCollateralRate(t, b.assetTierStart[baseAsset]!, b.assetTierEnd[baseAsset]!, Math.max(0, assetActual![(baseAsset - a0) * SPAN_STEPS + j]!));
      const quoteValue = qty * limitPrice * quotePrice * findMarginalCollateralRate(t, b.assetTierStart[quote]!, b.assetTierEnd[quote]!, Math.max(0, assetActual![(quote - a0) * SPAN_STEPS + j]!));
      openLoss[j] = openLoss[j]! + Math.max(0, isBuy ? quoteValue - baseValue : baseValue - quoteValue);
    }
  }

  const marginCall = b.marginCall[p]!;
  const reduceOnly = b.reduceOnly[p]!;
  const liquidation = b.liquidation[p]!;
  const spanUniMMR = b.spanUniMMR;
  const normalIsQuiet = quietStatus === NORMAL;
  for (let j = 0; j < n; j++) {
    const loss = hasOrders ? openLoss[j]! : 0;
    const adjusted = equity[j]! - loss;
    const mm = maintMargin[j]!;
    const uniMMR = mm === 0 ? Number.NaN : adjusted / mm;
    const scale = gross[j]! + loss;
    // Most steps: NORMAL, clear of every band. This is the general test below for that case (above
    // the margin call line is above the lower two; uniMMR > 0 here), taken first: it is one test.
    if (normalIsQuiet && uniMMR - marginCall > DECISION_BAND * (scale / mm + uniMMR) && adjusted > DECISION_BAND * scale) {
      spanUniMMR[j] = uniMMR;
      continue;
    }
    const status = adjusted !== adjusted || mm !== mm ? NEEDS_EXACT : findAccountStatus(adjusted, uniMMR, marginCall, reduceOnly, liquidation);
    if (status !== quietStatus || isNearThreshold(adjusted, uniMMR, scale, mm, marginCall, reduceOnly, liquidation)) {
      b.outEquity[p] = equity[j]!;
      b.outActual[p] = actual[j]!;
      b.outOpenLoss[p] = loss;
      b.outMaintMargin[p] = mm;
      b.outUniMMR[p] = uniMMR;
      b.outGross[p] = scale;
      b.outStatus[p] = status;
      return from + j;
    }
    spanUniMMR[j] = uniMMR;
  }
  return from + n;
}

/**
 * Relative band within which a fast result is not trusted to decide: the float64 rounding error of
 * a snapshot is ~1e-14 of its gross scale, so 1e-9 leaves five orders of margin (docs/architecture.md "Parity contract").
 */
export const DECISION_BAND = 1e-9;

/** True when uniMMR or adjusted equity is too close to a threshold for float64 to decide. */
export function isNearThreshold(adjusted: number, uniMMR: number, gross: number, maintMargin: number, marginCall: number, reduceOnly: number, liquidation: number): boolean {
  if (Math.abs(adjusted) <= DECISION_BAND * gross) return true;
  if (uniMMR !== uniMMR) return false;
  const tolerance = DECISION_BAND * (gross / maintMargin + Math.abs(uniMMR));
  return Math.abs(uniMMR - marginCall) <= tolerance || Math.abs(uniMMR - reduceOnly) <= tolerance || Math.abs(uniMMR - liquidation) <= tolerance;
}
