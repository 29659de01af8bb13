import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import { InputError } from '../../../src/domain/errors.js';
import { createFastBatch, findPortfolioCapacity, loadPortfolio, refreshBalances, SPAN_STEPS, type FastBatch } from '../../../src/engine/fast/batch.js';
import { flattenRuleTables } from '../../../src/engine/fast/tables.js';
import { seriesKey } from '../../../src/replay/market-timeline.js';
import { loadedBatch, oneStepTimeline } from '../../helpers/fast-step.js';
import { portfolioOf } from '../../helpers/portfolio.js';
import { flatCm, flatUm, makeRules } from '../../helpers/rules.js';

// src/engine/fast/batch.ts: portfolios as struct-of-arrays slices, sized for everything their
// actions could add, and loadPortfolio writing a portfolio's exact state into its slice.

const RULES = makeRules({
  collateral: { USDT: '1', BTC: '0.95', ETH: [{ tierFloor: 0, tierCap: 5000, collateralRate: '0.95' }, { tierFloor: 5000, tierCap: 1e12, collateralRate: '0.8' }] },
  umBrackets: { BTCUSDT: flatUm('0.004'), ETHUSDT: [{ notionalFloor: 0, notionalCap: 10_000, maintMarginRatio: '0.005' }, { notionalFloor: 10_000, notionalCap: 1e9, maintMarginRatio: '0.01' }] },
  cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.005') } },
});
const T0 = Date.UTC(2024, 5, 1);
// Balances list BTC before USDT, so the BTC-margined CM leg comes first in the position arrays
// although UM legs are listed first in the document. BNB (in the order only) has no rule and no price.
const DOC = {
  id: 'full', mode: 'PM', marginLeverage: 10,
  balances: [
    { asset: 'BTC', crossMarginFree: '0.5', cmWalletBalance: '0.1' },
    { asset: 'USDT', crossMarginFree: '1000', crossMarginLocked: '50', crossMarginBorrowed: '200', crossMarginInterest: '0.25', umWalletBalance: '-300', marginLeverage: 5 },
    { asset: 'ETH', crossMarginBorrowed: '1' },
  ],
  umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.2', entryPrice: '40000' }, { symbol: 'ETHUSDT', positionAmt: '-1', entryPrice: '2000' }],
  cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '10', entryPrice: '40000' }],
  marginOpenOrders: [{ symbol: 'BNBUSDT', side: 'BUY', price: '500', origQty: '2' }],
  actions: [{ time: T0 + 1, type: 'trade', market: 'UM', symbol: 'ETHUSDT', side: 'BUY', qty: '1' }],
};
const TIMELINE = oneStepTimeline({ USDT: '1', BTC: '40000', ETH: '2000' }, { BTCUSDT: '40000', ETHUSDT: '2000', BTCUSD_PERP: '40000' });
const id = (kind: 'index' | 'mark', name: string) => TIMELINE.seriesIds.get(seriesKey(kind, name))!;

describe('findPortfolioCapacity', () => {
  it('positions: UM + CM + one per trade; assets: balances + legs + two per order + one per action; orders: as listed', () => {
    // positions 2 + 1 + 1 trade = 4; assets 3 + 2 + 1 + 2·1 + 1 = 9; orders 1
    expect(findPortfolioCapacity(portfolioOf(DOC, RULES))).toEqual({ positions: 4, assets: 9, orders: 1 });
  });
  it('an empty portfolio needs no room', () => {
    expect(findPortfolioCapacity(portfolioOf({}, RULES))).toEqual({ positions: 0, assets: 0, orders: 0 });
  });
  it('a non-trade action adds an asset but no position', () => {
    expect(findPortfolioCapacity(portfolioOf({ actions: [{ time: T0, type: 'borrow', asset: 'USDT', amount: '1' }] }, RULES))).toEqual({ positions: 0, assets: 1, orders: 0 });
  });
});

describe('createFastBatch', () => {
  const caps = [{ positions: 4, assets: 9, orders: 1 }, { positions: 0, assets: 2, orders: 0 }, { positions: 3, assets: 5, orders: 2 }];
  const b = createFastBatch(flattenRuleTables(RULES), caps);
  it('gives each portfolio a fixed slice: starts are running totals of the capacities', () => {
    expect(b.size).toBe(3);
    expect([...b.posStart]).toEqual([0, 4, 4]);
    expect([...b.assetStart]).toEqual([0, 9, 11]);
    expect([...b.orderStart]).toEqual([0, 1, 1]);
  });
  it('sizes the shared arrays by the totals, the outputs by portfolio, the spans by SPAN_STEPS', () => {
    expect([b.posQty.length, b.posSeries.length, b.assetBalanceNet.length, b.assetTierStart.length, b.orderQty.length]).toEqual([7, 7, 16, 16, 3]);
    expect([b.outUniMMR.length, b.outStatus.length, b.marginCall.length]).toEqual([3, 3, 3]);
    expect([b.spanUniMMR.length, b.spanPnl.length, b.spanOpenLoss.length]).toEqual([SPAN_STEPS, SPAN_STEPS, SPAN_STEPS]);
    expect(SPAN_STEPS).toBe(1024);
  });
  it('keeps per-asset actual values only for portfolios with orders: the most assets among them × SPAN_STEPS', () => {
    // portfolios 0 (9 assets) and 2 (5 assets) have orders → 9 × 1024
    expect(b.spanAssetActualUSD.length).toBe(9 * SPAN_STEPS);
    expect(createFastBatch(flattenRuleTables(RULES), [{ positions: 1, assets: 50, orders: 0 }]).spanAssetActualUSD.length).toBe(0);
  });
});

describe('loadPortfolio', () => {
  const portfolios = [portfolioOf(DOC, RULES), portfolioOf({ ...DOC, id: 'pro', mode: 'PM_PRO' }, RULES)];
  const { batch: b } = loadedBatch(portfolios, RULES, TIMELINE);

  it('writes the mode and the rules\' thresholds', () => {
    expect([b.modePM[0], b.modePM[1]]).toEqual([1, 0]);
    expect([b.marginCall[0], b.reduceOnly[0], b.liquidation[0]]).toEqual([1.5, 1.2, 1.05]);
  });
  it('assets in order: balances, then legs\' margin assets, then order assets; each once', () => {
    // BTC, USDT, ETH from the balances; BNB from the order (USDT is already there)
    expect(b.assetCount[0]).toBe(4);
    expect([...b.assetSeries.subarray(0, 4)]).toEqual([id('index', 'BTC'), id('index', 'USDT'), id('index', 'ETH'), -1]);
  });
  it('balance net = free + locked − borrowed − interest + UM + CM; borrowed kept apart', () => {
    // BTC 0.5 + 0.1 = 0.6; USDT 1,000 + 50 − 200 − 0.25 − 300 = 549.75; ETH −1; BNB 0
    expect([...b.assetBalanceNet.subarray(0, 4)]).toEqual([0.6, 549.75, -1, 0]);
    expect([...b.assetBorrowed.subarray(0, 4)]).toEqual([0, 200, 1, 0]);
  });
  it('loan MMR: the balance\'s leverage, else the portfolio\'s; none without a loan', () => {
    // USDT at its own 5x → 8 %; ETH at the portfolio's 10x → 5 %; BTC no loan → 0
    expect([...b.assetLoanMMR.subarray(0, 4)]).toEqual([0, 0.08, 0.05, 0]);
  });
  it('the rules\' default leverage when neither gives one (3x → 10 %)', () => {
    const { batch } = loadedBatch([portfolioOf({ balances: [{ asset: 'USDT', crossMarginFree: '10', crossMarginBorrowed: '5' }] }, RULES)], RULES, TIMELINE);
    expect(batch.assetLoanMMR[0]).toBe(0.1);
  });
  it('collateral: the tier row range; a flat table\'s rate, NaN for a tiered one; −1 without a rule', () => {
    const t = b.tables;
    expect([b.assetTierStart[0], b.assetTierEnd[0]]).toEqual([...t.collateral.get('BTC')!]);
    expect([b.assetTierStart[2], b.assetTierEnd[2]]).toEqual([...t.collateral.get('ETH')!]);
    expect([b.assetTierStart[3], b.assetTierEnd[3]]).toEqual([-1, -1]);
    expect(b.assetFlatRate[0]).toBe(0.95);
    expect(b.assetFlatRate[1]).toBe(1);
    expect(b.assetFlatRate[2]).toBeNaN();
    expect(b.assetFlatRate[3]).toBeNaN();
  });
  it('positions grouped by margin asset, in asset order, each asset\'s in listing order', () => {
    expect(b.posCount[0]).toBe(3);
    // BTC: BTCUSD_PERP [0, 1); USDT: BTCUSDT, ETHUSDT [1, 3); ETH, BNB: none
    expect([...b.assetPosStart.subarray(0, 4)]).toEqual([0, 1, 3, 3]);
    expect([...b.assetPosEnd.subarray(0, 4)]).toEqual([1, 3, 3, 3]);
    expect([...b.posIsCM.subarray(0, 3)]).toEqual([1, 0, 0]);
    expect([...b.posSeries.subarray(0, 3)]).toEqual([id('mark', 'BTCUSD_PERP'), id('mark', 'BTCUSDT'), id('mark', 'ETHUSDT')]);
  });
  it('a CM leg\'s quantity is contracts × contract size (USD), with 1/entry kept; a UM leg\'s is its amount', () => {
    // 10 contracts × 100 = 1,000; 1/40,000 = 0.000025
    expect([...b.posQty.subarray(0, 3)]).toEqual([1000, 0.2, -1]);
    expect([...b.posEntry.subarray(0, 3)]).toEqual([40_000, 40_000, 2000]);
    expect(b.posInvEntry[0]).toBe(1 / 40_000);
  });
  it('each leg\'s bracket table range, starting at the table\'s first row', () => {
    const t = b.tables;
    expect([b.posTableStart[0], b.posTableEnd[0]]).toEqual([...t.cm.get('BTCUSD_PERP')!]);
    expect([b.posTableStart[2], b.posTableEnd[2]]).toEqual([...t.um.get('ETHUSDT')!]);
    expect(b.posBracket[2]).toBe(t.um.get('ETHUSDT')![0]);
  });
  it('open orders in mode PM: legs by asset slot, side, limit price and open quantity', () => {
    expect(b.orderCount[0]).toBe(1);
    // base BNB (slot 3), quote USDT (slot 1)
    expect([b.orderBase[0], b.orderQuote[0], b.orderIsBuy[0], b.orderPrice[0], b.orderQty[0]]).toEqual([3, 1, 1, 500, 2]);
  });
  it('PM_PRO: no orders, and no slots for assets only its orders name', () => {
    expect(b.orderCount[1]).toBe(0);
    expect(b.assetCount[1]).toBe(3);
    // its slice starts after the first portfolio's capacity (9 assets, 4 positions)
    expect([b.assetStart[1], b.posStart[1]]).toEqual([9, 4]);
    expect([...b.assetBalanceNet.subarray(9, 12)]).toEqual([0.6, 549.75, -1]);
  });
});

describe('reloading a portfolio after an exact change of state', () => {
  it('picks up a balance changed in place (futures wallet or margin part), and resets the bracket rows', () => {
    const p = portfolioOf(DOC, RULES);
    const { batch: b, slots } = loadedBatch([p], RULES, TIMELINE);
    const reload = () => loadPortfolio(b, 0, p, RULES, slots[0]!.seriesId, slots[0]!.capacity);
    const usdt = p.balances[1]!;
    // funding: the UM wallet moves −300 → −250.5: net 549.75 + 49.5 = 599.25
    usdt.umWalletBalance = new Dec('-250.5');
    reload();
    expect(b.assetBalanceNet[1]).toBe(599.25);
    // a repay: borrowed 200 → 150 and free 1,000 → 950: net unchanged at 599.25, borrowed 150
    usdt.crossMarginBorrowed = new Dec('150');
    usdt.crossMarginFree = new Dec('950');
    b.posBracket[2] = 99;
    reload();
    expect([b.assetBalanceNet[1], b.assetBorrowed[1]]).toEqual([599.25, 150]);
    expect(b.posBracket[2]).toBe(b.tables.um.get('ETHUSDT')![0]);
    // interest accrues: 0.25 → 1.25: net 598.25
    usdt.crossMarginInterest = new Dec('1.25');
    reload();
    expect(b.assetBalanceNet[1]).toBe(598.25);
  });
  it('a leg closed since the last load leaves the position count and asset ranges to match', () => {
    const p = portfolioOf(DOC, RULES);
    const { batch: b, slots } = loadedBatch([p], RULES, TIMELINE);
    p.umPositions.splice(0, 1);
    loadPortfolio(b, 0, p, RULES, slots[0]!.seriesId, slots[0]!.capacity);
    expect(b.posCount[0]).toBe(2);
    expect([...b.assetPosStart.subarray(0, 2)]).toEqual([0, 1]);
    expect([...b.assetPosEnd.subarray(0, 2)]).toEqual([1, 2]);
    expect(b.posQty[1]).toBe(-1);
  });
});

describe('refreshBalances: after charges, the balances\' nets alone', () => {
  /** Every array of portfolio 0's slice that loadPortfolio writes, for comparison. */
  const sliceOf = (b: FastBatch) => ({
    assets: [...b.assetBalanceNet.subarray(0, b.assetCount[0]!)], borrowed: [...b.assetBorrowed.subarray(0, b.assetCount[0]!)],
    qty: [...b.posQty.subarray(0, b.posCount[0]!)], empty: b.emptyAccount[0], counts: [b.assetCount[0], b.posCount[0], b.orderCount[0]],
  });
  it('writes what a full load writes when wallets and interest moved (BTC listed before USDT: slots follow the balances)', () => {
    const p = portfolioOf(DOC, RULES);
    const { batch: b } = loadedBatch([p], RULES, TIMELINE);
    p.balances[1]!.umWalletBalance = new Dec('-250.5');
    p.balances[1]!.crossMarginInterest = new Dec('1.25');
    p.balances[0]!.cmWalletBalance = new Dec('0.0999');
    expect(refreshBalances(b, 0, p)).toBe(true);
    expect(b.assetBalanceNet[1]).toBe(598.25);
    expect(sliceOf(b)).toEqual(sliceOf(loadedBatch([p], RULES, TIMELINE).batch));
  });
  it('refuses, writing nothing, when a balance was added since the load (a payment into a new asset)', () => {
    const p = portfolioOf(DOC, RULES);
    const { batch: b } = loadedBatch([p], RULES, TIMELINE);
    const before = sliceOf(b);
    p.balances[0]!.cmWalletBalance = new Dec('7');
    p.balances.push({ ...p.balances[2]!, asset: 'USDC', crossMarginBorrowed: new Dec(0), umWalletBalance: new Dec(3) });
    expect(refreshBalances(b, 0, p)).toBe(false);
    expect(sliceOf(b)).toEqual(before);
  });
  it('an account without legs or orders becomes empty, or stops being, with its balances', () => {
    const p = portfolioOf({ balances: [{ asset: 'USDT', crossMarginFree: '5', umWalletBalance: '-5' }] }, RULES);
    const { batch: b } = loadedBatch([p], RULES, TIMELINE);
    expect(b.emptyAccount[0]).toBe(1);
    // negative-balance interest on the −5: the net is no longer zero
    p.balances[0]!.umWalletBalance = new Dec('-5.005');
    expect(refreshBalances(b, 0, p)).toBe(true);
    expect([b.emptyAccount[0], b.assetBalanceNet[0]]).toEqual([0, -0.005]);
  });
});

describe('loadPortfolio errors', () => {
  const p = portfolioOf(DOC, RULES);
  const seriesId = () => -1;
  it('throws when a portfolio outgrows the capacity it was given (assets, positions)', () => {
    expect(() => loadPortfolio(createFastBatch(flattenRuleTables(RULES), [{ positions: 4, assets: 2, orders: 1 }]), 0, p, RULES, seriesId, { positions: 4, assets: 2, orders: 1 }))
      .toThrow('fast kernel: portfolio full outgrew its asset capacity');
    expect(() => loadPortfolio(createFastBatch(flattenRuleTables(RULES), [{ positions: 2, assets: 9, orders: 1 }]), 0, p, RULES, seriesId, { positions: 2, assets: 9, orders: 1 }))
      .toThrow('fast kernel: portfolio full outgrew its position capacity');
  });
  it('a symbol without rules is the exact engine\'s InputError', () => {
    const q = portfolioOf({ umPositions: [{ symbol: 'XRPUSDT', positionAmt: '1', entryPrice: '0.5' }] }, RULES);
    const cap = findPortfolioCapacity(q);
    let error: unknown;
    try {
      loadPortfolio(createFastBatch(flattenRuleTables(RULES), [cap]), 0, q, RULES, seriesId, cap);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).path).toBe('umBrackets.XRPUSDT');
  });
});
