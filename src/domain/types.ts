import type { Dec } from './decimal.js';

export type MarginMode = 'PM' | 'PM_PRO';
export type PositionSide = 'BOTH' | 'LONG' | 'SHORT';
export type OrderSide = 'BUY' | 'SELL';

/** The five statuses the engine can derive (docs/margin-rules.md §3–§4), best to worst. */
export const ACCOUNT_STATUSES = ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** One asset's balances, in native units, with Binance's field names (GET /papi/v1/balance). */
export interface Balance {
  asset: string;
  crossMarginFree: Dec;
  crossMarginLocked: Dec;
  crossMarginBorrowed: Dec;
  crossMarginInterest: Dec;
  umWalletBalance: Dec;
  cmWalletBalance: Dec;
  /** Margin leverage (3, 5, 10...) whose loan MMR applies to this asset's loan. */
  marginLeverage?: number;
  /** Unrealized PnL as reported by an imported snapshot: a cross-check only, never added to equity. */
  reportedUmUnrealizedPNL?: Dec;
  reportedCmUnrealizedPNL?: Dec;
}

/** A USDⓈ-M position: quantity in base units, PnL in the margin asset. */
export interface UmPosition {
  symbol: string;
  positionAmt: Dec;
  entryPrice: Dec;
  positionSide: PositionSide;
  reportedUnRealizedProfit?: Dec;
}

/** A COIN-M position: quantity in contracts, PnL in the coin. */
export interface CmPosition {
  symbol: string;
  positionAmt: Dec;
  entryPrice: Dec;
  positionSide: PositionSide;
  reportedUnRealizedProfit?: Dec;
}

/** A cross-margin open limit order; it matters through open loss (mode PM). */
export interface MarginOpenOrder {
  symbol: string;
  side: OrderSide;
  price: Dec;
  /** Quantity still open: origQty − executedQty, in the base asset. */
  openQty: Dec;
  baseAsset: string;
  quoteAsset: string;
}

/** Where a transfer moves funds: the outside world, or one of the account's wallets. */
export const WALLETS = ['external', 'crossMargin', 'um', 'cm'] as const;
export type Wallet = (typeof WALLETS)[number];

/**
 * A scheduled action of a replay. Trades fill at the given price, or at the mark price of the time
 * step they fall in; quantities are positive and `side` gives the direction.
 */
export type Action =
  | { time: number; type: 'trade'; market: 'UM' | 'CM'; symbol: string; side: OrderSide; qty: Dec; price?: Dec; positionSide: PositionSide }
  | { time: number; type: 'transfer'; asset: string; amount: Dec; from: Wallet; to: Wallet }
  | { time: number; type: 'borrow' | 'repay'; asset: string; amount: Dec };

export interface Portfolio {
  id: string;
  mode: MarginMode;
  /** Account-wide margin leverage; a balance's own marginLeverage overrides it. */
  marginLeverage?: number;
  balances: Balance[];
  umPositions: UmPosition[];
  cmPositions: CmPosition[];
  marginOpenOrders: MarginOpenOrder[];
  /** Scheduled actions, in time order (replay only; a snapshot ignores them). */
  actions: Action[];
}

/** A price by name; undefined when there is none (or none fresh enough). A Map is one. */
export interface PriceLookup {
  get(name: string): Dec | undefined;
}

/** Prices at one instant: asset index prices in USD, contract mark prices in quote units. */
export interface MarketSnapshot {
  time?: number;
  indexPrices: PriceLookup;
  markPrices: PriceLookup;
}

/** One leverage bracket of a UM symbol; notional in quote units, floor inclusive. */
export interface UmBracket {
  bracket: number;
  notionalFloor: Dec;
  notionalCap: Dec;
  maintMarginRatio: Dec;
  cum: Dec;
}

/** One leverage bracket of a CM symbol; quantity in coin, floor inclusive. */
export interface CmBracket {
  bracket: number;
  qtyFloor: Dec;
  qtyCap: Dec;
  maintMarginRatio: Dec;
  cum: Dec;
}

/** One tier of a collateral table, by USD value of the asset's positive net. */
export interface CollateralTier {
  tierFloor: Dec;
  tierCap: Dec;
  collateralRate: Dec;
  cum: Dec;
}

export interface UmContract {
  marginAsset: string;
  /** Name of the bracket table this contract uses (its own symbol, or e.g. the perpetual's). */
  bracketTable: string;
  brackets: readonly UmBracket[];
}

export interface CmContract {
  marginAsset: string;
  contractSize: Dec;
  bracketTable: string;
  brackets: readonly CmBracket[];
}

export interface StatusThresholds {
  marginCall: Dec;
  reduceOnly: Dec;
  liquidation: Dec;
}

/** Validated rules, as the engines use them. Every default of docs/margin-rules.md lives here. */
export interface Rules {
  version: 1;
  /** Free text naming where the tables came from (files, dates). */
  sources: string[];
  collateral: ReadonlyMap<string, readonly CollateralTier[]>;
  umBrackets: ReadonlyMap<string, readonly UmBracket[]>;
  umContracts: ReadonlyMap<string, { marginAsset?: string; bracketsFrom?: string }>;
  cmContracts: ReadonlyMap<string, CmContract>;
  /** Quote assets recognised at the end of a UM or margin symbol, longest first. */
  quoteAssets: readonly string[];
  loanMaintMarginRatio: ReadonlyMap<number, Dec>;
  defaultMarginLeverage: number;
  thresholds: StatusThresholds;
  liquidationFee: { default: Dec; crossMargin: Dec; bySymbol: ReadonlyMap<string, Dec> };
  /** Hourly margin-loan interest rate per asset (0.00001 = 0.001 %/h); `default` for the rest. */
  loanInterestHourly: { default: Dec; byAsset: ReadonlyMap<string, Dec> };
  /** Daily interest on negative futures balances (docs/margin-rules.md §5), charged from `effectiveFrom` (ms). */
  negativeBalanceInterest: { dailyRate: Dec; thresholdUSD: Dec; effectiveFrom: number };
  /** Largest holding of an asset a transfer in may bring the account to (native units). */
  transferInLimits: ReadonlyMap<string, Dec>;
  /** Position limits replacing the largest bracket cap (UM: notional in quote; CM: coin quantity). */
  positionLimits: ReadonlyMap<string, Dec>;
}

/** Rules that change over time: `base` until the first change, then each change from its time. */
export interface RulesTimeline {
  base: Rules;
  changes: readonly { effectiveFrom: number; rules: Rules }[];
}

/** One asset's line of a snapshot (native units unless the name says USD). */
export interface AssetBreakdown {
  asset: string;
  indexPrice: Dec;
  /** net_a of docs/margin-rules.md §2, unrealized PnL included. */
  net: Dec;
  umUnrealizedPNL: Dec;
  cmUnrealizedPNL: Dec;
  /** net·P, before collateral rates. */
  actualEquityUSD: Dec;
  /** After the collateral rate (haircut only when net > 0). */
  equityUSD: Dec;
  /** equity / actual equity: the flat rate, or the blended rate of a tiered table. */
  effectiveCollateralRate: Dec;
  loanMaintMargin: Dec;
  /** Futures MM denominated in this asset (UM margin asset or CM coin). */
  futuresMaintMargin: Dec;
  maintMarginUSD: Dec;
  marginLeverage?: number;
}

export interface PositionBreakdown {
  market: 'UM' | 'CM';
  symbol: string;
  positionSide: PositionSide;
  positionAmt: Dec;
  entryPrice: Dec;
  markPrice: Dec;
  marginAsset: string;
  /** UM: |amt·mark| in quote units. CM: |contracts·size/mark| in coin. */
  notional: Dec;
  unRealizedProfit: Dec;
  bracketTable: string;
  bracket: number;
  maintMarginRatio: Dec;
  cum: Dec;
  maintMargin: Dec;
  maintMarginUSD: Dec;
  /** The largest bracket cap: Binance's position limit for the symbol. */
  positionLimit: Dec;
  exceedsPositionLimit: boolean;
}

export interface OrderBreakdown {
  symbol: string;
  side: OrderSide;
  price: Dec;
  openQty: Dec;
  openLossUSD: Dec;
}

/** Everything one evaluation of an account at one instant yields; liquidation reads this. */
export interface AccountSnapshot {
  portfolioId: string;
  mode: MarginMode;
  time?: number;
  accountEquity: Dec;
  actualEquity: Dec;
  totalMarginOpenLoss: Dec;
  adjustedEquity: Dec;
  accountMaintMargin: Dec;
  /** null when there is no maintenance margin. */
  uniMMR: Dec | null;
  accountStatus: AccountStatus;
  assets: AssetBreakdown[];
  positions: PositionBreakdown[];
  orders: OrderBreakdown[];
  warnings: string[];
}
