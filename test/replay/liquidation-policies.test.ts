import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { InputError } from '../../src/domain/errors.js';
import { LIQUIDATION_POLICIES, readLiquidationPolicyName } from '../../src/replay/liquidation-policies.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { flatUm } from '../helpers/rules.js';
import { rulesTimelineOf } from '../helpers/replay.js';

const rules = rulesTimelineOf({ umBrackets: { BTCUSDT: flatUm('0.01'), ETHUSDT: flatUm('0.01') } }).base;
const market = marketOf({ USDT: '1' }, { BTCUSDT: '40000', ETHUSDT: '2000' });
// MM 1 %·40,000 + 1 %·2,000 = 420; uniMMR 430 / 420 = 1.024 (FORCE_LIQUIDATION)
const account = () => portfolioOf({
  balances: [{ asset: 'USDT', umWalletBalance: '430' }],
  umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }, { symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }],
}, rules);
const settings = { slippage: new Dec(0), target: new Dec('1.25') };

describe('LIQUIDATION_POLICIES', () => {
  it('full closes every position in listing order', () => {
    expect(LIQUIDATION_POLICIES.full.liquidate(account(), market, rules, settings).map((l) => l.name)).toEqual(['ETHUSDT', 'BTCUSDT']);
  });
  it('stepwise closes the largest maintenance margin first and stops once recovered', () => {
    // closing BTCUSDT (MM 400) leaves 430 − 400 fee = 30 over MM 20: 1.5 ≥ 1.25, so ETHUSDT stays
    const kept = account();
    expect(LIQUIDATION_POLICIES.stepwise.liquidate(kept, market, rules, settings).map((l) => l.name)).toEqual(['BTCUSDT']);
    expect(kept.umPositions.map((p) => p.symbol)).toEqual(['ETHUSDT']);
  });
});

describe('readLiquidationPolicyName', () => {
  it('accepts the names in the table and lists them when rejecting another', () => {
    expect(readLiquidationPolicyName('job', 'liquidation.policy', 'stepwise')).toBe('stepwise');
    const read = () => readLiquidationPolicyName('job', 'liquidation.policy', 'partial');
    expect(read).toThrow(InputError);
    expect(read).toThrow('job: liquidation.policy: expected full or stepwise, got "partial"');
    expect(() => readLiquidationPolicyName('job', 'liquidation.policy', 'toString')).toThrow(InputError);
  });
});

