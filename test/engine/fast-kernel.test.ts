import { describe, expect, it } from 'vitest';
import type { RulesTimeline } from '../../src/domain/types.js';
import { loadPortfolio, SPAN_STEPS } from '../../src/engine/fast/batch.js';
import { PARITY_TOLERANCE } from '../../src/engine/fast/parity.js';
import { calculateAccountSnapshot as calculateFastSnapshot, calculateAccountSnapshots, isNearThreshold, NO_QUIET_STATUS, SNAPSHOT_NEEDS_EXACT, SNAPSHOT_OK } from '../../src/engine/fast/snapshot.js';
import { FORCE_LIQUIDATION, MARGIN_CALL, NEEDS_EXACT, NORMAL, REDUCE_ONLY, STATUS_CODES } from '../../src/engine/fast/status.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { PROGRAM } from '../helpers/rules.js';
import { everyMinute, MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';

// The kernel's span call (calculateAccountSnapshots) against itself one step at a time, and both
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
      expect(stop).toBeGreaterThan(k);
      expect(stop).toBeLessThanOrEqual(Math.min(STEPS, k + SPAN_STEPS));
      const stopped = stop < Math.min(STEPS, k + SPAN_STEPS);
      const atStop = stopped ? { status: batch.outStatus[p]!, uniMMR: batch.outUniMMR[p]!, equity: batch.outEquity[p]! } : undefined;
      const nearAtStop = stopped && isNearThreshold(batch.outEquity[p]! - batch.outOpenLoss[p]!, batch.outUniMMR[p]!, batch.outGross[p]!, batch.outMaintMargin[p]!, batch.marginCall[p]!, batch.reduceOnly[p]!, batch.liquidation[p]!);
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
