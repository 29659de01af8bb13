import { formatDecimal, type SampleActionDocument } from '../portfolio-document.js';
import { nextLogUniform, pickWeighted } from '../random.js';
import {
  BalanceBook,
  drawEntryPrice,
  drawForTier,
  formatWindowTime,
  makeCmPosition,
  readContractSize,
  readIndexPrice,
  roundCmQty,
  type PortfolioDraft,
  type StyleContext,
} from './common.js';

/**
 * COIN-M accounts on coin collateral. Variants:
 *  - hedge (55 %): coins plus a short XUSD_PERP worth hedgeRatio of them: a synthetic dollar;
 *    over-hedged accounts are net short and suffer in the rally, under-hedged ones in the crash.
 *  - quarterly carry (15 %): BTC plus a short BTCUSD_240628 (sells the quarterly's premium).
 *  - coin-margined long (30 %): a long XUSD_PERP on the same coin, the 2020-style double exposure
 *    (collateral and position fall together; an inverse long at 2x on SOL does not survive).
 * Knob: the number of contracts, set from the hedge ratio or leverage.
 */
export function draftCoinMargined(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const variant = pickWeighted(rng, { hedge: 55, quarterly: 15, long: 30 });
  const coin = variant === 'quarterly' ? 'BTC' : pickWeighted(rng, { BTC: 45, ETH: 25, BNB: 15, SOL: 15 });
  const symbol = variant === 'quarterly' ? 'BTCUSD_240628' : `${coin}USD_PERP`;
  const price = readIndexPrice(ctx, coin);
  const value = nextLogUniform(rng, 5_000, 3_000_000);
  const coinQty = value / price;
  const contractSize = readContractSize(ctx, symbol);
  const ratio = variant === 'long'
    ? drawForTier(rng, ctx.tier, { low: [0.3, 1.2], medium: [1.2, 1.8], high: [1.8, 2.5], extreme: [2.5, 4] })
    : drawForTier(rng, ctx.tier, { low: [0.9, 1.1], medium: [0.7, 1.3], high: [0.4, 1.8], extreme: [0.2, 3] });
  const direction = variant === 'long' ? 1 : -1;
  const entry = drawEntryPrice(ctx, symbol, variant === 'long' ? 0.02 : 0.005);
  const inCmWallet = rng.nextBoolean(0.6);
  const topUp = rng.nextBoolean(0.15) ? { share: rng.nextUniform(0.1, 0.5), at: rng.nextUniform(0.2, 0.8) } : undefined;
  const label = variant === 'long' ? `long ${symbol} ${formatDecimal(ratio, 1)}x` : `short ${symbol} hedging ${formatDecimal(ratio * 100, 0)} %`;

  return {
    variant: `${formatDecimal(coinQty, 4)} ${coin} collateral, ${label}`,
    knob: { min: 1, max: Math.max(2, (value * 20) / contractSize), initial: (value * ratio) / contractSize },
    increasing: false,
    build(contracts) {
      const balances = new BalanceBook().add(coin, inCmWallet ? 'cmWalletBalance' : 'crossMarginFree', coinQty);
      const actions: SampleActionDocument[] = topUp === undefined ? [] : [{ time: formatWindowTime(ctx, topUp.at), type: 'transfer', asset: coin, amount: formatDecimal(coinQty * topUp.share, 8), from: 'external', to: inCmWallet ? 'cm' : 'crossMargin' }];
      return {
        balances: balances.toDocuments(),
        umPositions: [],
        cmPositions: [makeCmPosition(coin, symbol, direction * roundCmQty(contracts), entry)],
        actions,
      };
    },
  };
}
