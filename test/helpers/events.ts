import { Dec } from '../../src/domain/decimal.js';
import type { ReplayEvent, ReplayEventType } from '../../src/records/events/index.js';

// One event of every registered type (two where a field is optional): the Record type makes a new
// type without a sample a compile error.

export const T = Date.UTC(2024, 2, 1, 8);
const d = (s: string) => new Dec(s);
export const SAMPLE_EVENTS: Record<ReplayEventType, ReplayEvent[]> = {
  riskLevelChange: [{ type: 'riskLevelChange', time: T, from: null, to: 'NORMAL', uniMMR: d('3.123456789') }, { type: 'riskLevelChange', time: T + 1, from: 'NORMAL', to: 'MARGIN_CALL', uniMMR: null },
    { type: 'riskLevelChange', time: T + 2, from: 'MARGIN_CALL', to: 'FORCE_LIQUIDATION', uniMMR: d('0.8'), intrabar: true }],
  ordersCancelled: [{ type: 'ordersCancelled', time: T, count: 3, uniMMR: d('1.04') }, { type: 'ordersCancelled', time: T, count: 1, uniMMR: d('1.04'), intrabar: true }],
  liquidationCancelled: [{ type: 'liquidationCancelled', time: T, uniMMR: d('1.07') }, { type: 'liquidationCancelled', time: T, uniMMR: d('1.07'), intrabar: true }],
  liquidation: [{
    type: 'liquidation', time: T, policy: 'stepwise', uniMMRBefore: d('1.01'), uniMMRAfter: null, feesUSD: d('12.345678912'),
    legs: [{ kind: 'UM', name: 'BTCUSDT', quantity: d('-0.5'), price: d('60000.1'), realizedPnl: d('-10'), feeUSD: d('12.345678912') }, { kind: 'collateral', name: 'ETH', quantity: d('2'), price: d('3000'), realizedPnl: d('0'), feeUSD: d('0') }],
  }, {
    type: 'liquidation', time: T + 2, policy: 'full', uniMMRBefore: d('0.8'), uniMMRAfter: null, feesUSD: d('1'), intrabar: true,
    legs: [{ kind: 'UM', name: 'BTCUSDT', quantity: d('1'), price: d('35264.7'), realizedPnl: d('-4735.3'), feeUSD: d('1') }],
  }],
  bankruptcy: [{ type: 'bankruptcy', time: T, deficitUSD: d('21925.2100000099') }, { type: 'bankruptcy', time: T + 2, deficitUSD: d('1'), intrabar: true }],
  funding: [{ type: 'funding', time: T + 3, symbol: 'BTCUSDT', asset: 'USDT', rate: d('0.000123456789'), markPrice: d('60000.5'), amount: d('-7.4') }],
  interest: [{ type: 'interest', time: T, asset: 'USDT', kind: 'negativeBalance', amount: d('0.01') }],
  action: [{ type: 'action', time: T, action: 'transfer', detail: '{"asset":"USDT","amount":"100"}' }],
  actionRefused: [{ type: 'actionRefused', time: T, action: 'trade', reason: 'no price for "ETHUSDT" — stale' }],
  priceGap: [{ type: 'priceGap', time: T, series: 'index:BTC', reason: 'stale', lastTime: T - 7_200_000 }, { type: 'priceGap', time: T, series: 'mark:ETHUSDT', reason: 'missing' }],
  priceGapEnd: [{ type: 'priceGapEnd', time: T }],
};

