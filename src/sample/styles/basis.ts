import { formatDecimal, type SampleActionDocument, type SampleOrderDocument } from '../portfolio-document.js';
import { nextLogUniform, pickWeighted } from '../random.js';
import {
  BalanceBook,
  drawEntryPrice,
  drawForTier,
  findAmountDecimals,
  formatWindowTime,
  makeMarginOrder,
  makeUmPosition,
  readIndexPrice,
  readMarkPrice,
  roundUmQty,
  type PortfolioDraft,
  type StyleContext,
} from './common.js';

/**
 * Cash and carry: spot bought partly with a stablecoin margin loan, hedged by a short perpetual of
 * the same size. Delta-neutral, so the crash barely moves equity; the risk is the loan's
 * maintenance margin and negative funding after the crash. Knob: the share of the spot bought on
 * loan, solved for a target uniMMR.
 */
export function draftSpotPerpBasis(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const base = pickWeighted(rng, { BTC: 50, ETH: 30, BNB: 12, SOL: 8 });
  const quote: 'USDT' | 'USDC' = (base === 'BTC' || base === 'ETH') && rng.nextBoolean(0.25) ? 'USDC' : 'USDT';
  const perp = `${base}${quote}`;
  const notional = nextLogUniform(rng, 20_000, 5_000_000);
  const perpQty = roundUmQty(base, notional / readMarkPrice(ctx, perp));
  const spotQty = perpQty * rng.nextUniform(0.98, 1.02);
  const entry = drawEntryPrice(ctx, perp, 0.003);
  const leverage = Number(pickWeighted(rng, { 3: 60, 5: 30, 10: 10 }));
  const spotValue = spotQty * readIndexPrice(ctx, base) / readIndexPrice(ctx, quote);
  const cushion = notional * rng.nextUniform(0.005, 0.03);
  const orders: SampleOrderDocument[] = ctx.mode === 'PM' && rng.nextBoolean(0.25)
    ? [makeMarginOrder(ctx, base, quote, 'BUY', notional * rng.nextUniform(0.02, 0.1), rng.nextUniform(0.002, 0.015))]
    : [];
  const repay = rng.nextBoolean(0.2) ? { share: rng.nextUniform(0.2, 0.5), at: rng.nextUniform(0.1, 0.9) } : undefined;

  return {
    variant: `long ${formatDecimal(spotQty, 4)} ${base} spot on a ${quote} loan (${leverage}x), short ${perp}`,
    knob: { min: 0, max: 0.97, initial: 0.5 },
    increasing: false,
    targetUniMMR: drawForTier(rng, ctx.tier, { low: [6, 15], medium: [3, 6], high: [2, 3], extreme: [1.6, 2] }),
    build(loanShare) {
      const loan = Number(formatDecimal(spotValue * loanShare, findAmountDecimals(quote)));
      const balances = new BalanceBook().add(base, 'crossMarginFree', spotQty).add(quote, 'umWalletBalance', cushion);
      if (loan > 0) balances.add(quote, 'crossMarginBorrowed', loan).setMarginLeverage(quote, leverage);
      const actions: SampleActionDocument[] = [];
      const amount = formatDecimal(loan * (repay?.share ?? 0), findAmountDecimals(quote));
      if (repay !== undefined && Number(amount) > 0) {
        const time = formatWindowTime(ctx, repay.at);
        actions.push({ time, type: 'transfer', asset: quote, amount, from: 'external', to: 'crossMargin' }, { time, type: 'repay', asset: quote, amount });
      }
      return { balances: balances.toDocuments(), umPositions: [makeUmPosition(base, perp, -perpQty, entry)], cmPositions: [], marginOpenOrders: orders, actions };
    },
  };
}

/**
 * Calendar spread on USDⓈ-M: the June quarterly against the perpetual. Selling the quarterly
 * harvests its premium; buying it bets on the premium widening and loses when the crash compresses
 * it. Knob: the USDT in the UM wallet, solved for a target uniMMR.
 */
export function draftCalendarBasis(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const quarterly = 'BTCUSDT_240628';
  const perp = 'BTCUSDT';
  const shortQuarterly = rng.nextBoolean(0.65);
  const notional = nextLogUniform(rng, 50_000, 10_000_000);
  const qty = roundUmQty('BTC', notional / readMarkPrice(ctx, perp));
  const sign = shortQuarterly ? -1 : 1;
  const quarterlyEntry = drawEntryPrice(ctx, quarterly, 0.004);
  const perpEntry = drawEntryPrice(ctx, perp, 0.004);
  const topUp = rng.nextBoolean(0.15) ? { share: rng.nextUniform(0.2, 0.5), at: rng.nextUniform(0.3, 0.9) } : undefined;

  return {
    variant: `${shortQuarterly ? 'short' : 'long'} ${quarterly} / ${shortQuarterly ? 'long' : 'short'} ${perp}, ${formatDecimal(qty, 3)} BTC`,
    knob: { min: 0, max: 2 * notional, initial: 0.05 * notional },
    increasing: true,
    targetUniMMR: drawForTier(rng, ctx.tier, { low: [5, 12], medium: [3, 5], high: [2, 3], extreme: [1.6, 2] }),
    build(wallet) {
      const actions: SampleActionDocument[] = [];
      if (topUp !== undefined) actions.push({ time: formatWindowTime(ctx, topUp.at), type: 'transfer', asset: 'USDT', amount: formatDecimal(Math.max(1, wallet * topUp.share), 2), from: 'external', to: 'um' });
      return {
        balances: new BalanceBook().add('USDT', 'umWalletBalance', wallet).toDocuments(),
        umPositions: [makeUmPosition('BTC', quarterly, sign * qty, quarterlyEntry), makeUmPosition('BTC', perp, -sign * qty, perpEntry)],
        cmPositions: [],
        actions,
      };
    },
  };
}
