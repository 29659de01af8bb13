import { formatDecimal, type SampleActionDocument, type SampleOrderDocument, type SamplePositionDocument } from '../portfolio-document.js';
import { nextLogUniform, type Random } from '../random.js';
import {
  BalanceBook,
  drawEntryPrice,
  drawForTier,
  formatUmQty,
  formatWindowTime,
  makeCmPosition,
  makeMarginOrder,
  makeUmPosition,
  readContractSize,
  readIndexPrice,
  readMarkPrice,
  roundCmQty,
  roundUmQty,
  type PortfolioDraft,
  type StyleContext,
} from './common.js';

interface BookContract {
  symbol: string;
  market: 'UM' | 'CM';
  /** Quarterlies are drawn less often: books quote mostly perpetuals. */
  weight: number;
}

const CONTRACTS_BY_ASSET: Readonly<Record<string, readonly BookContract[]>> = {
  BTC: [
    { symbol: 'BTCUSDT', market: 'UM', weight: 1 }, { symbol: 'BTCUSDC', market: 'UM', weight: 1 }, { symbol: 'BTCUSDT_240628', market: 'UM', weight: 0.35 },
    { symbol: 'BTCUSD_PERP', market: 'CM', weight: 1 }, { symbol: 'BTCUSD_240628', market: 'CM', weight: 0.35 },
  ],
  ETH: [{ symbol: 'ETHUSDT', market: 'UM', weight: 1 }, { symbol: 'ETHUSDC', market: 'UM', weight: 1 }, { symbol: 'ETHUSD_PERP', market: 'CM', weight: 1 }],
  BNB: [{ symbol: 'BNBUSDT', market: 'UM', weight: 1 }, { symbol: 'BNBUSD_PERP', market: 'CM', weight: 1 }],
  SOL: [{ symbol: 'SOLUSDT', market: 'UM', weight: 1 }, { symbol: 'SOLUSD_PERP', market: 'CM', weight: 1 }],
};
const ALT_INCLUSION: Readonly<Record<string, number>> = { ETH: 0.6, BNB: 0.4, SOL: 0.4 };

interface Leg {
  asset: string;
  contract: BookContract;
  /** UM: base units; CM: contracts. */
  qty: number;
  entry: number;
}

/** Share of market-maker books run "hot", starting in MARGIN_CALL (uniMMR 1.3–1.48). */
export const HOT_BOOK_SHARE = 0.06;

/**
 * A market maker's multi-leg book: per asset, 2–3 legs across UM perpetuals, USDC perpetuals,
 * quarterlies and COIN-M contracts that mostly offset, leaving a residual delta drawn for the risk
 * tier (what the crash hits). Some books hold BTC spot inventory, some run USDⓈ-M hedge mode (every
 * UM leg LONG or SHORT, one symbol held both ways: hedge mode is account-wide on Binance), most PM
 * books have cross-margin orders resting. Knob: the USDT in the UM
 * wallet, solved for a target uniMMR; a share of books runs hot and starts in MARGIN_CALL.
 */
export function draftMarketMaker(ctx: StyleContext): PortfolioDraft {
  const { rng } = ctx;
  const assets = ['BTC', ...['ETH', 'BNB', 'SOL'].filter((a) => rng.nextBoolean(ALT_INCLUSION[a]!))];
  const gross = nextLogUniform(rng, 200_000, 20_000_000);
  const weights = assets.map((a) => (a === 'BTC' ? 1 : rng.nextUniform(0.2, 0.7)));
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const spotShare = rng.nextBoolean(0.3) ? rng.nextUniform(0.05, 0.2) : 0;
  const { legs, coinBuffers, spotBtc } = drawLegs(ctx, assets, weights.map((w) => (gross * w) / weightSum), spotShare);
  const usdcWallet = legs.some((l) => l.contract.symbol.endsWith('USDC')) ? gross * rng.nextUniform(0.005, 0.02) : 0;
  const hedgeMode = rng.nextBoolean(0.3);
  const hedgeModeLeg = hedgeMode ? legs.find((l) => l.contract.market === 'UM') : undefined;
  const sideOf = (qty: number) => (hedgeMode ? (qty > 0 ? 'LONG' : 'SHORT') : undefined);
  const hedgeExtra = rng.nextUniform(0.2, 1);
  const hot = rng.nextBoolean(HOT_BOOK_SHARE);
  const target = hot ? rng.nextUniform(1.3, 1.48) : drawForTier(rng, ctx.tier, { low: [4, 10], medium: [2.8, 4], high: [2.2, 2.8], extreme: [1.6, 2.2] });
  const orders = drawMarginOrders(ctx, assets, gross);
  const plan = rng.nextFloat();
  const planShare = rng.nextUniform(0.3, 0.7);
  const planAt = rng.nextUniform(0.1, 0.9);

  return {
    variant: `${legs.length}-leg book on ${assets.join('/')}${hot ? ', running hot' : ''}`,
    // The USDT UM balance may end up negative: PM settles USDT losses there while USDC, BTC and the
    // COIN-M coins carry the account, and a hot book needs that to get its uniMMR down.
    knob: { min: -0.2 * gross, max: 5 * gross, initial: 0.05 * gross },
    increasing: true,
    targetUniMMR: target,
    build: (wallet) => buildBook(wallet, { ctx, legs, coinBuffers, spotBtc, usdcWallet, hedgeModeLeg, hedgeExtra, sideOf, orders, plan, planShare, planAt }),
  };
}

const RESIDUAL_DELTA_BY_TIER = { low: [0, 0.01], medium: [0.005, 0.02], high: [0.02, 0.04], extreme: [0.04, 0.08] } as const;

/** Per asset, 2–3 legs whose USD sizes sum (with any BTC spot) to a residual delta drawn for the tier. */
function drawLegs(ctx: StyleContext, assets: readonly string[], assetGrosses: readonly number[], spotShare: number): { legs: Leg[]; coinBuffers: Map<string, number>; spotBtc: number } {
  const { rng } = ctx;
  const legs: Leg[] = [];
  const coinBuffers = new Map<string, number>();
  let spotBtc = 0;
  assets.forEach((asset, i) => {
    const assetGross = assetGrosses[i]!;
    const price = readIndexPrice(ctx, asset);
    const chosen = drawContracts(rng, CONTRACTS_BY_ASSET[asset]!, rng.nextBoolean(0.5) ? 3 : 2);
    const residual = (rng.nextBoolean(0.5) ? 1 : -1) * drawForTier(rng, ctx.tier, RESIDUAL_DELTA_BY_TIER) * assetGross;
    const spotUSD = asset === 'BTC' ? assetGross * spotShare : 0;
    if (spotUSD > 0) spotBtc = spotUSD / price;
    // All legs but the last are free; the last one brings the asset's delta to the residual.
    let delta = spotUSD;
    const usdSizes = chosen.map((_, j) => {
      if (j < chosen.length - 1) {
        const size = (rng.nextBoolean(0.5) ? 1 : -1) * assetGross * rng.nextUniform(0.25, 0.6);
        delta += size;
        return size;
      }
      return residual - delta;
    });
    chosen.forEach((contract, j) => {
      const usd = usdSizes[j]!;
      const qty = contract.market === 'UM'
        ? roundUmQty(asset, usd / readMarkPrice(ctx, contract.symbol))
        : roundCmQty(usd / readContractSize(ctx, contract.symbol));
      legs.push({ asset, contract, qty, entry: drawEntryPrice(ctx, contract.symbol, 0.005) });
      if (contract.market === 'CM') coinBuffers.set(asset, (coinBuffers.get(asset) ?? 0) + (Math.abs(usd) / price) * rng.nextUniform(0.01, 0.05));
    });
  });
  return { legs, coinBuffers, spotBtc };
}

/** Most PM books have 1–4 cross-margin orders resting; PM Pro counts none. */
function drawMarginOrders(ctx: StyleContext, assets: readonly string[], gross: number): SampleOrderDocument[] {
  const { rng } = ctx;
  const orders: SampleOrderDocument[] = [];
  if (ctx.mode === 'PM' && rng.nextBoolean(0.6)) {
    const count = rng.nextInt(1, 4);
    for (let k = 0; k < count; k++) {
      const asset = assets[rng.nextInt(0, assets.length - 1)]!;
      const quote = (asset === 'BTC' || asset === 'ETH') && rng.nextBoolean(0.3) ? 'USDC' : 'USDT';
      orders.push(makeMarginOrder(ctx, asset, quote, rng.nextBoolean(0.5) ? 'BUY' : 'SELL', gross * rng.nextUniform(0.002, 0.02), rng.nextUniform(0.001, 0.01)));
    }
  }
  return orders;
}

/** What `build` needs of the drafted book: every random draw is made before the knob is solved. */
interface DraftedBook {
  ctx: StyleContext;
  legs: readonly Leg[];
  coinBuffers: ReadonlyMap<string, number>;
  spotBtc: number;
  usdcWallet: number;
  hedgeModeLeg: Leg | undefined;
  hedgeExtra: number;
  sideOf: (qty: number) => 'LONG' | 'SHORT' | undefined;
  orders: SampleOrderDocument[];
  plan: number;
  planShare: number;
  planAt: number;
}

function buildBook(wallet: number, book: DraftedBook) {
  const { ctx, legs, coinBuffers, spotBtc, usdcWallet, hedgeModeLeg, hedgeExtra, sideOf, orders, plan, planShare, planAt } = book;
    const balances = new BalanceBook().add('USDT', 'umWalletBalance', wallet);
    if (usdcWallet > 0) balances.add('USDC', 'umWalletBalance', usdcWallet);
    if (spotBtc > 0) balances.add('BTC', 'crossMarginFree', spotBtc);
    for (const [coin, amount] of coinBuffers) balances.add(coin, 'cmWalletBalance', amount);
    const umPositions: SamplePositionDocument[] = [];
    const cmPositions: SamplePositionDocument[] = [];
    for (const leg of legs) {
      if (leg.contract.market === 'CM') {
        cmPositions.push(makeCmPosition(leg.asset, leg.contract.symbol, leg.qty, leg.entry));
      } else if (leg === hedgeModeLeg) {
        const extra = roundUmQty(leg.asset, Math.abs(leg.qty) * hedgeExtra);
        umPositions.push(makeUmPosition(leg.asset, leg.contract.symbol, Math.max(leg.qty, 0) + extra, leg.entry, 'LONG'));
        umPositions.push(makeUmPosition(leg.asset, leg.contract.symbol, Math.min(leg.qty, 0) - extra, leg.entry, 'SHORT'));
      } else {
        umPositions.push(makeUmPosition(leg.asset, leg.contract.symbol, leg.qty, leg.entry, sideOf(leg.qty)));
      }
    }
    const actions: SampleActionDocument[] = [];
    const umLeg = legs.find((l) => l.contract.market === 'UM' && l !== hedgeModeLeg);
    if (plan < 0.1) {
      actions.push({ time: formatWindowTime(ctx, planAt), type: 'transfer', asset: 'USDT', amount: formatDecimal(Math.max(1, Math.abs(wallet) * planShare), 2), from: 'external', to: 'um' });
    } else if (plan < 0.2 && umLeg !== undefined) {
      // Cuts part of a leg: the book's residual delta changes mid-window.
      const positionSide = sideOf(umLeg.qty);
      actions.push({
        time: formatWindowTime(ctx, planAt), type: 'trade', market: 'UM', symbol: umLeg.contract.symbol, side: umLeg.qty > 0 ? 'SELL' : 'BUY',
        qty: formatUmQty(umLeg.asset, roundUmQty(umLeg.asset, Math.abs(umLeg.qty) * planShare)), ...(positionSide === undefined ? {} : { positionSide }),
      });
    }
  return { balances: balances.toDocuments(), umPositions, cmPositions, marginOpenOrders: orders, actions };
}

/** Up to `count` distinct contracts, drawn by weight without replacement. */
function drawContracts(rng: Random, contracts: readonly BookContract[], count: number): BookContract[] {
  const left = [...contracts];
  const out: BookContract[] = [];
  while (out.length < count && left.length > 0) {
    let u = rng.nextFloat() * left.reduce((s, c) => s + c.weight, 0);
    let i = 0;
    while (i < left.length - 1 && u >= left[i]!.weight) u -= left[i++]!.weight;
    out.push(...left.splice(i, 1));
  }
  return out;
}
