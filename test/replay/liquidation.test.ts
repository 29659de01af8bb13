import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { runLiquidation } from '../../src/replay/liquidation.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { rulesTimelineOf } from '../helpers/replay.js';

const rules = rulesTimelineOf().base;
const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000' });
const full = { policy: 'full' as const, slippage: new Dec(0), target: new Dec('1.25') };
const run = (doc: Record<string, unknown>) => {
  const account = portfolioOf(doc, rules);
  return { account, outcome: runLiquidation(account, calculateAccountSnapshot(account, market, rules), market, rules, full, 1000) };
};

describe('runLiquidation', () => {
  it('cancels open orders first, and stops there when that restores the account', () => {
    // 1 BTC locked in an order: cancelled, it counts as collateral again
    const { outcome, account } = run({
      balances: [{ asset: 'USDT', umWalletBalance: '410' }, { asset: 'BTC', crossMarginLocked: '1' }],
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }],
      marginOpenOrders: [{ symbol: 'BTCUSDT', side: 'SELL', price: '50000', origQty: '1', executedQty: '0' }],
    });
    expect(outcome.events.map((e) => e.type)).toEqual(['ordersCancelled', 'liquidationCancelled']);
    expect([outcome.bankrupt, account.umPositions.length]).toEqual([false, 1]);
  });
  it('liquidates per the policy and reports one liquidation event with the fees', () => {
    const { outcome } = run({ balances: [{ asset: 'USDT', umWalletBalance: '410' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] });
    const [liquidation] = outcome.events;
    // closed at 40,000, fee 1 %·40,000 = 400 (below the 410 of equity)
    expect(liquidation).toMatchObject({ type: 'liquidation', time: 1000, policy: 'full', feesUSD: new Dec(400) });
    expect(outcome.snapshot.actualEquity.toString()).toBe('10');
  });
  it('records a bankruptcy with the deficit and empties the account', () => {
    // a short of 1 BTC from 30,000 at 40,000: −10,000 of PnL against 9,000
    const { outcome, account } = run({ balances: [{ asset: 'USDT', umWalletBalance: '9000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-1', entryPrice: '30000' }] });
    expect(outcome.events.map((e) => e.type)).toEqual(['liquidation', 'bankruptcy']);
    expect(outcome.events[1]).toMatchObject({ deficitUSD: new Dec(1000) });
    expect([outcome.bankrupt, account.balances, account.umPositions]).toEqual([true, [], []]);
  });
});
