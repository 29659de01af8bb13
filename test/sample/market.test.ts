import { describe, expect, it } from 'vitest';
import { SERIES_KIND_CODE } from '../../src/domain/series.js';
import { readSeriesArrow, writeSeriesArrow } from '../../src/io/arrow/series.js';
import { findSampleCrashTimes, generateSampleMarket } from '../../src/sample/market.js';
import { DEFAULT_SAMPLE_MARKET_OPTIONS, MINUTE_MS, SAMPLE_QUARTERLY_EXPIRY, SAMPLE_START } from '../../src/sample/market-options.js';
import { findFirstMarketSnapshot, findMarketSnapshotAt } from '../../src/sample/snapshot.js';
import { calculateAutocorrelation, calculateCorrelation, calculateLogReturns, isSameArray, readSeries } from './series-helpers.js';

const market = generateSampleMarket();
const crash = findSampleCrashTimes()!;
const minuteOf = (time: number) => (time - SAMPLE_START) / MINUTE_MS;
const PERPETUALS = DEFAULT_SAMPLE_MARKET_OPTIONS.contracts.filter((c) => c.expiry === undefined).map((c) => c.symbol);
const DAY_MS = 86_400_000;

describe('sample market: shape of the table', () => {
  it('has 15 days of 1-minute rows for 6 indexes and 12 marks, plus funding', () => {
    expect(market.symbols).toEqual(['BTC', 'ETH', 'BNB', 'SOL', 'USDT', 'USDC', 'BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'BTCUSDC', 'ETHUSDC', 'BTCUSDT_240628', 'BTCUSD_PERP', 'ETHUSD_PERP', 'BNBUSD_PERP', 'SOLUSD_PERP', 'BTCUSD_240628']);
    const steps = 15 * 1440;
    expect(steps).toBe(21_600);
    expect(market.times.length).toBe(steps * 18 + PERPETUALS.length * 44);
    expect(market.times[0]).toBe(Date.UTC(2024, 2, 1));
    expect(readSeries(market, 'BTC', 'index').times.at(-1)).toBe(Date.UTC(2024, 2, 15, 23, 59));
  });

  it('is sorted by time, then kind (index, mark, funding), then symbol order', () => {
    let firstOutOfOrder = -1;
    for (let i = 1; i < market.times.length && firstOutOfOrder < 0; i++) {
      const dt = market.times[i]! - market.times[i - 1]!;
      const order = dt || (market.kinds[i]! - market.kinds[i - 1]!) || (market.symbolIds[i]! - market.symbolIds[i - 1]!);
      if (order <= 0) firstOutOfOrder = i;
    }
    expect(firstOutOfOrder).toBe(-1);
  });

  it('is deterministic from the seed; another seed gives another market', () => {
    const a = generateSampleMarket({ days: 1 });
    const b = generateSampleMarket({ days: 1 });
    expect(isSameArray(b.values, a.values)).toBe(true);
    expect(isSameArray(b.times, a.times)).toBe(true);
    expect(isSameArray(b.symbolIds, a.symbolIds)).toBe(true);
    expect(isSameArray(b.kinds, a.kinds)).toBe(true);
    const other = generateSampleMarket({ days: 1, seed: 7 });
    expect(other.times.length).toBe(a.times.length);
    expect(isSameArray(other.values, a.values)).toBe(false);
    // Funding jitter is drawn too.
    expect(isSameArray(other.times, a.times)).toBe(false);
    // The first day of a longer market is the same market: every series draws from its own stream.
    expect(isSameArray(market.values.subarray(0, 1000), a.values.subarray(0, 1000))).toBe(true);
  });

  it('survives the Arrow round trip exactly', () => {
    const a = generateSampleMarket({ days: 1 });
    const back = readSeriesArrow(writeSeriesArrow(a), 'sample');
    expect(isSameArray(back.times, a.times)).toBe(true);
    expect(isSameArray(back.values, a.values)).toBe(true);
    expect(isSameArray(back.kinds, a.kinds)).toBe(true);
    expect(Array.from(back.symbolIds, (id) => back.symbols[id])).toEqual(Array.from(a.symbolIds, (id) => a.symbols[id]));
  });

  it('has positive prices everywhere and 8-decimal values', () => {
    let nonPositive = 0;
    let offGrid = 0;
    for (let i = 0; i < market.values.length; i++) {
      const v = market.values[i]!;
      if (market.kinds[i] !== SERIES_KIND_CODE.funding && !(v > 0)) nonPositive++;
      if (Math.abs(v * 1e8 - Math.round(v * 1e8)) > 1e-3 * Math.max(1, Math.abs(v))) offGrid++;
    }
    expect(nonPositive).toBe(0);
    expect(offGrid).toBe(0);
  });
});

describe('sample market: the crash', () => {
  const btc = readSeries(market, 'BTC', 'index').values;
  const c0 = minuteOf(crash.start);
  const c1 = minuteOf(crash.bottom);

  it('happens on day 9 from 14:00 to 17:00 UTC', () => {
    expect(new Date(crash.start).toISOString()).toBe('2024-03-10T14:00:00.000Z');
    expect(new Date(crash.bottom).toISOString()).toBe('2024-03-10T17:00:00.000Z');
    expect(new Date(crash.reboundEnd).toISOString()).toBe('2024-03-11T17:00:00.000Z');
  });

  it('takes BTC down exactly 28 % from start to bottom, alts deeper by their beta', () => {
    expect(btc[c1]! / btc[c0]!).toBeCloseTo(0.72, 6);
    const betas = Object.fromEntries(DEFAULT_SAMPLE_MARKET_OPTIONS.assets.map((a) => [a.asset, a.beta]));
    for (const asset of ['ETH', 'BNB', 'SOL']) {
      const p = readSeries(market, asset, 'index').values;
      expect(p[c1]! / p[c0]!).toBeCloseTo(0.72 ** betas[asset]!, 6);
      expect(p[c1]! / p[c0]!).toBeLessThan(0.71);
    }
  });

  it('holds the documented depth for other seeds too, with the trough inside the window', () => {
    for (const seed of [1, 2, 3]) {
      const p = readSeries(generateSampleMarket({ seed }), 'BTC', 'index').values;
      expect(p[c1]! / p[c0]!).toBeCloseTo(0.72, 6);
      const trough = Math.min(...p.slice(c0, c1 + 1));
      expect(trough / p[c0]!).toBeGreaterThan(0.68);
      expect(trough / p[c0]!).toBeLessThanOrEqual(0.72 + 1e-9);
    }
  });

  it('is the only fall of its size: no other 3-hour window loses more than 12 %', () => {
    let worst = 1;
    for (let t = 180; t < btc.length; t++) {
      const inCrash = t > c0 && t - 180 < c1;
      if (!inCrash) worst = Math.min(worst, btc[t]! / btc[t - 180]!);
    }
    expect(worst).toBeGreaterThan(0.88);
  });

  it('rebounds partly within a day', () => {
    const r1 = minuteOf(crash.reboundEnd);
    expect(btc[r1]! / btc[c1]!).toBeGreaterThan(1.03);
    expect(btc[r1]!).toBeLessThan(btc[c0]!);
  });

  it('has vol spiking around it', () => {
    const rv = (from: number, to: number) => {
      const r = calculateLogReturns(btc.slice(from, to));
      return Math.sqrt(r.reduce((s, x) => s + x * x, 0) / r.length);
    };
    // Realized vol of the day after the bottom against a calm day before the crash.
    expect(rv(c1, c1 + 1440)).toBeGreaterThan(1.5 * rv(c0 - 3 * 1440, c0 - 2 * 1440));
  });
});

describe('sample market: stablecoins, correlation, clustering', () => {
  it('keeps USDT and USDC within half a percent of 1, USDT wobbling in the crash', () => {
    for (const asset of ['USDT', 'USDC']) {
      const worst = Math.max(...readSeries(market, asset, 'index').values.map((v) => Math.abs(v - 1)));
      expect(worst).toBeLessThan(0.005);
    }
    const usdt = readSeries(market, 'USDT', 'index').values;
    expect(Math.max(...usdt.slice(minuteOf(crash.start), minuteOf(crash.bottom) + 60))).toBeGreaterThan(1.001);
  });

  it('moves the assets together through a common factor', () => {
    const btc = calculateLogReturns(readSeries(market, 'BTC', 'index').values.slice(0, 10_000));
    for (const asset of ['ETH', 'BNB', 'SOL']) {
      const r = calculateLogReturns(readSeries(market, asset, 'index').values.slice(0, 10_000));
      expect(calculateCorrelation(btc, r)).toBeGreaterThan(0.6);
    }
  });

  it('clusters volatility (GARCH): squared returns are autocorrelated even without the crash', () => {
    const calm = generateSampleMarket({ crash: { enabled: false } });
    const r = calculateLogReturns(readSeries(calm, 'BTC', 'index').values);
    const squares = r.map((x) => x * x);
    const acf = [1, 2, 5, 10].map((lag) => calculateAutocorrelation(squares, lag));
    for (const a of acf) expect(a).toBeGreaterThan(0.05);
    // Returns themselves are not autocorrelated: clustering is in the size, not the sign.
    expect(Math.abs(calculateAutocorrelation(r, 1))).toBeLessThan(0.05);
  });
});

describe('sample market: basis and funding', () => {
  const basisOf = (symbol: string) => {
    const contract = DEFAULT_SAMPLE_MARKET_OPTIONS.contracts.find((c) => c.symbol === symbol)!;
    const mark = readSeries(market, symbol, 'mark').values;
    const index = readSeries(market, contract.asset, 'index').values;
    const quote = contract.quote === 'USD' ? undefined : readSeries(market, contract.quote, 'index').values;
    return mark.map((m, t) => (m * (quote?.[t] ?? 1)) / index[t]! - 1);
  };

  it('keeps every perpetual within ±1 % of its index, at a discount after the crash', () => {
    for (const symbol of PERPETUALS) {
      const b = basisOf(symbol);
      expect(Math.max(...b.map(Math.abs))).toBeLessThan(0.01 + 1e-6);
      expect(b[minuteOf(crash.bottom)]!).toBeLessThan(0);
    }
  });

  it('prices the quarterlies at a term premium that the crash compresses', () => {
    for (const symbol of ['BTCUSDT_240628', 'BTCUSD_240628']) {
      const b = basisOf(symbol);
      const yearsLeft = (SAMPLE_QUARTERLY_EXPIRY - SAMPLE_START) / (365 * DAY_MS);
      expect(b[0]!).toBeGreaterThan(0.1 * yearsLeft);
      expect(b[0]!).toBeLessThan(0.3 * yearsLeft + 0.01);
      expect(b[minuteOf(crash.bottom)]!).toBeLessThan(b[minuteOf(crash.start)]! - 0.01);
      expect(Math.min(...b)).toBeGreaterThan(0.07 * 0.2 - 0.01);
    }
  });

  it('pays funding on every perpetual every 8 h at 00/08/16 UTC, a few ms late', () => {
    for (const symbol of PERPETUALS) {
      const { times, values } = readSeries(market, symbol, 'funding');
      expect(times.length).toBe(44);
      times.forEach((t, i) => {
        const jitter = t % 1000;
        expect(jitter).toBeGreaterThanOrEqual(0);
        expect(jitter).toBeLessThanOrEqual(DEFAULT_SAMPLE_MARKET_OPTIONS.funding.jitterMaxMs);
        expect(t - jitter).toBe(SAMPLE_START + (i + 1) * 8 * 3_600_000);
        expect([0, 8, 16]).toContain(new Date(t).getUTCHours());
      });
      for (const v of values) expect(Math.abs(v)).toBeLessThanOrEqual(0.0075);
    }
    const jitters = PERPETUALS.flatMap((s) => readSeries(market, s, 'funding').times.map((t) => t % 1000));
    expect(new Set(jitters).size).toBeGreaterThan(3);
    expect(readSeries(market, 'BTCUSDT_240628', 'funding').times).toEqual([]);
  });

  it('has funding follow the market: positive in the rally, negative after the crash', () => {
    for (const symbol of PERPETUALS) {
      const { times, values } = readSeries(market, symbol, 'funding');
      const before = values.filter((_, i) => times[i]! < crash.start);
      const after = values.filter((_, i) => times[i]! > crash.bottom);
      expect(before.reduce((s, v) => s + v, 0) / before.length).toBeGreaterThan(0.00005);
      expect(after[0]!).toBeLessThan(0);
      expect(after.reduce((s, v) => s + v, 0) / after.length).toBeLessThan(0);
    }
  });
});

describe('sample market: snapshots', () => {
  it('gives the first minute and any later time as a market snapshot', () => {
    const first = findFirstMarketSnapshot(market);
    expect(first.indexPrices.get('BTC')!.toNumber()).toBe(61000);
    expect(first.indexPrices.size).toBe(6);
    expect(first.markPrices.size).toBe(12);
    const bottom = findMarketSnapshotAt(market, crash.bottom + 30_000);
    expect(bottom.indexPrices.get('BTC')!.toNumber()).toBe(readSeries(market, 'BTC', 'index').values[minuteOf(crash.bottom)]);
  });
});
