import type { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import type { CmContract, CollateralTier, Rules, UmContract } from '../domain/types.js';

// Lookups from a symbol or asset to the rule that governs it. A missing rule is an input error
// against the rules document: the engine never guesses a rate.

const DELIVERY_SUFFIX = /^(.+)_\d{6}$/;

// Found once per rules object and symbol: a replay, a kernel load and a risk search ask for the same
// few symbols again and again (a rules object is not changed once built). Failures are not kept:
// they throw, and end the portfolio that asked.
const splitSymbols = new WeakMap<Rules, Map<string, { base: string; quote: string } | undefined>>();
const umContracts = new WeakMap<Rules, Map<string, UmContract>>();

/** Symbols come from the portfolios: a memo is dropped past this many. */
const SYMBOLS_KEPT = 4096;

function memoOf<T>(memo: WeakMap<Rules, Map<string, T>>, rules: Rules): Map<string, T> {
  let bySymbol = memo.get(rules);
  if (bySymbol === undefined) memo.set(rules, (bySymbol = new Map()));
  else if (bySymbol.size >= SYMBOLS_KEPT) bySymbol.clear();
  return bySymbol;
}

/** The quote asset at the end of a symbol ("BTCUSDT" → BTC/USDT), from the rules' quote list. */
export function splitSymbol(rules: Rules, symbol: string): { readonly base: string; readonly quote: string } | undefined {
  const bySymbol = memoOf(splitSymbols, rules);
  if (bySymbol.has(symbol)) return bySymbol.get(symbol);
  const pair = symbol.replace(DELIVERY_SUFFIX, '$1');
  let split: { base: string; quote: string } | undefined;
  for (const quote of rules.quoteAssets) {
    if (pair.length > quote.length && pair.endsWith(quote)) {
      split = { base: pair.slice(0, -quote.length), quote };
      break;
    }
  }
  bySymbol.set(symbol, split);
  return split;
}

/**
 * A UM contract: its own bracket table, the one `umContracts` names, or, for a delivery contract
 * `X_YYMMDD` with no table of its own, the perpetual X's (Binance lists quarterlies with the same
 * tiers as the perpetual; the breakdown shows which table was used).
 */
export function findUmContract(rules: Rules, symbol: string): UmContract {
  const bySymbol = memoOf(umContracts, rules);
  let contract = bySymbol.get(symbol);
  if (contract === undefined) bySymbol.set(symbol, (contract = resolveUmContract(rules, symbol)));
  return contract;
}

function resolveUmContract(rules: Rules, symbol: string): UmContract {
  const entry = rules.umContracts.get(symbol);
  let table = entry?.bracketsFrom ?? (rules.umBrackets.has(symbol) ? symbol : undefined);
  if (table === undefined) {
    const perpetual = DELIVERY_SUFFIX.exec(symbol)?.[1];
    if (perpetual !== undefined && rules.umBrackets.has(perpetual)) table = perpetual;
  }
  const brackets = table === undefined ? undefined : rules.umBrackets.get(table);
  if (table === undefined || brackets === undefined) {
    throw new InputError('rules', `umBrackets.${symbol}`, `a bracket table for UM symbol ${symbol} (add it to umBrackets, or map it in umContracts)`, 'none');
  }
  const marginAsset = entry?.marginAsset ?? splitSymbol(rules, symbol)?.quote;
  if (marginAsset === undefined) {
    throw new InputError('rules', `umContracts.${symbol}.marginAsset`, `a margin asset for ${symbol} (its quote is not one of quoteAssets: ${rules.quoteAssets.join(', ')})`, 'none');
  }
  return { marginAsset, bracketTable: table, brackets };
}

/** A CM contract; a delivery contract `XUSD_YYMMDD` falls back to `XUSD_PERP`'s size and table. */
export function findCmContract(rules: Rules, symbol: string): CmContract {
  const own = rules.cmContracts.get(symbol);
  if (own !== undefined) return own;
  const pair = DELIVERY_SUFFIX.exec(symbol)?.[1];
  const perpetual = pair === undefined ? undefined : rules.cmContracts.get(`${pair}_PERP`);
  if (perpetual !== undefined) return perpetual;
  throw new InputError('rules', `cmContracts.${symbol}`, `a contract (size, margin asset, brackets) for COIN-M symbol ${symbol}`, 'none');
}

export function findCollateralTiers(rules: Rules, asset: string): readonly CollateralTier[] {
  const tiers = rules.collateral.get(asset);
  if (tiers === undefined) throw new InputError('rules', `collateral.${asset}`, `a collateral rate for asset ${asset}`, 'none');
  return tiers;
}

export function findLoanMaintMarginRatio(rules: Rules, leverage: number): Dec {
  const ratio = rules.loanMaintMarginRatio.get(leverage);
  if (ratio === undefined) {
    throw new InputError('rules', `loanMaintMarginRatio.${leverage}`, `a loan MMR for margin leverage ${leverage}x (known: ${[...rules.loanMaintMarginRatio.keys()].join(', ')})`, 'none');
  }
  return ratio;
}

export function findLiquidationFeeRate(rules: Rules, symbol: string): Dec {
  return rules.liquidationFee.bySymbol.get(symbol) ?? rules.liquidationFee.default;
}
