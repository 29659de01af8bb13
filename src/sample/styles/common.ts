import type { MarketSnapshot, Rules } from '../../domain/types.js';
import { findCmContract } from '../../rules/resolve.js';
import { MINUTE_MS } from '../market-options.js';
import {
  formatDecimal,
  type SampleBalanceDocument,
  type SampleOrderDocument,
  type SamplePortfolioDocument,
  type SamplePositionDocument,
} from '../portfolio-document.js';
import type { Random } from '../random.js';

/** How hard an account is pushed; each style turns the tier into its own knob (leverage, uniMMR...). */
export const RISK_TIERS = ['low', 'medium', 'high', 'extreme'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

export interface StyleContext {
  rng: Random;
  tier: RiskTier;
  /** PM accounts may carry cross-margin open orders; PM_PRO ones have no open loss to show. */
  mode: 'PM' | 'PM_PRO';
  rules: Rules;
  market: MarketSnapshot;
  /** The replay window, ms: [windowStart, windowEnd). Action times fall inside it. */
  windowStart: number;
  windowEnd: number;
}

/** What a style hands to the calibrator: a document for every value of one knob. */
export interface PortfolioDraft {
  /** e.g. "long BTCUSDT 3.2x". */
  variant: string;
  build(knob: number): Omit<SamplePortfolioDocument, 'id' | 'version' | 'mode' | 'description'>;
  knob: { min: number; max: number; initial: number };
  /** uniMMR rises with the knob (capital) or falls with it (loan, position size). */
  increasing: boolean;
  /** Solve the knob for this uniMMR; absent: use knob.initial (the style set it from leverage). */
  targetUniMMR?: number;
}

/** A uniform draw inside [min, max] of the tier's range. */
export function drawForTier(rng: Random, tier: RiskTier, ranges: Readonly<Record<RiskTier, readonly [number, number]>>): number {
  const [min, max] = ranges[tier];
  return rng.nextUniform(min, max);
}

export function readIndexPrice(ctx: StyleContext, asset: string): number {
  const p = ctx.market.indexPrices.get(asset);
  if (p === undefined) throw new RangeError(`the sample market has no index price for ${asset}`);
  return p.toNumber();
}

export function readMarkPrice(ctx: StyleContext, symbol: string): number {
  const p = ctx.market.markPrices.get(symbol);
  if (p === undefined) throw new RangeError(`the sample market has no mark price for ${symbol}`);
  return p.toNumber();
}

export function readContractSize(ctx: StyleContext, cmSymbol: string): number {
  return findCmContract(ctx.rules, cmSymbol).contractSize.toNumber();
}

// Order-of-magnitude Binance step and tick sizes, so quantities and prices look like real ones.
const QTY_DECIMALS: Readonly<Record<string, number>> = { BTC: 3, ETH: 3, BNB: 2, SOL: 0 };
const PRICE_DECIMALS: Readonly<Record<string, number>> = { BTC: 1, ETH: 2, BNB: 2, SOL: 3 };
/** Coins held as balances: 8 decimals, as Binance's wallets; stablecoins to the cent. */
export function findAmountDecimals(asset: string): number {
  return asset === 'USDT' || asset === 'USDC' ? 2 : 8;
}

/** A UM quantity rounded to its step, never rounded away to zero. */
export function roundUmQty(asset: string, qty: number): number {
  const d = QTY_DECIMALS[asset] ?? 3;
  const step = 10 ** -d;
  const rounded = Math.round(Math.abs(qty) / step) * step;
  return Math.sign(qty) * Math.max(step, Number(rounded.toFixed(d)));
}

/** A CM quantity in whole contracts, at least one. */
export function roundCmQty(contracts: number): number {
  return Math.sign(contracts) * Math.max(1, Math.round(Math.abs(contracts)));
}

export function formatPrice(asset: string, price: number): string {
  return formatDecimal(price, PRICE_DECIMALS[asset] ?? 2);
}

export function formatUmQty(asset: string, qty: number): string {
  return formatDecimal(qty, QTY_DECIMALS[asset] ?? 3);
}

/**
 * An entry price near the mark: positions opened earlier carry some PnL. `spread` is the standard
 * deviation of the relative offset, clipped at 3 of them.
 */
export function drawEntryPrice(ctx: StyleContext, symbol: string, spread: number): number {
  const offset = Math.max(-3, Math.min(3, ctx.rng.nextNormal())) * spread;
  return readMarkPrice(ctx, symbol) * (1 + offset);
}

export function makeUmPosition(asset: string, symbol: string, qty: number, entryPrice: number, positionSide?: 'LONG' | 'SHORT'): SamplePositionDocument {
  const p: SamplePositionDocument = { symbol, positionAmt: formatUmQty(asset, qty), entryPrice: formatPrice(asset, entryPrice) };
  if (positionSide !== undefined) p.positionSide = positionSide;
  return p;
}

export function makeCmPosition(asset: string, symbol: string, contracts: number, entryPrice: number): SamplePositionDocument {
  return { symbol, positionAmt: String(contracts), entryPrice: formatPrice(asset, entryPrice) };
}

type BalanceField = 'crossMarginFree' | 'crossMarginBorrowed' | 'umWalletBalance' | 'cmWalletBalance';

/** Collects balances per asset as numbers, in first-use order, and writes Binance's fields. */
export class BalanceBook {
  private readonly rows = new Map<string, Partial<Record<BalanceField, number>> & { marginLeverage?: number }>();

  add(asset: string, field: BalanceField, amount: number): this {
    const row = this.rows.get(asset) ?? {};
    row[field] = (row[field] ?? 0) + amount;
    this.rows.set(asset, row);
    return this;
  }

  setMarginLeverage(asset: string, leverage: number): this {
    const row = this.rows.get(asset) ?? {};
    row.marginLeverage = leverage;
    this.rows.set(asset, row);
    return this;
  }

  toDocuments(): SampleBalanceDocument[] {
    const out: SampleBalanceDocument[] = [];
    for (const [asset, row] of this.rows) {
      const d = findAmountDecimals(asset);
      const doc: SampleBalanceDocument = { asset };
      for (const field of ['crossMarginFree', 'crossMarginBorrowed', 'umWalletBalance', 'cmWalletBalance'] as const) {
        const v = row[field];
        if (v === undefined) continue;
        // Cross-margin fields cannot be negative; a rounding crumb below zero is zero.
        const text = formatDecimal(field === 'crossMarginFree' || field === 'crossMarginBorrowed' ? Math.max(0, v) : v, d);
        if (text !== '0') doc[field] = text;
      }
      if (row.marginLeverage !== undefined) doc.marginLeverage = row.marginLeverage;
      out.push(doc);
    }
    return out;
  }
}

/** A time at `fraction` of the window, on a whole minute, as ISO-8601 UTC. */
export function formatWindowTime(ctx: StyleContext, fraction: number): string {
  const minutes = Math.floor(((ctx.windowEnd - ctx.windowStart) * fraction) / MINUTE_MS);
  return new Date(ctx.windowStart + minutes * MINUTE_MS).toISOString().replace('.000Z', 'Z');
}

/** A margin limit order `distance` (relative) away from the index, on the pair base/quote. */
export function makeMarginOrder(ctx: StyleContext, base: string, quote: 'USDT' | 'USDC', side: 'BUY' | 'SELL', valueUSD: number, distance: number): SampleOrderDocument {
  const price = readIndexPrice(ctx, base) / readIndexPrice(ctx, quote) * (side === 'BUY' ? 1 - distance : 1 + distance);
  return { symbol: `${base}${quote}`, side, price: formatPrice(base, price), origQty: formatUmQty(base, roundUmQty(base, valueUSD / price)) };
}
