import { calculateCrashLogOffsets, calculateStableCrashWeights, calculateVolScale, findCrashWindow } from './crash.js';
import { calculateDecayPerMinute, calculateMinuteVariance, DAY_MINUTES, type SampleMarketOptions } from './market-options.js';
import { createNamedRandom } from './random.js';

/**
 * Index price paths, one value per minute.
 *
 * Crypto assets: log return r_i = beta_i·f + sqrt(h/h̄)·v·s_i·ε_i, where the market factor
 *   f = drift + v·sqrt(h)·z + J,   h' = ω + α·(sqrt(h)·z + J)² + β·h   (GARCH(1,1), ω = h̄(1 − α − β)),
 * v is the crash's vol multiplier, J a Poisson jump, s_i the asset's own per-minute volatility.
 * The asset's own noise scales with the factor's GARCH level, so calm and stormy hours are shared by
 * all assets, as they are in real markets. The crash offsets (crash.ts) are added times beta. Inside
 * the fall window the noise is bridged (its sum over the window removed, spread evenly), so the
 * price at the end of the fall is exactly (1 − depth)^beta times the price at its start: the
 * documented depth holds for every seed, while the path in between stays noisy.
 */

export interface AssetPaths {
  /** ln(USD index price) per asset (options.assets order), per minute. */
  logPrices: Float64Array[];
  /** The crash's vol multiplier per minute (1 away from the crash). */
  volScale: Float64Array;
}

export function simulateAssetPaths(o: SampleMarketOptions, steps: number): AssetPaths {
  const volScale = calculateVolScale(o.crash, steps);
  const crashOffsets = calculateCrashLogOffsets(o.crash, steps);
  const window = findCrashWindow(o.crash);

  const factorRng = createNamedRandom(o.seed, 'factor');
  const jumpRng = createNamedRandom(o.seed, 'jumps');
  const longRunVariance = calculateMinuteVariance(o.factor.volAnnual);
  const omega = longRunVariance * (1 - o.factor.garchAlpha - o.factor.garchBeta);
  const jumpProbability = o.jumps.perDay / DAY_MINUTES;

  const factorReturns = new Float64Array(steps);
  // sqrt(h/h̄)·v: the multiplier every asset's own noise shares with the factor.
  const regime = new Float64Array(steps);
  let h = longRunVariance;
  for (let t = 1; t < steps; t++) {
    const driftPerDay = o.crash.enabled && t > window.startMinute ? o.factor.driftPerDayAfter : o.factor.driftPerDayBefore;
    const shock = Math.sqrt(h) * factorRng.nextNormal();
    const jump = jumpRng.nextBoolean(jumpProbability) ? jumpRng.nextNormal() * o.jumps.sizeSd : 0;
    factorReturns[t] = driftPerDay / DAY_MINUTES + volScale[t]! * shock + jump;
    regime[t] = Math.sqrt(h / longRunVariance) * volScale[t]!;
    // The crash's own multiplier is left out of the feedback: it is a scenario, not a shock that
    // should keep feeding itself after the scenario ends.
    h = omega + o.factor.garchAlpha * (shock + jump) ** 2 + o.factor.garchBeta * h;
  }

  const logPrices = o.assets.map((spec) => {
    const rng = createNamedRandom(o.seed, `idio:${spec.asset}`);
    const ownSd = Math.sqrt(calculateMinuteVariance(spec.idioVolAnnual));
    const returns = new Float64Array(steps);
    for (let t = 1; t < steps; t++) returns[t] = spec.beta * factorReturns[t]! + regime[t]! * ownSd * rng.nextNormal();
    if (o.crash.enabled) bridgeWindow(returns, window.startMinute + 1, Math.min(window.endMinute, steps - 1));
    const path = new Float64Array(steps);
    path[0] = Math.log(spec.initialPrice);
    for (let t = 1; t < steps; t++) path[t] = path[t - 1]! + returns[t]! + spec.beta * (crashOffsets[t]! - crashOffsets[t - 1]!);
    return path;
  });
  return { logPrices, volScale };
}

/** Removes the mean of returns[from..to] from each of them, so they sum to zero over the window. */
function bridgeWindow(returns: Float64Array, from: number, to: number): void {
  if (to < from) return;
  let sum = 0;
  for (let t = from; t <= to; t++) sum += returns[t]!;
  const mean = sum / (to - from + 1);
  for (let t = from; t <= to; t++) returns[t]! -= mean;
}

/**
 * Stablecoin USD prices: 1 + d, d = maxDev·tanh((x + crashDeviation·w)/maxDev), x an AR(1)
 * (Ornstein–Uhlenbeck) wobble whose noise scales with the crash's vol, w the crash weight (crash.ts).
 * The tanh keeps every seed inside ±maxDeviation.
 */
export function simulateStablecoinPrices(o: SampleMarketOptions, volScale: Float64Array, steps: number): Float64Array[] {
  const crashWeights = calculateStableCrashWeights(o.crash, steps);
  return o.stablecoins.map((spec) => {
    const rng = createNamedRandom(o.seed, `stable:${spec.asset}`);
    const decay = calculateDecayPerMinute(spec.halfLifeMinutes);
    const innovationSd = spec.noiseSd * Math.sqrt(1 - decay * decay);
    const out = new Float64Array(steps);
    let x = spec.noiseSd * rng.nextNormal();
    for (let t = 0; t < steps; t++) {
      if (t > 0) x = decay * x + innovationSd * volScale[t]! * rng.nextNormal();
      const raw = x + spec.crashDeviation * crashWeights[t]!;
      out[t] = 1 + spec.maxDeviation * Math.tanh(raw / spec.maxDeviation);
    }
    return out;
  });
}
