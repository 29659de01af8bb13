import { Dec, ONE, ZERO } from '../domain/decimal.js';
import { InvariantError } from '../domain/errors.js';
import type { AccountSnapshot, MarketSnapshot, Portfolio, Rules } from '../domain/types.js';
import { calculateBalanceNet } from '../engine/exact/balance.js';
import { calculateAccountSnapshot } from '../engine/exact/snapshot.js';
import { findCmContract, findLiquidationFeeRate, findUmContract } from '../rules/resolve.js';
import type { LiquidatedLeg } from './events.js';
import { applyFill } from './fills.js';

// The legs every liquidation policy is made of (docs/margin-rules.md §4): closing one position,
// selling collateral for what is owed, and the capped fee on each.

// The snapshot that triggered the liquidation priced every asset held and every position's symbol,
// so a price missing here is a bug, not a gap in the input.
const fail = (message: string): never => {
  throw new InvariantError(message);
};
const indexPriceOf = (market: MarketSnapshot, asset: string): Dec => market.indexPrices.get(asset) ?? fail(`liquidation: no index price for ${asset}`);
const markPriceOf = (market: MarketSnapshot, symbol: string): Dec => market.markPrices.get(symbol) ?? fail(`liquidation: no mark price for ${symbol}`);

/**
 * Charges a fee, capped so it never takes the account's actual equity below zero (docs/margin-rules.md §4),
 * from `field` of `asset`. Returns the USD charged.
 */
function chargeCappedFee(state: Portfolio, market: MarketSnapshot, rules: Rules, asset: string, feeNative: Dec, field: 'umWalletBalance' | 'cmWalletBalance' | 'crossMarginFree'): Dec {
  const price = indexPriceOf(market, asset);
  const room = Dec.max(ZERO, calculateAccountSnapshot(state, market, rules).actualEquity);
  const feeUSD = Dec.min(feeNative.times(price), room);
  if (feeUSD.isZero()) return ZERO;
  const b = state.balances.find((x) => x.asset === asset) ?? fail(`liquidation: a fee in ${asset}, which the account does not hold`);
  b[field] = b[field].minus(feeUSD.div(price));
  return feeUSD;
}

/** Closes one position at mark ∓ slippage; realized PnL and the fee go to the futures wallet. */
export function closePosition(state: Portfolio, market: MarketSnapshot, rules: Rules, kind: 'UM' | 'CM', index: number, slippage: Dec): LiquidatedLeg {
  const list = kind === 'UM' ? state.umPositions : state.cmPositions;
  const p = list[index] ?? fail(`liquidation: no ${kind} position at index ${index}`);
  const mark = markPriceOf(market, p.symbol);
  const price = p.positionAmt.isNegative() ? mark.times(ONE.plus(slippage)) : mark.times(ONE.minus(slippage));
  const contract = kind === 'UM' ? { ...findUmContract(rules, p.symbol), contractSize: ONE } : findCmContract(rules, p.symbol);
  const fill = applyFill(kind, p.positionAmt, p.entryPrice, p.positionAmt.neg(), price, contract.contractSize);
  list.splice(index, 1);
  const field = kind === 'UM' ? 'umWalletBalance' : 'cmWalletBalance';
  const b = state.balances.find((x) => x.asset === contract.marginAsset);
  if (b === undefined) state.balances.push({ asset: contract.marginAsset, crossMarginFree: ZERO, crossMarginLocked: ZERO, crossMarginBorrowed: ZERO, crossMarginInterest: ZERO, umWalletBalance: ZERO, cmWalletBalance: ZERO, [field]: fill.realizedPnl });
  else b[field] = b[field].plus(fill.realizedPnl);
  const notional = kind === 'UM' ? p.positionAmt.times(price).abs() : p.positionAmt.times(contract.contractSize).div(price).abs();
  const feeUSD = chargeCappedFee(state, market, rules, contract.marginAsset, notional.times(findLiquidationFeeRate(rules, p.symbol)), field);
  return { kind, name: p.symbol, quantity: p.positionAmt, price, realizedPnl: fill.realizedPnl, feeUSD };
}

/**
 * Repays loans and negative balances: each asset's wallets are netted against its loan, then
 * collateral (largest USD value first) is sold at index − slippage to buy what is still owed at
 * index + slippage, with the cross-margin liquidation fee on what was sold.
 */
export function sellCollateralForDebts(state: Portfolio, market: MarketSnapshot, rules: Rules, slippage: Dec): LiquidatedLeg[] {
  for (const b of state.balances) {
    const h = calculateBalanceNet(b);
    b.crossMarginFree = h.isNegative() ? ZERO : h;
    b.umWalletBalance = h.isNegative() ? h : ZERO;
    b.crossMarginLocked = ZERO;
    b.crossMarginBorrowed = ZERO;
    b.crossMarginInterest = ZERO;
    b.cmWalletBalance = ZERO;
  }
  const usd = (asset: string, amount: Dec) => amount.times(indexPriceOf(market, asset));
  const byName = (a: { asset: string }, b: { asset: string }) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0);
  const debts = state.balances.filter((b) => b.umWalletBalance.isNegative()).sort((a, b) => usd(a.asset, a.umWalletBalance).cmp(usd(b.asset, b.umWalletBalance)) || byName(a, b));
  const legs: LiquidatedLeg[] = [];
  for (const debt of debts) {
    let owedUSD = debt.umWalletBalance.neg().times(indexPriceOf(market, debt.asset)).times(ONE.plus(slippage));
    const sources = state.balances.filter((b) => b !== debt && b.crossMarginFree.gt(0)).sort((a, b) => usd(b.asset, b.crossMarginFree).cmp(usd(a.asset, a.crossMarginFree)) || byName(a, b));
    for (const src of sources) {
      if (owedUSD.lte(0)) break;
      const sellPrice = indexPriceOf(market, src.asset).times(ONE.minus(slippage));
      const sold = Dec.min(src.crossMarginFree, owedUSD.div(sellPrice));
      src.crossMarginFree = src.crossMarginFree.minus(sold);
      const proceedsUSD = sold.times(sellPrice);
      owedUSD = owedUSD.minus(proceedsUSD);
      debt.umWalletBalance = debt.umWalletBalance.plus(proceedsUSD.div(indexPriceOf(market, debt.asset).times(ONE.plus(slippage))));
      legs.push({ kind: 'collateral', name: src.asset, quantity: sold, price: sellPrice, realizedPnl: ZERO, feeUSD: ZERO });
    }
    if (debt.umWalletBalance.abs().lt('1e-24')) debt.umWalletBalance = ZERO;
  }
  for (const leg of legs) {
    const fee = leg.quantity.times(rules.liquidationFee.crossMargin);
    leg.feeUSD = chargeCappedFee(state, market, rules, leg.name, fee, 'crossMarginFree');
  }
  return legs;
}

export const isRecovered = (s: AccountSnapshot, target: Dec) => !s.adjustedEquity.isNegative() && (s.uniMMR === null || s.uniMMR.gte(target));
