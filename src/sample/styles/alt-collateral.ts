import { formatDecimal, type SampleActionDocument } from '../portfolio-document.js';
import { nextLogUniform, pickWeighted } from '../random.js';
import {
  BalanceBook,
  drawEntryPrice,
  drawForTier,
  formatWindowTime,
  makeUmPosition,
  readIndexPrice,
  readMarkPrice,
  roundUmQty,
  type PortfolioDraft,
  type StyleContext,
} from './common.js';

const LONG_TARGETS = { BTCUSDT: 30, ETHUSDT: 25, SOLUSDT: 25, BNBUSDT: 20 } as const;
const HEDGE_TARGETS = { BTCUSDT: 60, ETHUSDT: 40 } as const;
const BASE_OF: Readonly<Record<string, string>> = { BTCUSDT: 'BTC', ETHUSDT: 'ETH', SOLUSDT: 'SOL', BNBUSDT: 'BNB' };

/**
 * BNB and/or SOL held as collateral backing USDT-M positions, with a USDT UM wallet that may be
 * negative (losses paid out of the futures wallet, covered by the coins: normal in PM). Longs stack
 * the collateral's fall on the position's; shorts of BTC/ETH hedge part of it. Knob: the position
 * size, set from a leverage on the collateral's value.
 */
export function draftAltCollateral(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const collateral = pickWeighted(rng, { BNB: 45, SOL: 35, both: 20 });
  const coins = collateral === 'both' ? ['BNB', 'SOL'] : [collateral];
  const value = nextLogUniform(rng, 10_000, 2_000_000);
  const quantities = coins.map((c) => value / coins.length / readIndexPrice(ctx, c));
  const long = rng.nextBoolean(0.6);
  const symbol = long ? pickWeighted(rng, LONG_TARGETS) : pickWeighted(rng, HEDGE_TARGETS);
  const base = BASE_OF[symbol]!;
  const leverage = drawForTier(rng, ctx.tier, long
    ? { low: [0.3, 1], medium: [1, 1.8], high: [1.8, 2.8], extreme: [2.8, 4.5] }
    : { low: [0.3, 1.1], medium: [1.1, 1.8], high: [1.8, 3], extreme: [3, 5] });
  const wallet = value * rng.nextUniform(-0.05, 0.08);
  const entry = drawEntryPrice(ctx, symbol, 0.015);
  const markPrice = readMarkPrice(ctx, symbol);
  const topUp = rng.nextBoolean(0.15) ? { coin: coins[0]!, share: rng.nextUniform(0.1, 0.4), at: rng.nextUniform(0.2, 0.8) } : undefined;

  return {
    variant: `${coins.join('+')} collateral, ${long ? 'long' : 'short'} ${symbol} ${formatDecimal(leverage, 1)}x of it`,
    knob: { min: value * 0.02, max: value * 10, initial: value * leverage },
    increasing: false,
    build(notional) {
      const balances = new BalanceBook();
      coins.forEach((c, i) => balances.add(c, 'crossMarginFree', quantities[i]!));
      balances.add('USDT', 'umWalletBalance', wallet);
      const actions: SampleActionDocument[] = topUp === undefined ? [] : [{ time: formatWindowTime(ctx, topUp.at), type: 'transfer', asset: topUp.coin, amount: formatDecimal(quantities[0]! * topUp.share, 8), from: 'external', to: 'crossMargin' }];
      return {
        balances: balances.toDocuments(),
        umPositions: [makeUmPosition(base, symbol, (long ? 1 : -1) * roundUmQty(base, notional / markPrice), entry)],
        cmPositions: [],
        actions,
      };
    },
  };
}
