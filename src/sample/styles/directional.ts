import { formatDecimal, type SampleActionDocument, type SampleOrderDocument } from '../portfolio-document.js';
import { nextLogUniform, pickWeighted } from '../random.js';
import {
  BalanceBook,
  drawEntryPrice,
  drawForTier,
  formatUmQty,
  formatWindowTime,
  makeMarginOrder,
  makeUmPosition,
  readMarkPrice,
  roundUmQty,
  type PortfolioDraft,
  type StyleContext,
} from './common.js';

const UM_PERPETUALS = { BTCUSDT: 30, ETHUSDT: 22, SOLUSDT: 14, BNBUSDT: 10, BTCUSDC: 14, ETHUSDC: 10 } as const;
type UmPerpetual = keyof typeof UM_PERPETUALS;
const BASE_OF: Readonly<Record<UmPerpetual, string>> = { BTCUSDT: 'BTC', ETHUSDT: 'ETH', SOLUSDT: 'SOL', BNBUSDT: 'BNB', BTCUSDC: 'BTC', ETHUSDC: 'ETH' };

/**
 * Leveraged directional USDⓈ-M positions (1–3 legs, all long or all short) on stablecoin capital.
 * The knob is the capital, set from a leverage drawn for the risk tier: leverage, not uniMMR, is what
 * decides whether a directional account survives a 28 % fall (a long above ~3.5x on BTC does not).
 */
export function draftDirectional(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const long = rng.nextBoolean(0.65);
  const legCount = Number(pickWeighted(rng, { 1: 70, 2: 20, 3: 10 }));
  const symbols: UmPerpetual[] = [];
  while (symbols.length < legCount) {
    const s = pickWeighted(rng, UM_PERPETUALS);
    if (!symbols.includes(s)) symbols.push(s);
  }
  const notional = nextLogUniform(rng, 5_000, 2_000_000);
  // Shorts face the pre-crash rally, so their leverage is drawn lower.
  const leverage = drawForTier(rng, ctx.tier, long
    ? { low: [1, 2.5], medium: [2.5, 3.5], high: [3.5, 6], extreme: [6, 15] }
    : { low: [1, 2], medium: [2, 4], high: [4, 8], extreme: [8, 15] });
  const weights = symbols.map(() => rng.nextUniform(0.3, 1));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const legs = symbols.map((symbol, i) => {
    const base = BASE_OF[symbol];
    const qty = (long ? 1 : -1) * roundUmQty(base, (notional * weights[i]!) / weightSum / readMarkPrice(ctx, symbol));
    return { symbol, base, qty, entry: drawEntryPrice(ctx, symbol, 0.02) };
  });
  const capitalAsset = symbols.some((s) => s.endsWith('USDT')) ? 'USDT' : 'USDC';
  const inUmWallet = rng.nextBoolean(0.7);
  const orders: SampleOrderDocument[] = ctx.mode === 'PM' && rng.nextBoolean(0.15)
    ? [makeMarginOrder(ctx, legs[0]!.base, capitalAsset, 'BUY', notional * rng.nextUniform(0.02, 0.1), rng.nextUniform(0.005, 0.03))]
    : [];
  const plan = rng.nextFloat();
  const addShare = rng.nextUniform(0.25, 0.6);
  const when = rng.nextUniform(0.1, 0.55);

  return {
    variant: `${long ? 'long' : 'short'} ${symbols.join('+')} ${formatDecimal(leverage, 1)}x`,
    knob: { min: notional / 200, max: notional * 20, initial: notional / leverage },
    increasing: true,
    build(capital) {
      const actions: SampleActionDocument[] = [];
      const first = legs[0]!;
      if (plan < 0.15) {
        // Adds to the winner (or loser) before the crash: the account is bigger when it hits.
        actions.push({ time: formatWindowTime(ctx, when), type: 'trade', market: 'UM', symbol: first.symbol, side: long ? 'BUY' : 'SELL', qty: formatUmQty(first.base, roundUmQty(first.base, Math.abs(first.qty) * addShare)) });
      } else if (plan < 0.25) {
        actions.push({ time: formatWindowTime(ctx, when + 0.3), type: 'transfer', asset: capitalAsset, amount: formatDecimal(capital * addShare, 2), from: 'external', to: 'um' });
      }
      return {
        balances: new BalanceBook().add(capitalAsset, inUmWallet ? 'umWalletBalance' : 'crossMarginFree', capital).toDocuments(),
        umPositions: legs.map((l) => makeUmPosition(l.base, l.symbol, l.qty, l.entry)),
        cmPositions: [],
        marginOpenOrders: orders,
        actions,
      };
    },
  };
}
