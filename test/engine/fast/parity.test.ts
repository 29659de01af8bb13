import { describe, expect, it } from 'vitest';
import type { Rules } from '../../../src/domain/types.js';
import { calculateAccountSnapshot as calculateExactSnapshot } from '../../../src/engine/exact/snapshot.js';
import { PARITY_TOLERANCE } from '../../../src/engine/fast/parity.js';
import { calculateAccountSnapshot } from '../../../src/engine/fast/snapshot.js';
import { STATUS_CODES } from '../../../src/engine/fast/status.js';
import { loadedBatch, oneStepTimeline } from '../../helpers/fast-step.js';
import { marketOf, portfolioOf } from '../../helpers/portfolio.js';
import { flatCm, makeRules } from '../../helpers/rules.js';

// src/engine/fast/parity.ts: the one statement of the fast kernel's numeric tolerance
// (docs/architecture.md "Parity contract"): a reported number is within PARITY_TOLERANCE relative of
// the exact engine's, or within it absolutely below 1. (The randomized suite over whole replays is
// test/engine/parity.test.ts; this file checks the constant and the rule on single snapshots.)

/** The contract's comparison, as test/engine/parity.test.ts applies it. */
const withinTolerance = (fast: number, exact: number) => Math.abs(fast - exact) <= PARITY_TOLERANCE * Math.max(1, Math.abs(exact));

describe('PARITY_TOLERANCE', () => {
  it('is 1e-9, as docs/architecture.md states', () => {
    expect(PARITY_TOLERANCE).toBe(1e-9);
  });
  it('leaves orders of magnitude over float64 rounding (~1e-14 of a snapshot\'s scale, 2.2e-16 per operation)', () => {
    expect(PARITY_TOLERANCE / Number.EPSILON).toBeGreaterThan(1e6);
  });
  it('relative above 1, absolute below: 6.1535 ± 5e-9 passes, ± 1e-7 fails; 0.001 ± 5e-10 passes, ± 2e-9 fails', () => {
    expect([withinTolerance(6.1535 + 5e-9, 6.1535), withinTolerance(6.1535 + 1e-7, 6.1535)]).toEqual([true, false]);
    expect([withinTolerance(0.001 + 5e-10, 0.001), withinTolerance(0.001 + 2e-9, 0.001)]).toEqual([true, false]);
  });
});

describe('single fast snapshots are within PARITY_TOLERANCE of the exact engine', () => {
  const rules: Rules = makeRules({
    collateral: {
      USDT: '1', BTC: '0.95',
      ETH: [{ tierFloor: 0, tierCap: 20000, collateralRate: '0.95' }, { tierFloor: 20000, tierCap: 50000, collateralRate: '0.9' }, { tierFloor: 50000, tierCap: 1e12, collateralRate: '0.7' }],
    },
    umBrackets: {
      BTCUSDT: [{ notionalFloor: 0, notionalCap: 20000, maintMarginRatio: '0.004' }, { notionalFloor: 20000, notionalCap: 100000, maintMarginRatio: '0.01' }, { notionalFloor: 100000, notionalCap: 1e9, maintMarginRatio: '0.025' }],
      ETHUSDT: [{ notionalFloor: 0, notionalCap: 10000, maintMarginRatio: '0.005' }, { notionalFloor: 10000, notionalCap: 1e9, maintMarginRatio: '0.02' }],
    },
    cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.006') } },
  });
  // Accounts with awkward decimals (0.1, 1/3-like prices), every leg kind, loans, tiers and an order.
  const docs = [
    { mode: 'PM', balances: [{ asset: 'USDT', crossMarginFree: '1234.56', umWalletBalance: '-87.65', crossMarginBorrowed: '333.33', marginLeverage: 5 }, { asset: 'ETH', crossMarginFree: '12.3456' }],
      umPositions: [{ symbol: 'ETHUSDT', positionAmt: '-7.777', entryPrice: '3010.01' }, { symbol: 'BTCUSDT', positionAmt: '0.333', entryPrice: '61000.1' }],
      marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2999.99', origQty: '0.7' }] },
    { mode: 'PM_PRO', balances: [{ asset: 'BTC', crossMarginFree: '0.1', cmWalletBalance: '0.0333' }, { asset: 'ETH', crossMarginFree: '40.1', crossMarginBorrowed: '3.3', marginLeverage: 10 }],
      cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '-77', entryPrice: '59999.9' }] },
  ];
  const markets = [
    [{ USDT: '1.0001', BTC: '60123.45', ETH: '3003.03' }, { ETHUSDT: '3001.7', BTCUSDT: '60150.15', BTCUSD_PERP: '60100.01' }],
    [{ USDT: '0.9999', BTC: '41000.7', ETH: '1987.65' }, { ETHUSDT: '1990.1', BTCUSDT: '41010.9', BTCUSD_PERP: '40999.99' }],
  ] as const;

  it.each(docs.flatMap((doc, i) => markets.map((m, j) => [i, j, doc, m] as const)))('account %d, market %d: uniMMR, equity, actual, maintenance margin, open loss; the same status', (_i, _j, doc, [index, mark]) => {
    const timeline = oneStepTimeline(index, mark);
    const { batch } = loadedBatch([portfolioOf(doc, rules)], rules, timeline);
    calculateAccountSnapshot(batch, 0, timeline, 0);
    const x = calculateExactSnapshot(portfolioOf(doc, rules), marketOf(index, mark), rules);
    expect(STATUS_CODES[batch.outStatus[0]!]).toBe(x.accountStatus);
    const pairs: [string, number, number][] = [
      ['uniMMR', batch.outUniMMR[0]!, x.uniMMR!.toNumber()],
      ['equity', batch.outEquity[0]!, x.accountEquity.toNumber()],
      ['actual', batch.outActual[0]!, x.actualEquity.toNumber()],
      ['maintMargin', batch.outMaintMargin[0]!, x.accountMaintMargin.toNumber()],
      ['openLoss', batch.outOpenLoss[0]!, x.totalMarginOpenLoss.toNumber()],
    ];
    for (const [name, f, e] of pairs) expect(withinTolerance(f, e), `${name}: fast ${f}, exact ${e}`).toBe(true);
  });
});
