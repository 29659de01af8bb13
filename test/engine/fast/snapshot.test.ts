import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import type { RulesTimeline } from '../../../src/domain/types.js';
import { loadPortfolio, SPAN_STEPS } from '../../../src/engine/fast/batch.js';
import { PARITY_TOLERANCE } from '../../../src/engine/fast/parity.js';
import { calculateAccountSnapshot as calculateFastSnapshot, calculateAccountSnapshots, DECISION_BAND, findErrorFactor, isNearThreshold, isWithinTolerance, NO_QUIET_STATUS, SNAPSHOT_NEEDS_EXACT, SNAPSHOT_OK } from '../../../src/engine/fast/snapshot.js';
import { FORCE_LIQUIDATION, MARGIN_CALL, NEEDS_EXACT, NORMAL, REDUCE_ONLY, STATUS_CODES } from '../../../src/engine/fast/status.js';
import { calculateAccountSnapshot } from '../../../src/engine/exact/snapshot.js';
import { buildMarketTimeline } from '../../../src/replay/market-timeline.js';
import { ExactPriceBook } from '../../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../../src/rules/build.js';
import { fastSlotsOf } from '../../helpers/fast.js';
import { marketOf, portfolioOf } from '../../helpers/portfolio.js';
import { loadedBatch, oneStepTimeline } from '../../helpers/fast-step.js';
import { flatCm, flatUm, makeRules, PROGRAM } from '../../helpers/rules.js';
import { everyMinute, MINUTE, seriesOf, type SeriesRow } from '../../helpers/series.js';

// src/engine/fast/snapshot.ts. Moved from test/engine/fast-kernel.test.ts (the first describe):
// the kernel's span call (calculateAccountSnapshots) against itself one step at a time, and both
// against the exact engine: every position kind, a loan, tiered collateral and an open order, over
// a path longer than one span, through a margin call and a stale price.

const T0 = Date.UTC(2024, 5, 1);
const STEPS = 2600;
const RULES: RulesTimeline = buildRulesTimeline([PROGRAM, { name: 'kernel-rules', doc: {
  version: 1,
  collateral: {
    USDT: '1', BTC: '0.95',
    ETH: [{ tierFloor: 0, tierCap: 5000, collateralRate: '0.95' }, { tierFloor: 5000, tierCap: 1e12, collateralRate: '0.8' }],
  },
  umBrackets: { BTCUSDT: [{ notionalFloor: 0, notionalCap: 25000, maintMarginRatio: '0.004' }, { notionalFloor: 25000, notionalCap: 1e9, maintMarginRatio: '0.01' }] },
  cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [{ qtyFloor: 0, qtyCap: 0.2, maintMarginRatio: '0.005' }, { qtyFloor: 0.2, qtyCap: 1e6, maintMarginRatio: '0.02' }] } },
  quoteAssets: ['USDT'],
  loanInterestHourly: { default: '0.00001' },
} }]);

// BTC falls from 60,000 to 36,600 over the path; ETH's index stops for 100 minutes from minute 2000.
const btc = (m: number) => 60_000 * (1 - 0.39 * (m / STEPS));
const ROWS: SeriesRow[] = [
  ...everyMinute(T0, STEPS, 'USDT', 'index', () => 1),
  ...everyMinute(T0, STEPS, 'BTC', 'index', btc),
  ...everyMinute(T0, STEPS, 'ETH', 'index', (m) => 3000 + 50 * Math.sin(m / 40)).filter(([t]) => t < T0 + 2000 * MINUTE || t >= T0 + 2100 * MINUTE),
  ...everyMinute(T0, STEPS, 'BTCUSDT', 'mark', (m) => btc(m) * 1.0003),
  ...everyMinute(T0, STEPS, 'BTCUSD_PERP', 'mark', (m) => btc(m) * 0.9998),
];

const DOCS = [
  {
    id: 'everything', mode: 'PM',
    balances: [
      { asset: 'USDT', umWalletBalance: '9000', crossMarginFree: '4000', crossMarginBorrowed: '3000', marginLeverage: 5 },
      { asset: 'BTC', crossMarginFree: '0.3', cmWalletBalance: '0.05' },
      { asset: 'ETH', crossMarginFree: '2.5' },
    ],
    umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1.5', entryPrice: '60000' }],
    cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '-3', entryPrice: '59000' }],
    marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2900', origQty: '1.5' }],
  },
  // A balance and one leg: the kernel's shortest path (a flat-rate balance without a loan).
  { id: 'plain', balances: [{ asset: 'USDT', umWalletBalance: '2500' }, { asset: 'BTC', crossMarginFree: '0.01' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.4', entryPrice: '60000' }] },
];

describe('fast kernel spans', () => {
  const timeline = buildMarketTimeline(seriesOf(ROWS), { stalenessMs: 5 * MINUTE });
  const book = new ExactPriceBook(timeline);
  const portfolios = DOCS.map((d) => portfolioOf(d, RULES.base));
  const slots = fastSlotsOf(portfolios, RULES.base, timeline);
  const batch = slots[0]!.batch;
  portfolios.forEach((p, i) => loadPortfolio(batch, i, p, RULES.base, slots[i]!.seriesId, slots[i]!.capacity));

  const stepByStep = (p: number, k: number) => {
    const code = calculateFastSnapshot(batch, p, timeline, k);
    return { code, status: batch.outStatus[p]!, uniMMR: batch.outUniMMR[p]!, equity: batch.outEquity[p]!, actual: batch.outActual[p]!, maintMargin: batch.outMaintMargin[p]! };
  };

  /** The out* step is near a line by the band, or its numbers are not provably within the tolerance. */
  const notQuiet = (p: number) => {
    const factor = findErrorFactor(batch, p);
    return isNearThreshold(batch.outEquity[p]! - batch.outOpenLoss[p]!, batch.outUniMMR[p]!, batch.outGross[p]!, batch.outMaintMargin[p]!, batch.marginCall[p]!, batch.reduceOnly[p]!, batch.liquidation[p]!, batch.outMarginScale[p]!, Math.max(DECISION_BAND, factor))
      || !isWithinTolerance(batch.outEquity[p]!, batch.outActual[p]!, batch.outMaintMargin[p]!, batch.outUniMMR[p]!, batch.outGross[p]!, batch.outMarginScale[p]!, factor);
  };

  it.each(DOCS.map((d, i) => [d.id, i] as const))('%s: a span gives every step the numbers of a one-step call, and stops where the status changes or a price is missing', (_id, p) => {
    expect(STEPS).toBeGreaterThan(2 * SPAN_STEPS); // spans are cut at SPAN_STEPS
    const statuses = new Set<number>();
    let stops = 0;
    for (let k = 0; k < STEPS; ) {
      const first = stepByStep(p, k);
      if (first.code === SNAPSHOT_NEEDS_EXACT) {
        k++;
        continue;
      }
      const stop = calculateAccountSnapshots(batch, p, timeline, k, STEPS, first.status);
      if (stop === k) {
        // step k itself is not quiet in its own status: near a line, or its numbers not provably within
        // the tolerance (actual equity near 0 against a large magnitude): the replay takes it exactly
        expect(notQuiet(p)).toBe(true);
        k++;
        continue;
      }
      expect(stop).toBeGreaterThan(k);
      expect(stop).toBeLessThanOrEqual(Math.min(STEPS, k + SPAN_STEPS));
      const stopped = stop < Math.min(STEPS, k + SPAN_STEPS);
      const atStop = stopped ? { status: batch.outStatus[p]!, uniMMR: batch.outUniMMR[p]!, equity: batch.outEquity[p]! } : undefined;
      const nearAtStop = stopped && notQuiet(p);
      const span = Array.from({ length: stop - k }, (_, j) => [batch.spanUniMMR[j]!, batch.spanEquity[j]!, batch.spanActual[j]!, batch.spanMaintMargin[j]!]);
      for (let j = k; j < stop; j++) {
        const one = stepByStep(p, j);
        expect(one.status).toBe(first.status);
        // The same operations in the same order: the same float64 values, bit for bit.
        expect(span[j - k]).toEqual([one.uniMMR, one.equity, one.actual, one.maintMargin]);
      }
      if (atStop !== undefined) {
        stops++;
        const one = stepByStep(p, stop);
        expect(atStop).toEqual({ status: one.status, uniMMR: one.uniMMR, equity: one.equity });
        // a span stops for a reason: another status (or a missing price), or a threshold within the band
        expect(atStop.status !== first.status || nearAtStop).toBe(true);
      }
      statuses.add(first.status);
      k = stop;
    }
    if (p === 0) {
      // the path takes this account through every status (uniMMR 36.3 at the start, −10.4 at the
      // end: exact engine), and ETH's gap stops a span too
      expect([...statuses].sort()).toEqual([NORMAL, MARGIN_CALL, REDUCE_ONLY, FORCE_LIQUIDATION]);
      expect(stops).toBeGreaterThanOrEqual(4);
    }
  });

  it('says "needs exact" at every step where a price the account needs is stale, and only there', () => {
    for (let k = 1990; k < 2110; k++) {
      const needsExact = stepByStep(0, k).code === SNAPSHOT_NEEDS_EXACT;
      // ETH's last price before the gap is at minute 1999; stale once older than 5 minutes
      expect(needsExact).toBe(k > 2004 && k < 2100);
      // the account without ETH is not affected
      expect(stepByStep(1, k).code).toBe(SNAPSHOT_OK);
    }
    expect(calculateAccountSnapshots(batch, 0, timeline, 1990, 2200, NO_QUIET_STATUS)).toBe(1990);
    const status = batch.outStatus[0]!;
    expect(calculateAccountSnapshots(batch, 0, timeline, 1990, 2200, status)).toBe(2005);
    expect(batch.outStatus[0]).toBe(NEEDS_EXACT);
  });

  it('stops a NORMAL span at a step whose uniMMR is within the band of the margin call line, not outside it', () => {
    const p = DOCS.findIndex((d) => d.id === 'plain');
    const k = 100;
    const one = stepByStep(p, k);
    expect(one.status).toBe(NORMAL);
    const saved = batch.marginCall[p]!;
    try {
      // the margin call line moved to just under step k's uniMMR: 1e-12 relative is inside the
      // 1e-9 band, 1e-6 is outside it (and the account stays NORMAL either way)
      batch.marginCall[p] = one.uniMMR * (1 - 1e-12);
      expect(calculateAccountSnapshots(batch, p, timeline, k - 10, k + 10, NORMAL)).toBe(k);
      expect(batch.outStatus[p]).toBe(NORMAL);
      batch.marginCall[p] = one.uniMMR * (1 - 1e-6);
      expect(calculateAccountSnapshots(batch, p, timeline, k - 10, k + 10, NORMAL)).toBeGreaterThan(k);
    } finally {
      batch.marginCall[p] = saved;
    }
  });

  it('agrees with the exact engine within the parity tolerance', () => {
    for (const [p, portfolio] of portfolios.entries()) {
      for (let k = 0; k < STEPS; k += 37) {
        const fast = stepByStep(p, k);
        if (fast.code === SNAPSHOT_NEEDS_EXACT) continue;
        const exact = calculateAccountSnapshot(portfolio, book.marketAt(k), RULES.base);
        expect(STATUS_CODES[fast.status]).toBe(exact.accountStatus);
        for (const [f, x] of [[fast.uniMMR, exact.uniMMR!.toNumber()], [fast.equity, exact.accountEquity.toNumber()], [fast.maintMargin, exact.accountMaintMargin.toNumber()]] as const) {
          expect(Math.abs(f - x)).toBeLessThanOrEqual(PARITY_TOLERANCE * Math.max(1, Math.abs(x)));
        }
      }
    }
  });
});

describe('an account that holds nothing (FastBatch.emptyAccount)', () => {
  const timeline = buildMarketTimeline(seriesOf(ROWS), { stalenessMs: 5 * MINUTE });
  const book = new ExactPriceBook(timeline);
  // What a full liquidation leaves: zero rows, and a wallet netted to zero against another of the same asset.
  const empty = portfolioOf({ id: 'empty', balances: [{ asset: 'USDT' }, { asset: 'BTC', crossMarginFree: '0.5', umWalletBalance: '-0.5' }] }, RULES.base);
  // Float64 reads −1e-400 as −0: the kernel's sums are the empty account's, the exact engine's are not.
  const tiny = portfolioOf({ id: 'tiny', balances: [{ asset: 'USDT' }] }, RULES.base);
  tiny.balances[0]!.umWalletBalance = new Dec('-1e-400');
  const portfolios = [empty, tiny];
  const slots = fastSlotsOf(portfolios, RULES.base, timeline);
  const batch = slots[0]!.batch;
  portfolios.forEach((p, i) => loadPortfolio(batch, i, p, RULES.base, slots[i]!.seriesId, slots[i]!.capacity));

  it('is quiet in NORMAL for a whole span, with the exact engine\'s numbers: 0 equity, no margin, no uniMMR', () => {
    expect(batch.emptyAccount[0]).toBe(1);
    expect(calculateAccountSnapshots(batch, 0, timeline, 0, STEPS, NORMAL)).toBe(SPAN_STEPS);
    for (const k of [0, 1, 500, SPAN_STEPS - 1]) {
      expect([batch.spanUniMMR[k], batch.spanEquity[k], batch.spanActual[k], batch.spanMaintMargin[k]]).toEqual([Number.NaN, 0, 0, 0]);
      const exact = calculateAccountSnapshot(empty, book.marketAt(k), RULES.base);
      expect([exact.accountStatus, exact.uniMMR, exact.adjustedEquity.isZero(), exact.accountMaintMargin.isZero(), exact.assets.length]).toEqual(['NORMAL', null, true, true, 0]);
    }
    // in any other status it stops at once: the replay's exact step reports the change
    expect(calculateAccountSnapshots(batch, 0, timeline, 0, STEPS, MARGIN_CALL)).toBe(0);
  });

  it('is told by the decimals, not the floats: a balance float64 reads as 0 keeps the band, and the exact engine decides', () => {
    expect(batch.emptyAccount[1]).toBe(0);
    expect(calculateAccountSnapshots(batch, 1, timeline, 0, STEPS, NORMAL)).toBe(0);
    expect(calculateAccountSnapshot(tiny, book.marketAt(0), RULES.base).accountStatus).toBe('FORCE_LIQUIDATION');
  });
});

// One step of the kernel on hand-checked accounts, against the exact engine on the same market.
function fastOneStep(doc: Record<string, unknown>, rules: ReturnType<typeof makeRules>, index: Record<string, string>, mark: Record<string, string> = {}) {
  const timeline = oneStepTimeline(index, mark);
  const { batch } = loadedBatch([portfolioOf(doc, rules)], rules, timeline);
  const code = calculateFastSnapshot(batch, 0, timeline, 0);
  return {
    code, status: batch.outStatus[0]!, uniMMR: batch.outUniMMR[0]!, equity: batch.outEquity[0]!, actual: batch.outActual[0]!,
    openLoss: batch.outOpenLoss[0]!, maintMargin: batch.outMaintMargin[0]!, gross: batch.outGross[0]!, marginScale: batch.outMarginScale[0]!,
  };
}
const within = (f: number, x: number, rel = 1e-12) => Math.abs(f - x) <= rel * Math.max(1, Math.abs(x));

describe('calculateAccountSnapshot (one step): hand-checked accounts, and the exact engine on the same inputs', () => {
  it('docs §10 PM Pro example: equity 19,866, actual 20,586, MM 3,228.4, uniMMR 19,866 / 3,228.4 = 6.15351257…', () => {
    const rules = makeRules({
      collateral: { USDT: '1', BTC: '0.95', ETH: '0.95' },
      umBrackets: { BTCUSDT: flatUm('0.005') },
      cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.005') } },
    });
    const doc = {
      mode: 'PM_PRO',
      balances: [
        { asset: 'USDT', crossMarginFree: '1000', umWalletBalance: '5000' },
        { asset: 'BTC', crossMarginFree: '0.1', crossMarginBorrowed: '0.04', cmWalletBalance: '0.1', marginLeverage: 3 },
        { asset: 'ETH', crossMarginFree: '20', crossMarginBorrowed: '15', marginLeverage: 3 },
      ],
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-0.05', entryPrice: '52000' }, { symbol: 'BTCUSDT_220624', positionAmt: '0.04', entryPrice: '52350' }],
      cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '100', entryPrice: '50000' }],
    };
    const index = { USDT: '1', BTC: '40000', ETH: '2000' };
    const mark = { BTCUSDT: '40000', BTCUSDT_220624: '42000', BTCUSD_PERP: '40000' };
    const f = fastOneStep(doc, rules, index, mark);
    expect([f.code, STATUS_CODES[f.status]]).toEqual([SNAPSHOT_OK, 'NORMAL']);
    expect([within(f.equity, 19_866), within(f.actual, 20_586), within(f.maintMargin, 3228.4), within(f.uniMMR, 19_866 / 3228.4)]).toEqual([true, true, true, true]);
    expect(f.openLoss).toBe(0);
    // gross, the magnitude of adjusted equity's terms: per asset (|net| + Σ|qty|·entry + Σ notional) × price
    // USDT 6,000 + 0.05 × 52,000 + 2,000 + 0.04 × 52,350 + 1,680 = 14,374; BTC (0.16 + 10,000 / 50,000 + 0.25) × 40,000
    // = 24,400; ETH 5 × 2,000 = 10,000. Margin scale, (3 × top rate 0.5 % × notional + loan margin) × price:
    // USDT 0.015 × 3,680 = 55.2; BTC (0.015 × 0.25 + 0.004) × 40,000 = 310; ETH 1.5 × 2,000 = 3,000.
    expect([within(f.gross, 48_774), within(f.marginScale, 3365.2)]).toEqual([true, true]);
    const x = calculateAccountSnapshot(portfolioOf(doc, rules), marketOf(index, mark), rules);
    expect(within(f.uniMMR, x.uniMMR!.toNumber(), PARITY_TOLERANCE)).toBe(true);
  });

  it('open loss (mode PM): BUY 1 ETH at 2,500 loses 2,500 − 2,000 × 0.8 = 900; uniMMR (10,000 − 900) / 20 = 455; PM_PRO none (500)', () => {
    const rules = makeRules({ collateral: { USDT: '1', ETH: '0.8' }, umBrackets: { ETHUSDT: flatUm('0.01') } });
    const doc = (mode: string) => ({
      mode, balances: [{ asset: 'USDT', crossMarginFree: '10000' }],
      umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }],
      marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2500', origQty: '2', executedQty: '1' }],
    });
    const pm = fastOneStep(doc('PM'), rules, { USDT: '1', ETH: '2000' }, { ETHUSDT: '2000' });
    expect([pm.openLoss, pm.uniMMR, pm.maintMargin]).toEqual([900, 455, 20]);
    // gross: USDT 10,000 + 1 × 2,000 (|qty|·entry) + 2,000 (notional), and the order's legs 1,600 + 2,500
    expect(pm.gross).toBe(18_100);
    const pro = fastOneStep(doc('PM_PRO'), rules, { USDT: '1', ETH: '2000' }, { ETHUSDT: '2000' });
    expect([pro.openLoss, pro.uniMMR]).toEqual([0, 500]);
  });

  it('tiered collateral on a positive net: 3 ETH at 2,000 = 6,000 → 5,000 × 0.95 + 1,000 × 0.8 = 5,550; a negative net at full value', () => {
    const rules = makeRules({ collateral: { USDT: '1', ETH: [{ tierFloor: 0, tierCap: 5000, collateralRate: '0.95' }, { tierFloor: 5000, tierCap: 1e12, collateralRate: '0.8' }] } });
    // + a 1,000 USDT loan at 3x: MM 100; equity 5,550 + 2,000 − 1,000 = 6,550 → uniMMR 65.5
    const f = fastOneStep({ balances: [{ asset: 'ETH', crossMarginFree: '3' }, { asset: 'USDT', crossMarginFree: '2000', crossMarginBorrowed: '1000', marginLeverage: 3 }] }, rules, { USDT: '1', ETH: '2000' });
    expect([within(f.equity, 6550), within(f.actual, 7000), within(f.maintMargin, 100), within(f.uniMMR, 65.5)]).toEqual([true, true, true, true]);
    // ETH borrowed 3 at 3x: net −3 → −6,000 (not haircut); MM 0.3 ETH = 600; equity 10,000 − 6,000 = 4,000
    const n = fastOneStep({ balances: [{ asset: 'ETH', crossMarginBorrowed: '3', marginLeverage: 3 }, { asset: 'USDT', crossMarginFree: '10000' }] }, rules, { USDT: '1', ETH: '2000' });
    expect([n.equity, n.gross]).toEqual([4000, 16_000]);
    expect(within(n.maintMargin, 600)).toBe(true);
  });

  it('a CM leg in its coin: 100 × 100 × (1/50,000 − 1/40,000) = −0.05 BTC; MM 0.25 × 0.5 % = 0.00125 BTC = 50 USD', () => {
    const rules = makeRules({ collateral: { BTC: '0.95' }, cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.005') } } });
    // BTC net 0.1 − 0.05 = 0.05 → actual 2,000, equity 1,900; uniMMR 1,900 / 50 = 38
    const f = fastOneStep({ balances: [{ asset: 'BTC', crossMarginFree: '0.1' }], cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '100', entryPrice: '50000' }] }, rules, { BTC: '40000' }, { BTCUSD_PERP: '40000' });
    expect([within(f.actual, 2000), within(f.equity, 1900), within(f.maintMargin, 50), within(f.uniMMR, 38)]).toEqual([true, true, true, true]);
  });

  it('no maintenance margin: uniMMR NaN (exact: null); NORMAL with non-negative equity, FORCE_LIQUIDATION below zero', () => {
    const rules = makeRules({ collateral: { USDT: '1', BTC: '0.95' } });
    const ok = fastOneStep({ balances: [{ asset: 'USDT', crossMarginFree: '10' }] }, rules, { USDT: '1' });
    expect(ok.uniMMR).toBeNaN();
    expect([ok.code, ok.status]).toEqual([SNAPSHOT_OK, NORMAL]);
    // −100 USDT against 0.001 BTC at 40,000 (40 × 0.95 = 38): equity −62
    const neg = fastOneStep({ balances: [{ asset: 'USDT', umWalletBalance: '-100' }, { asset: 'BTC', crossMarginFree: '0.001' }] }, rules, { USDT: '1', BTC: '40000' });
    expect(within(neg.equity, -62)).toBe(true);
    expect(neg.uniMMR).toBeNaN();
    expect(neg.status).toBe(FORCE_LIQUIDATION);
  });
});

describe('"needs exact": where the exact engine would report a missing price or rule', () => {
  const rules = makeRules({ collateral: { USDT: '1', BTC: '0.95' }, umBrackets: { BTCUSDT: flatUm('0.01'), ETHUSDT: flatUm('0.01') } });
  const base = [{ asset: 'USDT', crossMarginFree: '10000' }];
  it('a position without a mark series', () => {
    const f = fastOneStep({ balances: base, umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }] }, rules, { USDT: '1' }, { BTCUSDT: '40000' });
    expect([f.code, f.status]).toEqual([SNAPSHOT_NEEDS_EXACT, NEEDS_EXACT]);
    expect(() => calculateAccountSnapshot(portfolioOf({ balances: base, umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }] }, rules), marketOf({ USDT: '1' }, { BTCUSDT: '40000' }), rules)).toThrow('markPrices.ETHUSDT');
  });
  it('an asset holding something without an index series', () => {
    const f = fastOneStep({ balances: [...base, { asset: 'BTC', crossMarginFree: '0.1' }] }, rules, { USDT: '1' });
    expect([f.code, f.status]).toEqual([SNAPSHOT_NEEDS_EXACT, NEEDS_EXACT]);
  });
  it('but an empty asset needs no price (as in the exact engine)', () => {
    const f = fastOneStep({ balances: [...base, { asset: 'BTC' }] }, rules, { USDT: '1' });
    expect([f.code, f.status, f.equity]).toEqual([SNAPSHOT_OK, NORMAL, 10_000]);
  });
  it('a positive asset without a collateral rule; a negative one needs none', () => {
    const pos = fastOneStep({ balances: [...base, { asset: 'XRP', crossMarginFree: '100' }] }, rules, { USDT: '1', XRP: '0.5' });
    expect(pos.code).toBe(SNAPSHOT_NEEDS_EXACT);
    // XRP −100 at 0.5 at full value: 10,000 − 50; the loan at 3x: MM 10 × 0.5 = 5
    const neg = fastOneStep({ balances: [...base, { asset: 'XRP', crossMarginBorrowed: '100', marginLeverage: 3 }] }, rules, { USDT: '1', XRP: '0.5' });
    expect([neg.code, neg.equity, neg.maintMargin]).toEqual([SNAPSHOT_OK, 9950, 5]);
    const x = calculateAccountSnapshot(portfolioOf({ balances: [...base, { asset: 'XRP', crossMarginBorrowed: '100', marginLeverage: 3 }] }, rules), marketOf({ USDT: '1', XRP: '0.5' }), rules);
    expect([x.accountEquity.toNumber(), x.accountMaintMargin.toNumber()]).toEqual([9950, 5]);
  });
  it('an open order whose leg has no collateral rule or no price (mode PM)', () => {
    const order = (symbol: string) => ({ balances: base, marginOpenOrders: [{ symbol, side: 'BUY', price: '10', origQty: '1' }] });
    // BNB: no rule; BTC: a rule but no price in this market
    expect(fastOneStep(order('BNBUSDT'), rules, { USDT: '1', BNB: '500' }).code).toBe(SNAPSHOT_NEEDS_EXACT);
    expect(fastOneStep(order('BTCUSDT'), rules, { USDT: '1' }).code).toBe(SNAPSHOT_NEEDS_EXACT);
    expect(fastOneStep(order('BTCUSDT'), rules, { USDT: '1', BTC: '40000' }).code).toBe(SNAPSHOT_OK);
  });
});

describe('isNearThreshold and DECISION_BAND', () => {
  // marginCall 1.5, reduceOnly 1.2, liquidation 1.05; gross/mm = 2 here unless said
  const near = (adjusted: number, uniMMR: number, gross = 200, mm = 100) => isNearThreshold(adjusted, uniMMR, gross, mm, 1.5, 1.2, 1.05);
  it('the band is 1e-9 (docs/architecture.md "Parity contract")', () => {
    expect(DECISION_BAND).toBe(1e-9);
  });
  it('adjusted equity within the band of zero (relative to the gross scale) is near, whatever uniMMR', () => {
    expect(near(1e-7, 40, 1e3)).toBe(true); // |1e-7| ≤ 1e-9 × 1,000 = 1e-6
    expect(near(-1e-7, Number.NaN, 1e3)).toBe(true);
    expect(near(1e-5, 40, 1e3)).toBe(false);
  });
  it('uniMMR NaN (no margin) with equity clear of zero is not near', () => {
    expect(near(150, Number.NaN)).toBe(false);
  });
  it.each([1.5, 1.2, 1.05])('uniMMR within 1e-12 relative of the line %d is near, 1e-6 away is not', (line) => {
    // tolerance = 1e-9 × (gross/mm + uniMMR) = 1e-9 × (2 + ~line) ≈ 3e-9
    expect(near(line * 100, line * (1 + 1e-12))).toBe(true);
    expect(near(line * 100, line * (1 - 1e-12))).toBe(true);
    expect(near(line * 100, line * (1 + 1e-6))).toBe(false);
    expect(near(line * 100, line * (1 - 1e-6))).toBe(false);
  });
  it('the band widens with gross over margin: 1.5 + 5e-7 is near when gross/mm = 1,000, not when it is 2', () => {
    // 1e-9 × (1,000 + 1.5) ≈ 1.0e-6 ≥ 5e-7; 1e-9 × (2 + 1.5) = 3.5e-9 < 5e-7
    expect(near(150, 1.5 + 5e-7, 100_000, 100)).toBe(true);
    expect(near(150, 1.5 + 5e-7, 200, 100)).toBe(false);
  });
});

describe('the decision band from the float error bound (docs/architecture.md "Parity contract")', () => {
  const rules = makeRules({
    collateral: { USDT: '1', ETH: [{ tierFloor: 0, tierCap: 5000, collateralRate: '0.95' }, { tierFloor: 5000, tierCap: 1e15, collateralRate: '0.8' }] },
    umBrackets: { BTCUSDT: flatUm('0.01'), ZEROUSDT: flatUm('0'), ETHUSDT: flatUm('0.01') },
  });
  const plain = { balances: [{ asset: 'USDT', umWalletBalance: '10000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '2', entryPrice: '50000' }] };
  // + 1e12 of notional each way at a zero rate: the PnL nets to 1e7 × 0.0001 = 1,000, its float error is ~1e-4
  const huge = { ...plain, umPositions: [...plain.umPositions, { symbol: 'ZEROUSDT', positionSide: 'LONG', positionAmt: '10000000', entryPrice: '100000' }, { symbol: 'ZEROUSDT', positionSide: 'SHORT', positionAmt: '-10000000', entryPrice: '100000.0001' }] };
  const index = { USDT: '1', ETH: '2000' };
  const mark = { BTCUSDT: '50000', ZEROUSDT: '100000', ETHUSDT: '2000' };
  const loaded = (doc: Record<string, unknown>, idx: Record<string, string> = index) => {
    const timeline = oneStepTimeline(idx, mark);
    const { batch } = loadedBatch([portfolioOf(doc, rules)], rules, timeline);
    calculateFastSnapshot(batch, 0, timeline, 0);
    return { batch, timeline, code: calculateFastSnapshot(batch, 0, timeline, 0) };
  };

  it('1e12 of zero-rate notional, uniMMR 5e-8 above the margin call line: outside the old band, inside the float error — the step goes exact', () => {
    const { batch, timeline } = loaded(huge);
    const [adjusted, u, mm] = [batch.outEquity[0]! - batch.outOpenLoss[0]!, batch.outUniMMR[0]!, batch.outMaintMargin[0]!];
    expect(within(u, 11, 1e-6)).toBe(true); // (10,000 + 1,000) / 1,000
    // the old band: 1e-9 × (Σ|asset equity| / margin + uniMMR) ≈ 2.2e-8 < 5e-8
    expect(isNearThreshold(adjusted, u, 11_000, mm, u - 5e-8, 1.2, 1.05)).toBe(false);
    // but the proven float error of uniMMR alone is larger than the distance: k·ε × magnitude / margin
    expect((findErrorFactor(batch, 0) * batch.outGross[0]!) / mm).toBeGreaterThan(5e-8);
    // the magnitude counts the legs' notionals and |qty·entry| (4e12), the margin's only the rated leg
    expect(batch.outGross[0]).toBeGreaterThan(4e12);
    expect(within(batch.outMarginScale[0]!, 3000)).toBe(true); // 3 × 0.01 × 100,000
    batch.marginCall[0] = u - 5e-8;
    expect(calculateAccountSnapshots(batch, 0, timeline, 0, 1, NORMAL)).toBe(0);
    expect(batch.outStatus[0]).toBe(NORMAL);
    const band = Math.max(DECISION_BAND, findErrorFactor(batch, 0));
    expect(isNearThreshold(adjusted, u, batch.outGross[0]!, mm, u - 5e-8, 1.2, 1.05, batch.outMarginScale[0]!, band)).toBe(true);
    // far from every line it still goes exact: its numbers cannot be proven within the tolerance (error ~1e-2 on 11,000)
    batch.marginCall[0] = 1.5;
    expect(isNearThreshold(adjusted, u, batch.outGross[0]!, mm, 1.5, 1.2, 1.05, batch.outMarginScale[0]!, band)).toBe(false);
    expect(isWithinTolerance(batch.outEquity[0]!, batch.outActual[0]!, mm, u, batch.outGross[0]!, batch.outMarginScale[0]!, findErrorFactor(batch, 0))).toBe(false);
    expect(calculateAccountSnapshots(batch, 0, timeline, 0, 1, NORMAL)).toBe(0);
  });

  it('an ordinary account far from the lines stays fast; 1e-6 from a line too, 1e-10 from it goes exact', () => {
    const { batch, timeline } = loaded(plain);
    const u = batch.outUniMMR[0]!;
    expect(u).toBe(10);
    expect(calculateAccountSnapshots(batch, 0, timeline, 0, 1, NORMAL)).toBe(1);
    batch.marginCall[0] = u * (1 - 1e-6);
    expect(calculateAccountSnapshots(batch, 0, timeline, 0, 1, NORMAL)).toBe(1);
    batch.marginCall[0] = u * (1 - 1e-10);
    expect(calculateAccountSnapshots(batch, 0, timeline, 0, 1, NORMAL)).toBe(0);
  });

  it('an open order\'s leg whose holding sits on a collateral tier edge: "needs exact" (the marginal rate jumps there)', () => {
    // 2.5 ETH × 2,000 = 5,000: the tier edge; at 2,100 it is clear of it
    const doc = { ...plain, balances: [...plain.balances, { asset: 'ETH', crossMarginFree: '2.5' }], marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2000', origQty: '1' }] };
    expect(loaded(doc).code).toBe(SNAPSHOT_NEEDS_EXACT);
    expect(loaded(doc, { USDT: '1', ETH: '2100' }).code).toBe(SNAPSHOT_OK);
  });
});

describe('isWithinTolerance and isNearThreshold at the edges', () => {
  const f = 20 * Number.EPSILON;
  it('numbers whose proven error exceeds PARITY_TOLERANCE / 2 (relative, absolute below 1) are not within it', () => {
    expect(isWithinTolerance(11_000, 11_000, 1000, 11, 1e6, 1e5, f)).toBe(true);
    // actual equity −0.7 against a magnitude of 2e5: error 8.9e-10 > 5e-10
    expect(isWithinTolerance(-0.5, -0.7, 1000, -0.0005, 2e5, 1e5, f)).toBe(false);
    // margin error 1e9 × f ≈ 4.4e-6 on a margin of 1,000: over 5e-10 × 1,000
    expect(isWithinTolerance(11_000, 11_000, 1000, 11, 1e6, 1e9, f)).toBe(false);
    // uniMMR 5e6 over a margin of 1e-3: equity and margin each within their tolerance, but the margin's
    // error 4.4e-12 moves uniMMR by 5e6 × 4.4e-12 / 1e-3 = 2.2e-2, over its tolerance 5e-10 × 5e6 = 2.5e-3
    expect(isWithinTolerance(5000, 5000, 1e-3, 5e6, 1e6, 1e3, f)).toBe(false);
  });
  it('no margin: within the tolerance (no uniMMR either side) only when no margin term exists', () => {
    expect(isWithinTolerance(100, 100, 0, Number.NaN, 100, 0, f)).toBe(true);
    expect(isWithinTolerance(100, 100, 0, Number.NaN, 100, 1e5, f)).toBe(false);
  });
  it('a margin smaller than its own band: near unless adjusted equity clears the top line over the widest margin', () => {
    // band 1e-9 × marginScale 1e9 = 1 ≥ margin 0.5
    expect(isNearThreshold(100, 200, 100, 0.5, 1.5, 1.2, 1.05, 1e9)).toBe(false); // 100 > 1.5 × 1.5
    expect(isNearThreshold(2, 4, 100, 0.5, 1.5, 1.2, 1.05, 1e9)).toBe(true); // 2 ≤ 1.5 × 1.5
    expect(isNearThreshold(100, Number.NaN, 100, 0, 1.5, 1.2, 1.05, 0)).toBe(false); // no margin terms: the sign decides
    expect(isNearThreshold(-100, Number.NaN, 100, 0, 1.5, 1.2, 1.05, 1e9)).toBe(false); // negative: FORCE_LIQUIDATION
  });
});
