import type { MarketTimeline } from '../../domain/market-timeline.js';
import { SPAN_STEPS, type FastBatch } from './batch.js';
import { PARITY_TOLERANCE } from './parity.js';
import { calculateUmPnl } from './pnl.js';
import { findAccountStatus, NEEDS_EXACT, NORMAL } from './status.js';
import { calculateAssetEquity, findClearMarginalCollateralRate, findRowIndex } from './tables.js';

export const SNAPSHOT_OK = 0;
/**
 * A price is missing or stale, a positive asset has no collateral rule, or an order leg's holding is
 * within the band of a collateral tier edge: the exact engine decides.
 */
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
 *
 * It also bounds the magnitude of the terms of every step's sums over the span (`scale` for
 * adjusted equity, `marginScale` for maintenance margin): each position's largest notional and each
 * asset's largest price over the span, kept in registers, give Σ_a (|net| + Σ|qty·entry| + Σ notional)
 * × price and Σ_a (Σ 3·top rate·notional + loan margin) × price. A step's float error is at most
 * findErrorFactor × those (docs/architecture.md "Parity contract"). A step is quiet only when its
 * status is decided with the band max(DECISION_BAND, factor) × magnitude around both sums, and its
 * numbers are within PARITY_TOLERANCE of the exact engine's by the bound (isWithinTolerance).
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
  const openLoss = b.spanOpenLoss;
  equity.fill(0, 0, n);
  actual.fill(0, 0, n);
  maintMargin.fill(0, 0, n);
  const errorFactor = findErrorFactor(b, p);
  const band = Math.max(DECISION_BAND, errorFactor);
  let scale = 0;
  let marginScale = 0;

  const a0 = b.assetStart[p]!;
  const a1 = a0 + b.assetCount[p]!;
  const o0 = b.orderStart[p]!;
  const o1 = o0 + b.orderCount[p]!;
  // Open orders read each leg asset's actual value per step: kept only when there are orders.
  const assetActual = o1 > o0 ? b.spanAssetActualUSD : undefined;
  const assetScale = b.spanAssetScaleUSD;
  for (let a = a0; a < a1; a++) {
    const i0 = b.assetPosStart[a]!;
    const i1 = b.assetPosEnd[a]!;
    const balanceNet = b.assetBalanceNet[a]!;
    const borrowed = b.assetBorrowed[a]!;
    const actualRow = (a - a0) * SPAN_STEPS;
    // As the exact engine: an asset with nothing in it needs no price.
    if (i0 === i1 && balanceNet === 0 && borrowed === 0) {
      if (assetActual !== undefined) {
        assetActual.fill(0, actualRow, actualRow + n);
        assetScale[a - a0] = 0;
      }
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
      let maxPrice = 0;
      for (let j = 0, m = series * steps + from; j < n; j++, m++) {
        const price = prices[m]!;
        const actualUSD = balanceNet * price;
        const equityUSD = actualUSD > 0 ? actualUSD * flat : actualUSD;
        equity[j] = equity[j]! + equityUSD;
        actual[j] = actual[j]! + actualUSD;
        if (price > maxPrice) maxPrice = price;
      }
      scale += Math.abs(balanceNet) * maxPrice;
      continue;
    }
    // The magnitude of the asset's net but its positions' notionals (their largest added below).
    let netScale = Math.abs(balanceNet);
    let maxPrice = 0;

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
      let maxNotional = 0;
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
        maintMargin[j] = maintMargin[j]! + (notional * rate - cum + loanMM) * price;
        if (notional > maxNotional) maxNotional = notional;
        if (price > maxPrice) maxPrice = price;
      }
      b.posBracket[i0] = r;
      scale += (netScale + b.posPnlScale[i0]! + maxNotional) * maxPrice;
      marginScale += (b.posMarginWeight[i0]! * maxNotional + loanMM) * maxPrice;
      continue;
    }

    pnl.fill(0, 0, n);
    futuresMM.fill(0, 0, n);
    let notionalScale = 0;
    let marginNotional = 0;
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
      netScale += b.posPnlScale[i]!;
      let maxNotional = 0;
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
        if (notional > maxNotional) maxNotional = notional;
      }
      b.posBracket[i] = r;
      notionalScale += maxNotional;
      marginNotional += b.posMarginWeight[i]! * maxNotional;
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
      maintMargin[j] = maintMargin[j]! + (futuresMM[j]! + loanMM) * price;
      if (price > maxPrice) maxPrice = price;
      if (assetActual !== undefined) assetActual[actualRow + j] = actualUSD;
    }
    const assetScaleUSD = (netScale + notionalScale) * maxPrice;
    scale += assetScaleUSD;
    marginScale += (marginNotional + loanMM) * maxPrice;
    if (assetActual !== undefined) assetScale[a - a0] = assetScaleUSD;
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
    const baseRow = (baseAsset - a0) * SPAN_STEPS;
    const quoteRow = (quote - a0) * SPAN_STEPS;
    const baseSlack = band * assetScale[baseAsset - a0]!;
    const quoteSlack = band * assetScale[quote - a0]!;
    let maxLegs = 0;
    for (let j = 0; j < n; j++) {
      const basePrice = baseSeries < 0 || !legsRuled ? Number.NaN : prices[baseSeries * steps + from + j]!;
      const quotePrice = quoteSeries < 0 || !legsRuled ? Number.NaN : prices[quoteSeries * steps + from + j]!;
      if (basePrice !== basePrice || quotePrice !== quotePrice) {
        openLoss[j] = Number.NaN;
        continue;
      }
      // The marginal rate jumps at a tier edge: a holding within the band of one is NaN (exact).
      const baseRate = findClearMarginalCollateralRate(t, b.assetTierStart[baseAsset]!, b.assetTierEnd[baseAsset]!, Math.max(0, assetActual![baseRow + j]!), baseSlack);
      const quoteRate = findClearMarginalCollateralRate(t, b.assetTierStart[quote]!, b.assetTierEnd[quote]!, Math.max(0, assetActual![quoteRow + j]!), quoteSlack);
      const baseValue = qty * basePrice * baseRate;
      const quoteValue = qty * limitPrice * quotePrice * quoteRate;
      openLoss[j] = openLoss[j]! + Math.max(0, isBuy ? quoteValue - baseValue : baseValue - quoteValue);
      const legs = Math.abs(baseValue) + Math.abs(quoteValue);
      if (legs > maxLegs) maxLegs = legs;
    }
    scale += maxLegs;
  }

  const marginCall = b.marginCall[p]!;
  const reduceOnly = b.reduceOnly[p]!;
  const liquidation = b.liquidation[p]!;
  const spanUniMMR = b.spanUniMMR;
  const normalIsQuiet = quietStatus === NORMAL;
  const empty = b.emptyAccount[p] === 1;
  const slack = band * scale;
  const marginSlack = band * marginScale;
  // isWithinTolerance's sufficient test for the fast path (see there).
  const equityErrorBound = ((4 * errorFactor) / TOLERANCE_BUDGET) * scale;
  const marginErrorBound = ((8 * errorFactor) / TOLERANCE_BUDGET) * marginScale;
  for (let j = 0; j < n; j++) {
    const loss = hasOrders ? openLoss[j]! : 0;
    const adjusted = equity[j]! - loss;
    const mm = maintMargin[j]!;
    const uniMMR = mm === 0 ? Number.NaN : adjusted / mm;
    // Most steps: NORMAL, clear of every band. This is isNearThreshold's test for that case (above
    // the margin call line is above the lower two; uniMMR > 0 here) without its divisions, taken first.
    const room = mm - marginSlack;
    if (normalIsQuiet && room > 0 && adjusted > slack && (uniMMR - marginCall - band * uniMMR) * room > slack + uniMMR * marginSlack
      && ((equityErrorBound <= adjusted && marginErrorBound <= mm) || isWithinTolerance(equity[j]!, actual[j]!, mm, uniMMR, scale, marginScale, errorFactor))) {
      spanUniMMR[j] = uniMMR;
      continue;
    }
    const status = adjusted !== adjusted || mm !== mm ? NEEDS_EXACT : findAccountStatus(adjusted, uniMMR, marginCall, reduceOnly, liquidation);
    // An empty account's step is exact (FastBatch.emptyAccount): no band to keep clear of.
    if (status !== quietStatus || (!empty && isNearThreshold(adjusted, uniMMR, scale, mm, marginCall, reduceOnly, liquidation, marginScale, band)) || !isWithinTolerance(equity[j]!, actual[j]!, mm, uniMMR, scale, marginScale, errorFactor)) {
      b.outEquity[p] = equity[j]!;
      b.outActual[p] = actual[j]!;
      b.outOpenLoss[p] = loss;
      b.outMaintMargin[p] = mm;
      b.outUniMMR[p] = uniMMR;
      b.outGross[p] = scale;
      b.outMarginScale[p] = marginScale;
      b.outStatus[p] = status;
      return from + j;
    }
    spanUniMMR[j] = uniMMR;
  }
  // A span without a stop has its bound too: the replay prints its final account from it (replay/final-account.ts).
  b.outGross[p] = scale;
  b.outMarginScale[p] = marginScale;
  return from + n;
}

/**
 * The decision band, relative to the magnitude sums: a step whose adjusted equity, maintenance margin
 * or uniMMR could be on the other side of a threshold (or of 0) within this much is confirmed by the
 * exact engine. It is at least the proven float error bound (findErrorFactor, ~1e-14 for any
 * realistic portfolio), kept at 1e-9 for a wide margin (docs/architecture.md "Parity contract").
 */
export const DECISION_BAND = 1e-9;

/**
 * Rounding operations on the longest path from an input (a decimal rounded to float64) to a term of
 * adjusted equity or maintenance margin, besides the additions of the sums: 3 for a UM PnL, 4 for a
 * CM PnL or notional, 1 for × price, up to 3 for a tiered haircut, 4 for an order leg, the bracket
 * formula's 2, the division of uniMMR and the threshold's own rounding — 16 bounds each of them.
 */
export const ROUNDINGS_PER_TERM = 16;

/**
 * k·ε (ε = 2⁻⁵²) for portfolio `p`, k = ROUNDINGS_PER_TERM + its positions + assets + orders (each
 * sum adds one rounding per term): |float − exact| ≤ k·ε × the magnitude sum, for adjusted equity
 * (outGross, spanGross) and maintenance margin (outMarginScale, spanMarginScale).
 */
export function findErrorFactor(b: FastBatch, p: number): number {
  return (ROUNDINGS_PER_TERM + b.posCount[p]! + b.assetCount[p]! + b.orderCount[p]!) * Number.EPSILON;
}

/**
 * True when uniMMR or adjusted equity is too close to a threshold for float64 to decide. `gross` and
 * `marginScale` are the magnitude sums of adjusted equity and maintenance margin (marginScale
 * defaults to the margin itself), `band` the relative band: adjusted equity is known within
 * band·gross, the margin within band·marginScale, so uniMMR within
 * (band·gross + |uniMMR|·band·marginScale) / (margin − band·marginScale) + band·|uniMMR|.
 */
export function isNearThreshold(adjusted: number, uniMMR: number, gross: number, maintMargin: number, marginCall: number, reduceOnly: number, liquidation: number, marginScale = maintMargin, band = DECISION_BAND): boolean {
  const slack = band * gross;
  if (Math.abs(adjusted) <= slack) return true;
  // Negative adjusted equity is FORCE_LIQUIDATION whatever the margin.
  if (adjusted < 0) return false;
  const marginSlack = band * marginScale;
  const room = maintMargin - marginSlack;
  if (!(room > 0)) {
    // The margin may be anything from 0 to maintMargin + marginSlack: uniMMR is none or at least
    // (adjusted − slack) / that, which must clear the highest line. No margin terms at all: none.
    return marginSlack > 0 && adjusted - slack <= Math.max(marginCall, reduceOnly, liquidation) * (maintMargin + marginSlack);
  }
  const u = Math.abs(uniMMR);
  const tolerance = (slack + u * marginSlack) / room + band * u;
  return Math.abs(uniMMR - marginCall) <= tolerance || Math.abs(uniMMR - reduceOnly) <= tolerance || Math.abs(uniMMR - liquidation) <= tolerance;
}

/** The share of PARITY_TOLERANCE the proven error may use (the rest covers comparing with the exact value, not the fast one). */
export const TOLERANCE_BUDGET = PARITY_TOLERANCE / 2;

/**
 * True when the step's reported numbers — equity, actual equity, maintenance margin, uniMMR — are
 * within PARITY_TOLERANCE (relative, absolute below 1) of the exact engine's by the proven bound:
 * each sum's error is at most errorFactor × its magnitude (scale, marginScale). Otherwise the step
 * goes to the exact engine. A margin of 0 reports no uniMMR: only right when no margin term exists.
 *
 * The kernel's fast path first tries a sufficient test, 4·errorFactor·scale ≤ budget·adjusted and
 * 8·errorFactor·marginScale ≤ budget·maintMargin (budget = PARITY_TOLERANCE / 2), on a NORMAL step
 * (adjusted > 0, margin > 0): equity ≥ adjusted (open loss ≥ 0) and actual ≥ equity − 2·error
 * (haircuts only lower), so the first three tests hold with room; and the uniMMR test's left side is
 * then at most budget·uniMMR·margin·(1/4 + 1/8 + ε) against a right side of at least
 * budget·uniMMR·margin·7/8.
 */
export function isWithinTolerance(equity: number, actual: number, maintMargin: number, uniMMR: number, scale: number, marginScale: number, errorFactor: number): boolean {
  const error = errorFactor * scale;
  const marginError = errorFactor * marginScale;
  if (error > TOLERANCE_BUDGET * Math.max(1, Math.abs(equity)) || error > TOLERANCE_BUDGET * Math.max(1, Math.abs(actual)) || marginError > TOLERANCE_BUDGET * Math.max(1, maintMargin)) return false;
  if (maintMargin === 0) return marginError === 0;
  const room = maintMargin - marginError;
  const u = Math.abs(uniMMR);
  // |uniMMR error| ≤ (error + u·marginError) / room + errorFactor·u, without the division
  return room > 0 && error + u * marginError + errorFactor * u * room <= TOLERANCE_BUDGET * Math.max(1, u) * room;
}
