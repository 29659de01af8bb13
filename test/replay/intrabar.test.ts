import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { RulesTimeline } from '../../src/domain/types.js';
import { renderEventRecord } from '../../src/records/events/index.js';
import type { ReplayEvent } from '../../src/replay/events.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { replayPortfolio, replayPortfolioExact, type ReplayOptions } from '../../src/replay/replay-portfolio.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { fastSlotsOf } from '../helpers/fast.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { flatUm, PROGRAM } from '../helpers/rules.js';
import { HOUR, MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';

// Intrabar extremes (docs/margin-rules.md §7): one BTCUSDT perpetual (and its quarterly) at a flat
// 1 % maintenance margin, a 1 % liquidation fee, slippage 0.001; ten 1-minute bars at 40,000,
// the bar of minute 5 with a wick.

const T0 = Date.UTC(2024, 2, 12, 0, 0);
const at = (m: number) => T0 + m * MINUTE;
const RULES: RulesTimeline = buildRulesTimeline([PROGRAM, { name: 'rules', doc: {
  version: 1, collateral: { USDT: '1', BTC: '0.95' }, umBrackets: { BTCUSDT: flatUm('0.01') }, liquidationFee: { default: '0.01', crossMargin: '0.02' }, loanInterestHourly: { default: '0' },
} }]);
const OPTIONS: ReplayOptions = { liquidation: { policy: 'full', slippage: new Dec('0.001'), target: new Dec('1.25') }, resolutionMs: HOUR };

/** Ten bars: USDT 1; BTC index and these marks at `close`; at minute 5 a bar from `low` to `high` (none when `wick` is false). */
function bars(marks: Record<string, number>, wick: { low: number; high: number } | false, lowOf: Record<string, number> = {}, highOf: Record<string, number> = {}): SeriesRow[] {
  const rows: SeriesRow[] = [];
  for (let m = 0; m < 10; m++) {
    rows.push([at(m), 'USDT', 'index', 1]);
    const extreme = (name: string, close: number): SeriesRow => (wick !== false && m === 5 ? [at(m), name, 'mark', close, highOf[name] ?? wick.high, lowOf[name] ?? wick.low] : [at(m), name, 'mark', close]);
    rows.push(wick !== false && m === 5 ? [at(m), 'BTC', 'index', 40_000, wick.high, wick.low] : [at(m), 'BTC', 'index', 40_000]);
    for (const [name, close] of Object.entries(marks)) rows.push(extreme(name, close));
  }
  return rows;
}

const book = (rows: SeriesRow[]) => new ExactPriceBook(buildMarketTimeline(seriesOf(rows), { stalenessMs: HOUR }));
const exact = (rows: SeriesRow[], doc: Record<string, unknown>) => replayPortfolioExact(portfolioOf(doc, RULES.base), book(rows), RULES, OPTIONS);
function fast(rows: SeriesRow[], doc: Record<string, unknown>) {
  const b = book(rows);
  const p = portfolioOf(doc, RULES.base);
  return replayPortfolio(p, b, RULES, OPTIONS, fastSlotsOf([p], RULES.base, b.timeline)[0]);
}
const ofType = <T extends ReplayEvent['type']>(events: ReplayEvent[], type: T) => events.filter((e): e is Extract<ReplayEvent, { type: T }> => e.type === type);
const changes = (events: ReplayEvent[]) => ofType(events, 'riskLevelChange').map((e) => [e.time, e.from, e.to, e.intrabar ?? false]);

const LONG = { balances: [{ asset: 'USDT', umWalletBalance: '5000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] };
const SHORT = { balances: [{ asset: 'USDT', umWalletBalance: '5000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-1', entryPrice: '40000' }] };

describe('a wick that only the bar low reaches', () => {
  // Long 1 BTCUSDT from 40,000 on 5,000 USDT: at mark P, uniMMR = (5,000 + P − 40,000) / (0.01·P).
  // Close 40,000: 5,000 / 400 = 12.5. Low 35,300: 300 / 353 = 0.8498… < 1.05 → FORCE_LIQUIDATION.
  const rows = bars({ BTCUSDT: 40_000 }, { low: 35_300, high: 40_100 });

  it.each([['exact', exact], ['fast', fast]] as const)('liquidates at that minute, intrabar, filled at low × (1 − slippage) (%s)', (_, run) => {
    const r = run(rows, LONG);
    const [liquidation] = ofType(r.events, 'liquidation');
    expect(liquidation!.time).toBe(at(5));
    expect(liquidation!.intrabar).toBe(true);
    // 35,300 · 0.999 = 35,264.7; realized (35,264.7 − 40,000) · 1 = −4,735.3, leaving 264.7 USDT;
    // the fee, 1 % of 35,264.7 = 352.647, is capped at that 264.7.
    expect(liquidation!.legs.map((l) => [l.name, l.price.toString(), l.realizedPnl.toString(), l.feeUSD.toString()])).toEqual([['BTCUSDT', '35264.7', '-4735.3', '264.7']]);
    expect(liquidation!.uniMMRBefore!.toString()).toBe(new Dec(300).div(353).toString());
    expect(JSON.parse(renderEventRecord('p', liquidation!).detail!)).toMatchObject({ intrabar: true });
    expect(changes(r.events)).toEqual([[at(0), null, 'NORMAL', false], [at(5), 'NORMAL', 'FORCE_LIQUIDATION', true], [at(5), 'FORCE_LIQUIDATION', 'NORMAL', true]]);
    expect(renderEventRecord('p', ofType(r.events, 'riskLevelChange')[1]!).detail).toBe('intrabar');
    expect(r.liquidations).toBe(1);
    expect(r.minUniMMR!.toNumber()).toBeCloseTo(300 / 353, 12);
    expect(r.minUniMMRTime).toBe(at(5));
  });

  it('does not liquidate on the same closes without high and low', () => {
    const r = exact(bars({ BTCUSDT: 40_000 }, false), LONG);
    expect(r.liquidations).toBe(0);
    expect(changes(r.events)).toEqual([[at(0), null, 'NORMAL', false]]);
    expect(r.minUniMMR!.toString()).toBe('12.5');
    expect(ofType(r.events, 'riskLevelChange').map((e) => renderEventRecord('p', e).detail)).toEqual([undefined]);
  });
});

describe('a short liquidated by a high wick', () => {
  // Short 1 from 40,000 on 5,000 USDT: uniMMR = (45,000 − P) / (0.01·P); high 44,600: 400 / 446 = 0.8968… → liquidated.
  it.each([['exact', exact], ['fast', fast]] as const)('closes at high × (1 + slippage) (%s)', (_, run) => {
    const r = run(bars({ BTCUSDT: 40_000 }, { low: 39_900, high: 44_600 }), SHORT);
    const [liquidation] = ofType(r.events, 'liquidation');
    expect(liquidation!.intrabar).toBe(true);
    // 44,600 · 1.001 = 44,644.6; realized (44,644.6 − 40,000) · −1 = −4,644.6
    expect(liquidation!.legs.map((l) => [l.price.toString(), l.realizedPnl.toString()])).toEqual([['44644.6', '-4644.6']]);
    expect(liquidation!.time).toBe(at(5));
  });
});

describe('a hedged book: long perpetual, short quarterly on the same asset', () => {
  // 2,000 USDT; long 1 BTCUSDT from 40,000, short 1 BTCUSDT_240628 from 40,200 (closes at their entries).
  // Low (30,000 / 30,150): equity 2,000 − 10,000 + 10,050 = 2,050, MM 0.01·60,150 = 601.5 → 3.408…
  // High (40,100 / 40,300): equity 2,000 + 100 − 100 = 2,000, MM 0.01·80,400 = 804 → 2.4875… (the worse: chosen)
  // Had the legs moved apart (perpetual low, quarterly high): 2,000 − 10,000 − 100 < 0, a liquidation no market makes.
  const doc = { balances: [{ asset: 'USDT', umWalletBalance: '2000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }, { symbol: 'BTCUSDT_240628', positionAmt: '-1', entryPrice: '40200' }] };
  const rows = bars({ BTCUSDT: 40_000, BTCUSDT_240628: 40_200 }, { low: 30_000, high: 40_100 }, { BTCUSDT_240628: 30_150 }, { BTCUSDT_240628: 40_300 });

  it.each([['exact', exact], ['fast', fast]] as const)('holds at the extreme: no status change, the minimum at the high (%s)', (_, run) => {
    const r = run(rows, doc);
    expect(r.liquidations).toBe(0);
    expect(changes(r.events)).toEqual([[at(0), null, 'NORMAL', false]]);
    expect(r.minUniMMR!.toNumber()).toBeCloseTo(2000 / 804, 12);
    expect(r.minUniMMRTime).toBe(at(5));
  });
});

describe('a wick that does not liquidate', () => {
  it.each([['exact', exact], ['fast', fast]] as const)("is the timeline bucket's minimum, not a step of its own (%s)", (_, run) => {
    // Low 38,000: (5,000 − 2,000) / 380 = 7.8947…; the closes are at 12.5.
    const r = run(bars({ BTCUSDT: 40_000 }, { low: 38_000, high: 40_100 }), LONG);
    expect(r.timeline).toHaveLength(1);
    expect(r.timeline[0]!.uniMMR).toBeCloseTo(3000 / 380, 12);
    expect(r.timeline[0]!.worstTime).toBe(at(5));
    expect(r.timeline[0]!.steps).toBe(10);
    expect(r.timeline[0]!.status).toBe('NORMAL');
    // The portfolio's minimum is there too, its breakdown evaluated exactly at the extreme.
    expect(r.minUniMMRTime).toBe(at(5));
    expect(r.worstSnapshot!.uniMMR!.toString()).toBe(new Dec(3000).div(380).toString());
  });

  it('reports a status only the extreme reaches as intrabar, and the close takes it back', () => {
    // Low 35,500: 500 / 355 = 1.408… (MARGIN_CALL, between 1.2 and 1.5).
    for (const run of [exact, fast]) {
      const r = run(bars({ BTCUSDT: 40_000 }, { low: 35_500, high: 40_100 }), LONG);
      expect(changes(r.events)).toEqual([[at(0), null, 'NORMAL', false], [at(5), 'NORMAL', 'MARGIN_CALL', true], [at(5), 'MARGIN_CALL', 'NORMAL', false]]);
      expect(r.timeline[0]!.status).toBe('MARGIN_CALL');
      expect(r.liquidations).toBe(0);
    }
  });
});

describe('fast and exact agree on wick paths', () => {
  // A seeded walk of 300 one-minute bars with wicks of up to 6 % on some, through long, short,
  // hedged and collateral books (each liquidated at a wick, some after intrabar status changes in
  // kernel spans): the same events (as records) and timelines within 1e-9.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows: SeriesRow[] = [];
  let price = 40_000;
  for (let m = 0; m < 300; m++) {
    price *= 1 + (rand() - 0.5) * 0.004;
    const wick = rand() < 0.2;
    const low = wick ? price * (1 - rand() * 0.06) : price;
    const high = wick ? price * (1 + rand() * 0.06) : price;
    rows.push([at(m), 'USDT', 'index', 1], [at(m), 'BTC', 'index', price, high, low], [at(m), 'BTCUSDT', 'mark', price, high, low]);
    // The quarterly at a 0.5 % basis, its wick the same fraction of its close.
    if (m % 3 !== 0) rows.push([at(m), 'BTCUSDT_240628', 'mark', price * 1.005, high * 1.005, low * 1.005]);
    else rows.push([at(m), 'BTCUSDT_240628', 'mark', price * 1.005]);
  }
  const docs = [
    { balances: [{ asset: 'USDT', umWalletBalance: '2400' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] },
    { balances: [{ asset: 'USDT', umWalletBalance: '2600' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-1', entryPrice: '40000' }] },
    { balances: [{ asset: 'USDT', umWalletBalance: '1800' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }, { symbol: 'BTCUSDT_240628', positionAmt: '-1', entryPrice: '40200' }] },
    { balances: [{ asset: 'USDT', umWalletBalance: '900' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }, { symbol: 'BTCUSDT_240628', positionAmt: '-1', entryPrice: '40200' }] },
    { balances: [{ asset: 'BTC', crossMarginFree: '0.2' }, { asset: 'USDT', umWalletBalance: '-4000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '2', entryPrice: '40000' }] },
  ];
  it.each(docs.map((d, i) => [i, d] as const))('portfolio %i', (_, doc) => {
    const e = exact(rows, doc);
    const f = fast(rows, doc);
    expect(f.events.map((x) => renderEventRecord('p', x))).toEqual(e.events.map((x) => renderEventRecord('p', x)));
    expect(f.timeline.map((t) => [t.time, t.status, t.steps, t.worstTime])).toEqual(e.timeline.map((t) => [t.time, t.status, t.steps, t.worstTime]));
    f.timeline.forEach((t, i) => expect(Math.abs(t.uniMMR! - e.timeline[i]!.uniMMR!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(t.uniMMR!))));
    expect(Math.abs(f.minUniMMR!.toNumber() - e.minUniMMR!.toNumber())).toBeLessThanOrEqual(1e-9 * Math.max(1, e.minUniMMR!.abs().toNumber()));
    expect(f.kernelSteps).toBeGreaterThan(0);
  });
});
