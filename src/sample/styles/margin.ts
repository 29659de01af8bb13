import { formatDecimal, type SampleActionDocument, type SampleOrderDocument } from '../portfolio-document.js';
import { nextLogUniform, pickWeighted } from '../random.js';
import {
  BalanceBook,
  drawForTier,
  findAmountDecimals,
  formatWindowTime,
  makeMarginOrder,
  readIndexPrice,
  type PortfolioDraft,
  type StyleContext,
} from './common.js';

/**
 * Margin loans without futures. Two variants:
 *  - leveraged spot: own BTC/ETH plus more of it bought with borrowed USDT. The crash hits the
 *    whole (haircut) position while the loan stays: these are the margin accounts that liquidate.
 *    Knob: the loan, solved for a target uniMMR.
 *  - short an alt: borrow SOL/BNB/ETH and sell it for USDT. The pre-crash rally hurts, the crash pays.
 *    Knob: the account's own USDT, solved for a target uniMMR.
 */
export function draftMarginLoan(ctx: StyleContext): PortfolioDraft {
  return ctx.rng.nextBoolean(0.6) ? draftLeveragedSpot(ctx) : draftShortAlt(ctx);
}

function draftLeveragedSpot(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const coin = pickWeighted(rng, { BTC: 55, ETH: 45 });
  const price = readIndexPrice(ctx, coin);
  const ownValue = nextLogUniform(rng, 10_000, 3_000_000);
  const ownQty = ownValue / price;
  const leverage = Number(pickWeighted(rng, { 3: 70, 5: 30 }));
  // A loan against haircut collateral loses (1 − rate) of every borrowed dollar, so the ranges sit
  // higher than for futures styles: at uniMMR 6 a 28 % fall already brings a margin call.
  const target = drawForTier(rng, ctx.tier, { low: [9, 25], medium: [6.5, 9], high: [5, 6.5], extreme: [3, 5] });
  const orders: SampleOrderDocument[] = ctx.mode === 'PM' && rng.nextBoolean(0.3)
    ? [makeMarginOrder(ctx, coin, 'USDT', rng.nextBoolean(0.5) ? 'BUY' : 'SELL', ownValue * rng.nextUniform(0.05, 0.2), rng.nextUniform(0.005, 0.04))]
    : [];
  const repay = rng.nextBoolean(0.3) ? { share: rng.nextUniform(0.2, 0.6), at: rng.nextBoolean(0.5) ? rng.nextUniform(0.2, 0.55) : rng.nextUniform(0.7, 0.95) } : undefined;
  const usdt = readIndexPrice(ctx, 'USDT');

  return {
    variant: `${formatDecimal(ownQty, 4)} ${coin} own, more bought on a USDT loan (${leverage}x)`,
    knob: { min: 0, max: ownValue * 6, initial: ownValue },
    increasing: false,
    targetUniMMR: target,
    build(loan) {
      const borrowed = Number(formatDecimal(loan, 2));
      const balances = new BalanceBook().add(coin, 'crossMarginFree', ownQty + (borrowed * usdt) / price);
      if (borrowed > 0) balances.add('USDT', 'crossMarginBorrowed', borrowed).setMarginLeverage('USDT', leverage);
      const actions: SampleActionDocument[] = [];
      const amount = formatDecimal(borrowed * (repay?.share ?? 0), 2);
      if (repay !== undefined && Number(amount) > 0) {
        const time = formatWindowTime(ctx, repay.at);
        actions.push({ time, type: 'transfer', asset: 'USDT', amount, from: 'external', to: 'crossMargin' }, { time, type: 'repay', asset: 'USDT', amount });
      }
      return { balances: balances.toDocuments(), umPositions: [], cmPositions: [], marginOpenOrders: orders, actions };
    },
  };
}

function draftShortAlt(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const alt = pickWeighted(rng, { SOL: 40, BNB: 30, ETH: 30 });
  const price = readIndexPrice(ctx, alt);
  const shortValue = nextLogUniform(rng, 10_000, 2_000_000);
  const qty = Number(formatDecimal(shortValue / price, findAmountDecimals(alt)));
  const proceeds = (qty * price) / readIndexPrice(ctx, 'USDT');
  const leverage = Number(pickWeighted(rng, { 3: 70, 5: 30 }));
  const target = drawForTier(rng, ctx.tier, { low: [6, 15], medium: [3.5, 6], high: [2.5, 3.5], extreme: [1.7, 2.5] });
  const topUp = rng.nextBoolean(0.2) ? { share: rng.nextUniform(0.3, 1), at: rng.nextUniform(0.2, 0.6) } : undefined;

  return {
    variant: `short ${formatDecimal(qty, 4)} ${alt} borrowed on margin (${leverage}x)`,
    knob: { min: 0, max: shortValue * 5, initial: shortValue * 0.5 },
    increasing: true,
    targetUniMMR: target,
    build(ownUsdt) {
      const balances = new BalanceBook()
        .add('USDT', 'crossMarginFree', ownUsdt + proceeds)
        .add(alt, 'crossMarginBorrowed', qty)
        .setMarginLeverage(alt, leverage);
      const actions: SampleActionDocument[] = topUp === undefined ? [] : [{ time: formatWindowTime(ctx, topUp.at), type: 'transfer', asset: 'USDT', amount: formatDecimal(Math.max(1, ownUsdt * topUp.share), 2), from: 'external', to: 'crossMargin' }];
      return { balances: balances.toDocuments(), umPositions: [], cmPositions: [], actions };
    },
  };
}
