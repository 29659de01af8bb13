import { calculateDecayPerMinute, MINUTE_MS, MINUTES_PER_YEAR, type SampleContractSpec, type SampleMarketOptions } from './market-options.js';
import { createNamedRandom } from './random.js';

/**
 * Basis of each contract over its index, and realized funding.
 *
 * Sentiment of an asset is its log price minus an exponential moving average of it: positive in a
 * rally, deeply negative after a crash, back to zero as the average catches up. Perpetual premium:
 *   target = targetCap·tanh((baseline + sentimentGain·sentiment)/targetCap)
 *   basis  = cap·tanh((target + y)/cap),  y an AR(1) noise (half-life halfLifeMinutes, stationary
 *            sd noiseSd, scaled by the crash's vol)
 * so perpetuals trade rich in the rally, at a discount in and after the crash, and never beyond ±cap.
 * A quarterly adds a term premium a·τ, a = clamp(termPremiumAnnual + gain·sentiment, min, max)
 * annualized and τ the years left to delivery: the premium compresses when the market crashes.
 */

/** Sentiment per minute from an asset's log price; starts in the steady state of the pre-crash drift. */
export function calculateSentiment(logPrices: Float64Array, halfLifeMinutes: number, driftPerMinute: number): Float64Array {
  const k = 1 - calculateDecayPerMinute(halfLifeMinutes);
  const out = new Float64Array(logPrices.length);
  // An EMA trails a steady trend μ per step by μ(1 − k)/k: start there, not at zero sentiment.
  let average = logPrices[0]! - (driftPerMinute * (1 - k)) / k;
  for (let t = 0; t < logPrices.length; t++) {
    average += k * (logPrices[t]! - average);
    out[t] = logPrices[t]! - average;
  }
  return out;
}

export interface BasisInputs {
  sentiment: Float64Array;
  volScale: Float64Array;
  /** Time of minute 0, ms. */
  start: number;
}

/** Basis (mark/index − 1 in the contract's quote) per minute for one contract. */
export function simulateBasis(o: SampleMarketOptions, contract: SampleContractSpec, inputs: BasisInputs): Float64Array {
  const { sentiment, volScale, start } = inputs;
  const steps = sentiment.length;
  const b = o.basis;
  const rng = createNamedRandom(o.seed, `basis:${contract.symbol}`);
  const decay = calculateDecayPerMinute(b.halfLifeMinutes);
  const innovationSd = b.noiseSd * Math.sqrt(1 - decay * decay);
  const out = new Float64Array(steps);
  let y = b.noiseSd * rng.nextNormal();
  for (let t = 0; t < steps; t++) {
    if (t > 0) y = decay * y + innovationSd * volScale[t]! * rng.nextNormal();
    const target = b.targetCap * Math.tanh((b.baseline + b.sentimentGain * sentiment[t]!) / b.targetCap);
    let basis = b.cap * Math.tanh((target + y) / b.cap);
    if (contract.expiry !== undefined) {
      const d = o.delivery;
      const annual = Math.min(d.termPremiumMax, Math.max(d.termPremiumMin, d.termPremiumAnnual + d.termPremiumSentimentGain * sentiment[t]!));
      const yearsLeft = Math.max(0, contract.expiry - (start + t * MINUTE_MS)) / (MINUTES_PER_YEAR * MINUTE_MS);
      basis += annual * yearsLeft;
    }
    out[t] = basis;
  }
  return out;
}

export interface FundingRow {
  time: number;
  symbol: string;
  rate: number;
}

/**
 * Realized funding of one perpetual at every funding time in (start, last minute]: Binance's
 *   F = P + clamp(I − P, −premiumClamp, +premiumClamp), clamped to ±rateCap,
 * with P the mean basis over the interval that ends at the funding time (the premium index).
 * Rows are stamped 0..jitterMaxMs ms late, as Binance's realized funding times are.
 */
export function calculateFundingRows(o: SampleMarketOptions, contract: SampleContractSpec, basis: Float64Array, start: number): FundingRow[] {
  const f = o.funding;
  const intervalMs = f.intervalHours * 3_600_000;
  const intervalMinutes = Math.round(intervalMs / MINUTE_MS);
  const lastTime = start + (basis.length - 1) * MINUTE_MS;
  const jitterRng = createNamedRandom(o.seed, `jitter:${contract.symbol}`);
  const rows: FundingRow[] = [];
  // Funding times are whole multiples of the interval since 1970: 00:00, 08:00, 16:00 UTC.
  for (let time = (Math.floor(start / intervalMs) + 1) * intervalMs; time <= lastTime; time += intervalMs) {
    const minute = Math.round((time - start) / MINUTE_MS);
    const from = Math.max(0, minute - intervalMinutes + 1);
    let sum = 0;
    for (let t = from; t <= minute; t++) sum += basis[t]!;
    const premium = sum / (minute - from + 1);
    const rate = premium + Math.min(f.premiumClamp, Math.max(-f.premiumClamp, f.interestRate - premium));
    rows.push({ time: time + jitterRng.nextInt(0, f.jitterMaxMs), symbol: contract.symbol, rate: Math.min(f.rateCap, Math.max(-f.rateCap, rate)) });
  }
  return rows;
}
