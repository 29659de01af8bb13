import { Dec, ONE, ZERO } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { MarketSnapshot, Portfolio, PriceLookup, Rules } from '../domain/types.js';
import { findCmContract, splitSymbol } from '../rules/resolve.js';
import { STABLECOINS } from '../scenarios/transform.js';

// A shock is one number s (a fraction: −0.1 is −10 %) and a family says how each asset's USD index
// moves with it. Every family is affine in s, one coefficient per asset:
//
//   index of asset a        P_a · (1 + c_a·s)
//   mark of a contract      mark · (1 + c_base·s) / (1 + c_quote·s)      (COIN-M: quote USD, c = 0)
//
// so a contract's mark follows its underlying's move, and a USDⓈ-M mark, priced in its quote
// stablecoin, rises when that stablecoin depegs down (as src/scenarios/transform.ts has it).
// Families: all (c = 1 for every non-stablecoin), leader (1 for the leader, β for every other
// non-stablecoin, as src/scenarios' moveMarket), single (1 for one asset), depeg (1 for one
// stablecoin). Shocks are whole multiples of SHOCK_UNIT so that every shocked price is an exact
// decimal and a reported shock can be re-evaluated to the same digits.

/** The smallest step of a shock, as a fraction (1e-10 = 1e-8 %). Shocks are integers of it. */
export const SHOCK_UNIT = new Dec('1e-10');
/** Units in a whole (s = 1, +100 %). */
export const UNITS_PER_ONE = 1e10;

export type ShockFamilyKind = 'all' | 'leader' | 'single' | 'depeg';
export const SHOCK_FAMILY_KINDS: readonly ShockFamilyKind[] = ['all', 'leader', 'single', 'depeg'];

export interface ShockFamily {
  kind: ShockFamilyKind;
  /** all, leader:BTC, single:ETH, depeg:USDT. */
  name: string;
  /** The asset the family is about (leader, single, depeg). */
  asset?: string;
  /** c_a of the formula above; 0 for an asset that does not move. */
  coefficient(asset: string): Dec;
}

/** Whether an asset keeps its USD price when the market moves (only a depeg moves it). */
export const isStablecoin = (asset: string): boolean => STABLECOINS.has(asset);

// Families are made once per asset (per leader and betas) and shared: a search makes one per
// involved asset for every portfolio, and a family is never changed.
const ALL_FAMILY: ShockFamily = Object.freeze({ kind: 'all', name: 'all', coefficient: (a: string) => (isStablecoin(a) ? ZERO : ONE) });
const singleFamilies = new Map<string, ShockFamily>();
const depegFamilies = new Map<string, ShockFamily>();
const leaderFamilies = new WeakMap<ReadonlyMap<string, Dec>, Map<string, ShockFamily>>();

/** Asset names come from the portfolios: the memo is dropped past this many. */
const FAMILIES_KEPT = 4096;

function memoFamily(memo: Map<string, ShockFamily>, asset: string, make: () => ShockFamily): ShockFamily {
  let family = memo.get(asset);
  if (family === undefined) {
    if (memo.size >= FAMILIES_KEPT) memo.clear();
    memo.set(asset, (family = Object.freeze(make())));
  }
  return family;
}

export const makeAllFamily = (): ShockFamily => ALL_FAMILY;

/** The leader by 1, every other non-stablecoin by its β (default 1: no estimation from history). */
export function makeLeaderFamily(leader: string, betas: ReadonlyMap<string, Dec>): ShockFamily {
  let byLeader = leaderFamilies.get(betas);
  if (byLeader === undefined) leaderFamilies.set(betas, (byLeader = new Map()));
  return memoFamily(byLeader, leader, () => ({
    kind: 'leader', name: `leader:${leader}`, asset: leader,
    coefficient: (a) => (a === leader ? ONE : isStablecoin(a) ? ZERO : (betas.get(a) ?? ONE)),
  }));
}

export const makeSingleFamily = (asset: string): ShockFamily =>
  memoFamily(singleFamilies, asset, () => ({ kind: 'single', name: `single:${asset}`, asset, coefficient: (a) => (a === asset ? ONE : ZERO) }));

export const makeDepegFamily = (stablecoin: string): ShockFamily =>
  memoFamily(depegFamilies, stablecoin, () => ({ kind: 'depeg', name: `depeg:${stablecoin}`, asset: stablecoin, coefficient: (a) => (a === stablecoin ? ONE : ZERO) }));

/** What a contract's mark moves with: its underlying (base) and the unit it is priced in (quote). */
export interface ContractUnderlying {
  base: string;
  /** USD for COIN-M. */
  quote: string;
}

/**
 * The portfolio's contracts and their underlyings, from the rules (the same split the engine uses
 * for a UM margin asset): BTCUSDT and BTCUSDT_240628 → BTC in USDT; BTCUSD_PERP → BTC in USD.
 */
export function findContractUnderlyings(portfolio: Portfolio, rules: Rules): Map<string, ContractUnderlying> {
  const out = new Map<string, ContractUnderlying>();
  for (const p of portfolio.umPositions) {
    const split = splitSymbol(rules, p.symbol);
    if (split === undefined) {
      throw new InputError('rules', 'quoteAssets', `a quote asset ending UM symbol ${p.symbol}, to move its mark with its underlying`, rules.quoteAssets.join(', '));
    }
    out.set(p.symbol, split);
  }
  for (const p of portfolio.cmPositions) out.set(p.symbol, { base: findCmContract(rules, p.symbol).marginAsset, quote: 'USD' });
  return out;
}

/** 1 + c·s, the factor of one asset's USD price (the same Dec as ONE.plus(c.times(s)), without the no-op steps). */
export function calculateAssetFactor(family: ShockFamily, asset: string, shock: Dec): Dec {
  const c = family.coefficient(asset);
  if (c === ZERO) return ONE;
  return ONE.plus(c === ONE ? shock : c.times(shock));
}

/** The mark's factor from its base's and quote's factors (USD does not move). */
function markFactorOf(base: Dec, quote: Dec | undefined): Dec {
  // A quote that does not move divides by exactly 1: the base factor, a sum already rounded to
  // Dec's precision, is that quotient (decimal.js's division is its dearest operation).
  return quote === undefined || quote === ONE ? base : base.div(quote);
}

/** The mark's factor: its base's over its quote's (USD does not move). */
export function calculateMarkFactor(family: ShockFamily, c: ContractUnderlying, shock: Dec): Dec {
  return markFactorOf(calculateAssetFactor(family, c.base, shock), c.quote === 'USD' ? undefined : calculateAssetFactor(family, c.quote, shock));
}

/** A lookup that reads each name through `read` once (the exact engine asks for a price many times). */
function memoLookup(read: (name: string) => Dec | undefined): PriceLookup {
  const seen = new Map<string, Dec | undefined>();
  return {
    get: (name) => {
      if (seen.has(name)) return seen.get(name);
      const p = read(name);
      seen.set(name, p);
      return p;
    },
  };
}

/**
 * The market moved by `shock` (a fraction). Prices are read through, not copied: the engine asks
 * for the few it needs, each computed once. A mark of a symbol the portfolio does not hold is left
 * as it is.
 */
export function applyShock(market: MarketSnapshot, family: ShockFamily, contracts: ReadonlyMap<string, ContractUnderlying>, shock: Dec): MarketSnapshot {
  if (shock.isZero()) return market;
  const factors = new Map<string, Dec>();
  const factorOf = (asset: string): Dec => {
    let f = factors.get(asset);
    if (f === undefined) factors.set(asset, (f = calculateAssetFactor(family, asset, shock)));
    return f;
  };
  const indexPrices = memoLookup((asset) => market.indexPrices.get(asset)?.times(factorOf(asset)));
  const markPrices = memoLookup((symbol) => {
    const mark = market.markPrices.get(symbol);
    const c = contracts.get(symbol);
    return mark === undefined || c === undefined ? mark : mark.times(markFactorOf(factorOf(c.base), c.quote === 'USD' ? undefined : factorOf(c.quote)));
  });
  return { time: market.time, indexPrices, markPrices };
}

/**
 * The largest shock, in units, that keeps every factor of the assets named above zero in the
 * direction `sign` (−1 down, +1 up), capped at `rangeUnits`: a price at or below zero is no market
 * (the engine divides by a COIN-M mark). A coefficient c against the direction allows |s| < 1/|c|.
 */
export function findShockLimit(family: ShockFamily, assets: Iterable<string>, sign: -1 | 1, rangeUnits: number): number {
  let limit = rangeUnits;
  for (const a of assets) {
    const c = family.coefficient(a);
    if (c.isZero() || c.isPositive() === (sign > 0)) continue;
    // 1 + c·s > 0 with |s| = u·1e-10  ⇔  u < 1e10 / |c|: the largest such whole u (1e10 − 1 for c = 1).
    if (c === ONE) {
      limit = Math.min(limit, UNITS_PER_ONE - 1);
      continue;
    }
    const bound = new Dec(UNITS_PER_ONE).div(c.abs());
    const largest = bound.isInteger() ? bound.minus(1) : bound.floor();
    limit = Math.min(limit, largest.toNumber());
  }
  return limit;
}

/** A coefficient as a float: 0 and 1 (the families' usual ones) without decimal.js's string round trip. */
export const coefficientNumber = (c: Dec): number => (c === ONE ? 1 : c === ZERO ? 0 : c.toNumber());

/** The shock of `units` units, as an exact decimal fraction. */
export const shockOfUnits = (units: number): Dec => SHOCK_UNIT.times(units);
