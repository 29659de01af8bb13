/**
 * Parameters of the synthetic market (data/sample/README.md documents each one and why it has its
 * default). Rates and volatilities are plain numbers (the generator is float arithmetic; only the
 * portfolios that reach the engine are decimal strings).
 */

export const MINUTE_MS = 60_000;
export const DAY_MINUTES = 1440;
export const MINUTES_PER_YEAR = 365 * DAY_MINUTES;

/** A crypto asset driven by the market factor. */
export interface SampleAssetSpec {
  asset: string;
  /** USD index price at the first minute. */
  initialPrice: number;
  /** Loading on the market factor: the asset's log return is beta·factor + its own noise. */
  beta: number;
  /** Volatility of the asset's own (idiosyncratic) noise, annualized, before clustering. */
  idioVolAnnual: number;
}

/** A stablecoin: 1 USD plus a mean-reverting wobble. */
export interface SampleStablecoinSpec {
  asset: string;
  /** Stationary standard deviation of the deviation from 1. */
  noiseSd: number;
  /** Half-life of the deviation, minutes. */
  halfLifeMinutes: number;
  /** Deviation added at the bottom of the crash (decays after it, see crash.stableHalfLifeMinutes). */
  crashDeviation: number;
  /** The price never leaves 1 ± this (a tanh saturates it). */
  maxDeviation: number;
}

/** A contract with a mark price: `USDT`/`USDC` quote for USDⓈ-M, `USD` for COIN-M. */
export interface SampleContractSpec {
  symbol: string;
  asset: string;
  quote: 'USDT' | 'USDC' | 'USD';
  /** Delivery time (ms) of a quarterly; absent for a perpetual. Perpetuals get funding rows. */
  expiry?: number;
}

export interface SampleMarketOptions {
  seed: number;
  /** First minute, ms since 1970 UTC. */
  start: number;
  days: number;
  assets: SampleAssetSpec[];
  stablecoins: SampleStablecoinSpec[];
  contracts: SampleContractSpec[];
  factor: {
    /** Long-run volatility of the market factor, annualized (GARCH's unconditional level). */
    volAnnual: number;
    /** GARCH(1,1) weight of the last squared shock. */
    garchAlpha: number;
    /** GARCH(1,1) weight of the last variance; alpha + beta < 1 is the persistence. */
    garchBeta: number;
    /** Log drift of the factor per day before the crash (a rally: positive funding). */
    driftPerDayBefore: number;
    /** Log drift per day from the crash on. */
    driftPerDayAfter: number;
  };
  jumps: {
    /** Expected number of jumps of the market factor per day (Poisson). */
    perDay: number;
    /** Standard deviation of a jump's log size (zero mean). */
    sizeSd: number;
  };
  crash: {
    enabled: boolean;
    /** Minutes after `start` at which the crash begins. */
    startMinute: number;
    durationMinutes: number;
    /** Fall of the market factor (so of a beta-1 asset) from crash start to crash end: 0.28 = −28 %. */
    depth: number;
    /** Share of the log fall recovered after the crash. */
    reboundFraction: number;
    reboundMinutes: number;
    /** Multiplier of the noise's standard deviation at the crash. */
    volPeak: number;
    /** Time constant of the vol ramp before the crash, minutes. */
    volRiseMinutes: number;
    /** Half-life of the vol spike after the crash, minutes. */
    volHalfLifeMinutes: number;
    /** Half-life of the stablecoins' crash deviation after the crash end, minutes. */
    stableHalfLifeMinutes: number;
  };
  basis: {
    /** Premium of the perpetuals over the index with no trend. */
    baseline: number;
    /** Premium per unit of sentiment (log price minus its moving average). */
    sentimentGain: number;
    /** Half-life of the moving average that sentiment is measured against, minutes. */
    sentimentHalfLifeMinutes: number;
    /** The premium target saturates (tanh) at ± this. */
    targetCap: number;
    /** Stationary standard deviation of the premium's noise around its target (scaled with vol). */
    noiseSd: number;
    /** Half-life of the premium's noise, minutes. */
    halfLifeMinutes: number;
    /** The whole basis saturates (tanh) at ± this. */
    cap: number;
  };
  delivery: {
    /** Annualized premium of a quarterly over its perpetual with neutral sentiment. */
    termPremiumAnnual: number;
    /** Change of the annualized premium per unit of sentiment. */
    termPremiumSentimentGain: number;
    termPremiumMin: number;
    termPremiumMax: number;
  };
  funding: {
    intervalHours: number;
    /** Interest component I of Binance's formula F = P + clamp(I − P, ±premiumClamp). */
    interestRate: number;
    premiumClamp: number;
    /** Realized rates are clamped to ± this. */
    rateCap: number;
    /** Funding rows are stamped 0..jitterMaxMs ms after the funding time, as Binance's are. */
    jitterMaxMs: number;
  };
  /** Decimals prices and rates are rounded to (Binance prints 8). */
  decimals: number;
}

/** Overrides: any top-level field, and any field of a parameter group. */
export type SampleMarketOverrides = {
  [K in keyof SampleMarketOptions]?: SampleMarketOptions[K] extends unknown[] ? SampleMarketOptions[K]
    : SampleMarketOptions[K] extends object ? Partial<SampleMarketOptions[K]> : SampleMarketOptions[K];
};

export const SAMPLE_START = Date.UTC(2024, 2, 1);
/** Binance's June 2024 quarterlies deliver at 08:00 UTC on the last Friday. */
export const SAMPLE_QUARTERLY_EXPIRY = Date.UTC(2024, 5, 28, 8);
export const DEFAULT_SAMPLE_SEED = 20240301;

export const DEFAULT_SAMPLE_MARKET_OPTIONS: Readonly<SampleMarketOptions> = {
  seed: DEFAULT_SAMPLE_SEED,
  start: SAMPLE_START,
  days: 15,
  // Prices near those of 2024-03-01; betas above 1 for alts so the crash cuts them deeper.
  assets: [
    { asset: 'BTC', initialPrice: 61000, beta: 1.0, idioVolAnnual: 0.1 },
    { asset: 'ETH', initialPrice: 3400, beta: 1.15, idioVolAnnual: 0.25 },
    { asset: 'BNB', initialPrice: 410, beta: 1.1, idioVolAnnual: 0.3 },
    { asset: 'SOL', initialPrice: 128, beta: 1.4, idioVolAnnual: 0.45 },
  ],
  stablecoins: [
    // USDT trades at a small premium when everyone runs to stablecoins.
    { asset: 'USDT', noiseSd: 0.00015, halfLifeMinutes: 240, crashDeviation: 0.002, maxDeviation: 0.005 },
    { asset: 'USDC', noiseSd: 0.00008, halfLifeMinutes: 240, crashDeviation: 0, maxDeviation: 0.003 },
  ],
  contracts: [
    { symbol: 'BTCUSDT', asset: 'BTC', quote: 'USDT' },
    { symbol: 'ETHUSDT', asset: 'ETH', quote: 'USDT' },
    { symbol: 'BNBUSDT', asset: 'BNB', quote: 'USDT' },
    { symbol: 'SOLUSDT', asset: 'SOL', quote: 'USDT' },
    { symbol: 'BTCUSDC', asset: 'BTC', quote: 'USDC' },
    { symbol: 'ETHUSDC', asset: 'ETH', quote: 'USDC' },
    { symbol: 'BTCUSDT_240628', asset: 'BTC', quote: 'USDT', expiry: SAMPLE_QUARTERLY_EXPIRY },
    { symbol: 'BTCUSD_PERP', asset: 'BTC', quote: 'USD' },
    { symbol: 'ETHUSD_PERP', asset: 'ETH', quote: 'USD' },
    { symbol: 'BNBUSD_PERP', asset: 'BNB', quote: 'USD' },
    { symbol: 'SOLUSD_PERP', asset: 'SOL', quote: 'USD' },
    { symbol: 'BTCUSD_240628', asset: 'BTC', quote: 'USD', expiry: SAMPLE_QUARTERLY_EXPIRY },
  ],
  factor: { volAnnual: 0.5, garchAlpha: 0.05, garchBeta: 0.94, driftPerDayBefore: 0.008, driftPerDayAfter: 0 },
  jumps: { perDay: 0.4, sizeSd: 0.012 },
  crash: {
    enabled: true,
    startMinute: 9 * DAY_MINUTES + 14 * 60, // 2024-03-10T14:00Z with the default start
    durationMinutes: 180,
    depth: 0.28,
    reboundFraction: 0.4,
    reboundMinutes: DAY_MINUTES,
    volPeak: 3,
    volRiseMinutes: 60,
    volHalfLifeMinutes: 720,
    stableHalfLifeMinutes: 360,
  },
  basis: {
    baseline: 0.0001,
    sentimentGain: 0.05,
    sentimentHalfLifeMinutes: DAY_MINUTES,
    targetCap: 0.003,
    noiseSd: 0.0003,
    halfLifeMinutes: 30,
    cap: 0.01,
  },
  delivery: { termPremiumAnnual: 0.15, termPremiumSentimentGain: 0.5, termPremiumMin: 0.07, termPremiumMax: 0.3 },
  funding: { intervalHours: 8, interestRate: 0.0001, premiumClamp: 0.0005, rateCap: 0.0075, jitterMaxMs: 9 },
  decimals: 8,
};

/** Defaults with the overrides applied group by group; rejects values the generator cannot use. */
export function resolveSampleMarketOptions(overrides: SampleMarketOverrides = {}): SampleMarketOptions {
  const d = DEFAULT_SAMPLE_MARKET_OPTIONS;
  const o: SampleMarketOptions = {
    seed: overrides.seed ?? d.seed,
    start: overrides.start ?? d.start,
    days: overrides.days ?? d.days,
    assets: overrides.assets ?? d.assets,
    stablecoins: overrides.stablecoins ?? d.stablecoins,
    contracts: overrides.contracts ?? d.contracts,
    factor: { ...d.factor, ...overrides.factor },
    jumps: { ...d.jumps, ...overrides.jumps },
    crash: { ...d.crash, ...overrides.crash },
    basis: { ...d.basis, ...overrides.basis },
    delivery: { ...d.delivery, ...overrides.delivery },
    funding: { ...d.funding, ...overrides.funding },
    decimals: overrides.decimals ?? d.decimals,
  };
  validateSampleMarketOptions(o);
  return o;
}

function validateSampleMarketOptions(o: SampleMarketOptions): void {
  const fail = (field: string, expected: string, got: unknown) => {
    throw new RangeError(`sample market option ${field}: expected ${expected}, got ${String(got)}`);
  };
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) fail('seed', 'a whole number ≥ 0', o.seed);
  if (!Number.isSafeInteger(o.start) || o.start < 0 || o.start % MINUTE_MS !== 0) fail('start', 'a whole minute in ms since 1970', o.start);
  if (!Number.isFinite(o.days) || o.days <= 0 || !isWholeMinutes(o.days)) fail('days', 'a positive number of whole minutes', o.days);
  if (o.factor.garchAlpha < 0 || o.factor.garchBeta < 0 || o.factor.garchAlpha + o.factor.garchBeta >= 1) fail('factor.garchAlpha + garchBeta', 'non-negative weights summing below 1', o.factor.garchAlpha + o.factor.garchBeta);
  if (!(o.crash.depth >= 0 && o.crash.depth < 1)) fail('crash.depth', 'a fraction in [0, 1)', o.crash.depth);
  if (!(o.crash.durationMinutes >= 1) || !Number.isInteger(o.crash.durationMinutes)) fail('crash.durationMinutes', 'a whole number ≥ 1', o.crash.durationMinutes);
  if (!Number.isInteger(o.crash.startMinute)) fail('crash.startMinute', 'a whole number', o.crash.startMinute);
  if (!Number.isInteger(o.funding.jitterMaxMs) || o.funding.jitterMaxMs < 0 || o.funding.jitterMaxMs >= MINUTE_MS) fail('funding.jitterMaxMs', 'a whole number in [0, 60000)', o.funding.jitterMaxMs);
  if (!Number.isInteger(o.decimals) || o.decimals < 0 || o.decimals > 12) fail('decimals', 'a whole number in [0, 12]', o.decimals);
  const known = new Set([...o.assets.map((a) => a.asset), ...o.stablecoins.map((s) => s.asset)]);
  for (const c of o.contracts) {
    if (!known.has(c.asset)) fail(`contracts.${c.symbol}.asset`, 'one of the assets', c.asset);
    if (c.quote !== 'USD' && !known.has(c.quote)) fail(`contracts.${c.symbol}.quote`, 'USD or one of the stablecoins', c.quote);
  }
}

/** True when `days` is a whole number of minutes (0.5 is, 0.0001 is not); decimal input makes it inexact. */
export function isWholeMinutes(days: number): boolean {
  const minutes = days * DAY_MINUTES;
  return Math.abs(minutes - Math.round(minutes)) < 1e-9 && Math.round(minutes) >= 1;
}

/** Per-minute variance of an annualized volatility. */
export function calculateMinuteVariance(volAnnual: number): number {
  return (volAnnual * volAnnual) / MINUTES_PER_YEAR;
}

/** Per-step decay factor of a quantity with the given half-life in minutes. */
export function calculateDecayPerMinute(halfLifeMinutes: number): number {
  return Math.exp(-Math.LN2 / halfLifeMinutes);
}
