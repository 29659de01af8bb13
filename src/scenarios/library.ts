import { InputError } from '../domain/errors.js';
import { CRASH_PROFILES, calculateProfileReturn, findProfileBottom, findProfileHours, type CrashProfile } from './crashes.js';
import { betas, list, num, str, type ParamSpec, type ReadParams } from './params.js';
import { calculateEnvelope, moveMarket, STABLECOINS, type PriceTransform, type SeriesInventory } from './transform.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** One named, parameterised stress scenario (docs/scenarios.md). */
export interface ScenarioDefinition {
  name: string;
  /** One line for `pmbt scenario --list`. */
  title: string;
  /** What moves, by how much, along which shape; what stays. */
  description: string;
  params: readonly ParamSpec[];
  /** How long the scenario runs from `at` (ms), so that the default `at` can keep it inside the history. */
  calculateDurationMs(p: ReadParams): number;
  /** The transform, once `at` is resolved; checks the parameters against the base history. */
  buildTransform(p: ReadParams, inv: SeriesInventory, src: string): PriceTransform;
}

const AT: ParamSpec = {
  name: 'at', kind: 'time', defaultText: 'the middle of the base history on a whole hour (earlier if the scenario would run past its end)',
  description: 'when the scenario starts (ISO-8601 with a zone, or ms)',
};
const asset = (dflt: string, what: string): ParamSpec => ({ name: 'asset', kind: 'asset', default: dflt, description: what });
const ALT_BETA = (dflt: number): ParamSpec => ({ name: 'altBeta', kind: 'number', default: dflt, min: 0, description: 'every other non-stablecoin asset moves by altBeta × the leader’s return (simple returns; 0 = they stay)' });
const BETAS = (dflt: string): ParamSpec => ({ name: 'betas', kind: 'betas', default: dflt, description: 'per-asset betas overriding altBeta, "SOL=2.5,ETH=1.2"' });

/** The asset must have an index series. */
function requireIndexAsset(inv: SeriesInventory, src: string, name: string, path = 'params.asset'): string {
  if (!inv.indexAssets.has(name)) throw new InputError(src, path, `an asset with an index series in the base history (${[...inv.indexAssets].sort().join(', ')})`, JSON.stringify(name));
  return name;
}

/** β·|worst return| must stay below 1 so no price reaches 0. */
function checkBetas(p: ReadParams, worstReturn: number, src: string): void {
  const limit = 1 / Math.abs(worstReturn);
  if (num(p, 'altBeta') * Math.abs(worstReturn) >= 1) throw new InputError(src, 'params.altBeta', `a beta below ${limit.toPrecision(4)} (altBeta × the fall of ${(Math.abs(worstReturn) * 100).toFixed(1)} % must stay below 100 %)`, String(num(p, 'altBeta')));
  for (const [a, b] of betas(p, 'betas')) {
    if (b * Math.abs(worstReturn) >= 1) throw new InputError(src, `params.betas.${a}`, `a beta below ${limit.toPrecision(4)} (beta × the fall of ${(Math.abs(worstReturn) * 100).toFixed(1)} % must stay below 100 %)`, String(b));
  }
}

/** Named symbols must exist among `known`; an empty list means all of them. */
function selectSymbols(p: ReadParams, known: ReadonlySet<string>, what: string, src: string): ReadonlySet<string> {
  const named = list(p, 'symbols');
  named.forEach((s, i) => {
    if (!known.has(s)) throw new InputError(src, `params.symbols[${i}]`, `${what} in the base history (${[...known].sort().join(', ')})`, JSON.stringify(s));
  });
  return named.length === 0 ? known : new Set(named);
}

const atOf = (p: ReadParams) => p.at as number;

const instantShock: ScenarioDefinition = {
  name: 'instant-shock',
  title: 'one asset falls by `drop` in one minute, alts by altBeta × drop, and stays there',
  description: 'From the first price at or after `at`, the leading asset’s index and every mark on it are multiplied by (1 − drop); every other non-stablecoin asset by (1 − β·drop); stablecoins, basis and funding keep the base’s values. Before `at` nothing changes. On minute data the whole move happens between two consecutive minutes.',
  params: [
    asset('BTC', 'the asset that falls'),
    { name: 'drop', kind: 'number', default: 0.3, min: 0, max: 1, exclusive: true, description: 'fall of the asset, as a fraction (0.3 = −30 %)' },
    ALT_BETA(1),
    BETAS(''),
    AT,
  ],
  calculateDurationMs: () => 0,
  buildTransform(p, inv, src) {
    const leader = requireIndexAsset(inv, src, str(p, 'asset'));
    const drop = num(p, 'drop');
    checkBetas(p, -drop, src);
    const at = atOf(p);
    return { indexFactor: moveMarket(leader, (t) => (t >= at ? -drop : 0), num(p, 'altBeta'), betas(p, 'betas')) };
  },
};

const slowBleed: ScenarioDefinition = {
  name: 'slow-bleed',
  title: 'one asset loses `drop` at a steady pace over `durationHours`, alts by beta, and stays there',
  description: 'From `at`, the leading asset falls geometrically (the same percentage every minute) until it is down by `drop` after `durationHours`, then holds that level; every other non-stablecoin asset follows with (1 + β·r(t)), r the leader’s return; stablecoins, basis and funding keep the base’s values.',
  params: [
    asset('BTC', 'the asset that falls'),
    { name: 'drop', kind: 'number', default: 0.4, min: 0, max: 1, exclusive: true, description: 'total fall, as a fraction (0.4 = −40 %)' },
    { name: 'durationHours', kind: 'number', default: 72, min: 0, exclusive: true, description: 'hours the fall takes', unit: 'hours' },
    ALT_BETA(1),
    BETAS(''),
    AT,
  ],
  calculateDurationMs: (p) => num(p, 'durationHours') * HOUR_MS,
  buildTransform(p, inv, src) {
    const leader = requireIndexAsset(inv, src, str(p, 'asset'));
    const drop = num(p, 'drop');
    checkBetas(p, -drop, src);
    const at = atOf(p);
    const durationMs = num(p, 'durationHours') * HOUR_MS;
    const r = (t: number) => Math.pow(1 - drop, Math.min(1, Math.max(0, (t - at) / durationMs))) - 1;
    return { indexFactor: moveMarket(leader, r, num(p, 'altBeta'), betas(p, 'betas')) };
  },
};

const stablecoinDepeg: ScenarioDefinition = {
  name: 'stablecoin-depeg',
  title: 'a stablecoin’s index slides to `to` over rampMinutes, holds holdHours, recovers over recoveryHours',
  description: 'The stablecoin’s USD index is multiplied by a factor that goes linearly from 1 to `to` over `rampMinutes` from `at`, stays at `to` for `holdHours`, and returns to 1 over `recoveryHours`. Marks of USDⓈ-M contracts quoted in it are in that coin, so they rise by 1/factor (BTC’s USD price is unchanged); COIN-M marks and other assets stay. A large holdHours keeps the depeg to the end.',
  params: [
    asset('USDT', 'the stablecoin that depegs'),
    { name: 'to', kind: 'number', default: 0.95, min: 0, max: 2, exclusive: true, description: 'price the stablecoin reaches, USD' },
    { name: 'rampMinutes', kind: 'number', default: 60, min: 0, description: 'minutes from the peg to `to` (0 = at once)', unit: 'minutes' },
    { name: 'holdHours', kind: 'number', default: 24, min: 0, description: 'hours at `to`', unit: 'hours' },
    { name: 'recoveryHours', kind: 'number', default: 24, min: 0, description: 'hours back to the peg (0 = at once)', unit: 'hours' },
    AT,
  ],
  calculateDurationMs: (p) => num(p, 'rampMinutes') * MINUTE_MS + (num(p, 'holdHours') + num(p, 'recoveryHours')) * HOUR_MS,
  buildTransform(p, inv, src) {
    const coin = requireIndexAsset(inv, src, str(p, 'asset'));
    const to = num(p, 'to');
    const at = atOf(p);
    const ramp = num(p, 'rampMinutes') * MINUTE_MS;
    const hold = num(p, 'holdHours') * HOUR_MS;
    const recovery = num(p, 'recoveryHours') * HOUR_MS;
    return { indexFactor: (a, t) => (a === coin ? 1 + (to - 1) * calculateEnvelope(t, at, ramp, hold, recovery) : 1) };
  },
};

const fundingSpike: ScenarioDefinition = {
  name: 'funding-spike',
  title: 'perpetuals’ funding rate jumps to `rate` for durationHours, marks at the matching premium',
  description: 'Every funding row of the chosen perpetuals from `at` until `at` + durationHours is replaced by `rate` (positive: longs pay shorts), and their marks trade at `premium` over the index for the same window (by default the rate itself, as Binance’s funding follows the premium); the base’s funding times are kept. Index prices, other contracts and funding outside the window stay.',
  params: [
    { name: 'rate', kind: 'number', default: 0.003, min: -0.05, max: 0.05, description: 'funding rate per funding interval (0.003 = 0.3 %, longs pay)' },
    { name: 'premium', kind: 'number', default: undefined, defaultText: 'the rate', min: -0.5, max: 0.5, exclusive: true, description: 'mark premium over the index during the spike (0 = marks unchanged)' },
    { name: 'durationHours', kind: 'number', default: 24, min: 0, exclusive: true, description: 'hours the spike lasts', unit: 'hours' },
    { name: 'symbols', kind: 'list', defaultText: 'all perpetuals with funding rows', description: 'perpetuals affected, "BTCUSDT,ETHUSDT"' },
    AT,
  ],
  calculateDurationMs: (p) => num(p, 'durationHours') * HOUR_MS,
  buildTransform(p, inv, src) {
    const symbols = selectSymbols(p, inv.fundingSymbols, 'perpetuals with funding rows', src);
    const rate = num(p, 'rate');
    const premium = (p.premium as number | undefined) ?? rate;
    const at = atOf(p);
    const end = at + num(p, 'durationHours') * HOUR_MS;
    const inWindow = (t: number) => t >= at && t < end;
    return {
      indexFactor: () => 1,
      basis: (c, t) => (symbols.has(c.symbol) && inWindow(t) ? premium : 0),
      funding: (s, t, base) => (symbols.has(s) && inWindow(t) ? rate : base),
    };
  },
};

const basisBlowout: ScenarioDefinition = {
  name: 'basis-blowout',
  title: 'marks leave the index by `basis` (ramp, hold, recovery) while the index stays',
  description: 'The marks of the chosen contracts are multiplied by (1 + basis·e(t)), e going linearly from 0 to 1 over `rampMinutes` from `at`, staying 1 for `holdHours` and back to 0 over `recoveryHours`. Index prices and funding stay, so a basis trade (long perpetual, short spot or the reverse) loses on the mark alone.',
  params: [
    { name: 'basis', kind: 'number', default: -0.05, min: -0.5, max: 0.5, exclusive: true, description: 'mark premium over the index at the peak (−0.05 = marks 5 % below the index)' },
    { name: 'rampMinutes', kind: 'number', default: 30, min: 0, description: 'minutes to the peak (0 = at once)', unit: 'minutes' },
    { name: 'holdHours', kind: 'number', default: 6, min: 0, description: 'hours at the peak', unit: 'hours' },
    { name: 'recoveryHours', kind: 'number', default: 6, min: 0, description: 'hours back to the base’s basis (0 = at once)', unit: 'hours' },
    { name: 'symbols', kind: 'list', defaultText: 'every contract with a mark', description: 'contracts affected, "BTCUSDT,BTCUSD_PERP"' },
    AT,
  ],
  calculateDurationMs: (p) => num(p, 'rampMinutes') * MINUTE_MS + (num(p, 'holdHours') + num(p, 'recoveryHours')) * HOUR_MS,
  buildTransform(p, inv, src) {
    const symbols = selectSymbols(p, inv.markSymbols, 'contracts with a mark', src);
    const basis = num(p, 'basis');
    const at = atOf(p);
    const ramp = num(p, 'rampMinutes') * MINUTE_MS;
    const hold = num(p, 'holdHours') * HOUR_MS;
    const recovery = num(p, 'recoveryHours') * HOUR_MS;
    return { indexFactor: () => 1, basis: (c, t) => (symbols.has(c.symbol) ? basis * calculateEnvelope(t, at, ramp, hold, recovery) : 0) };
  },
};

function defineCrashReplay(profile: CrashProfile): ScenarioDefinition {
  const bottom = findProfileBottom(profile);
  const hours = findProfileHours(profile);
  return {
    name: profile.name,
    title: `the shape of ${profile.title}: BTC −${Math.abs(bottom.ret * 100).toFixed(0)} % at hour ${bottom.hours}, over ${hours} h`,
    description: `Replays the drawdown profile of ${profile.title} (started ${profile.originalStart}; approximate levels, src/scenarios/crashes.ts) from \`at\` on: ${profile.notes}. The leading asset follows the profile’s return r(t) (× scale, time stretched by timeScale), other non-stablecoin assets 1 + β·r(t), stablecoins stay; marks also carry a premium that follows the fall, basisAtBottom × r(t)/r(bottom). After the profile’s end the last level holds.`,
    params: [
      asset('BTC', 'the asset that follows the profile (BTC’s own path in the original)'),
      { name: 'scale', kind: 'number', default: 1, min: 0, exclusive: true, description: `multiplies the depth (1 = as it happened, −${(Math.abs(bottom.ret) * 100).toFixed(1)} % at the bottom)` },
      { name: 'timeScale', kind: 'number', default: 1, min: 0, exclusive: true, description: 'stretches the duration (2 = twice as slow)' },
      ALT_BETA(profile.altBeta),
      BETAS(profile.betas),
      { name: 'basisAtBottom', kind: 'number', default: profile.basisAtBottom, min: -0.5, max: 0.5, exclusive: true, description: 'mark premium over the index at the deepest point (−0.01 = 1 % discount)' },
      AT,
    ],
    calculateDurationMs: (p) => hours * num(p, 'timeScale') * HOUR_MS,
    buildTransform(p, inv, src) {
      const leader = requireIndexAsset(inv, src, str(p, 'asset'));
      const scale = num(p, 'scale');
      const worst = bottom.ret * scale;
      if (worst <= -1) throw new InputError(src, 'params.scale', `a scale below ${(1 / Math.abs(bottom.ret)).toPrecision(4)} (the profile falls ${(Math.abs(bottom.ret) * 100).toFixed(1)} %)`, String(scale));
      checkBetas(p, worst, src);
      const at = atOf(p);
      const hourMs = HOUR_MS * num(p, 'timeScale');
      const r = (t: number) => scale * calculateProfileReturn(profile, (t - at) / hourMs);
      const basisAtBottom = num(p, 'basisAtBottom');
      return {
        indexFactor: moveMarket(leader, r, num(p, 'altBeta'), betas(p, 'betas')),
        basis: worst === 0 ? undefined : (_c, t) => (basisAtBottom * r(t)) / worst,
      };
    },
  };
}

const DEFINITIONS: readonly ScenarioDefinition[] = [instantShock, slowBleed, stablecoinDepeg, fundingSpike, basisBlowout, ...CRASH_PROFILES.map(defineCrashReplay)];

/** Every scenario by name, in the order of the README. */
export const SCENARIOS: Readonly<Record<string, ScenarioDefinition>> = Object.freeze(Object.fromEntries(DEFINITIONS.map((d) => [d.name, d])));

export function findScenario(name: string): ScenarioDefinition | undefined {
  return Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
}

export { STABLECOINS };
