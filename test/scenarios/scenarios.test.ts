import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import { SERIES_KIND_CODE, type SeriesKind, type SeriesTable } from '../../src/domain/series.js';
import { readSeriesArrow } from '../../src/io/arrow/series.js';
import { applyScenario, CRASH_PROFILES, findProfileBottom, parseContractSymbol, prepareScenario, SCENARIOS } from '../../src/scenarios/index.js';
import { everyMinute, HOUR, MINUTE, seriesOf, type SeriesRow } from '../helpers/series.js';

// Every scenario's defining property on a flat base market (constant prices, so every ratio of
// stressed to base is the scenario's own factor): how deep, how long, which series move.

const T0 = Date.UTC(2024, 0, 1);
const DAYS = 10;
const PRICES: Record<string, [SeriesKind, number]> = {
  BTC: ['index', 50_000], ETH: ['index', 3_000], SOL: ['index', 100], USDT: ['index', 1], USDC: ['index', 1],
  BTCUSDT: ['mark', 50_010], ETHUSDT: ['mark', 3_001], SOLUSDT: ['mark', 100.02], BTCUSDC: ['mark', 50_005],
  BTCUSD_PERP: ['mark', 50_020], BTCUSD_240628: ['mark', 51_000],
};
const FUNDED = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BTCUSD_PERP'];

function buildBase(): SeriesTable {
  const rows: SeriesRow[] = [];
  for (const [symbol, [kind, v]] of Object.entries(PRICES)) rows.push(...everyMinute(T0, DAYS * 1440, symbol, kind, () => v));
  for (let h = 0; h < DAYS * 24; h += 8) for (const s of FUNDED) rows.push([T0 + h * HOUR + 3, s, 'funding', 0.0001]);
  return seriesOf(rows);
}
const BASE = buildBase();

const ROW = new Map<string, number>();
for (let i = 0; i < BASE.times.length; i++) ROW.set(`${BASE.kinds[i]}:${BASE.symbols[BASE.symbolIds[i]!]}:${BASE.times[i]}`, i);

/** stressed / base for one series at one time (a row must exist there). */
function ratio(out: SeriesTable, symbol: string, kind: SeriesKind, time: number): number {
  const i = ROW.get(`${SERIES_KIND_CODE[kind]}:${symbol}:${time}`);
  if (i === undefined) throw new Error(`no ${kind} row for ${symbol} at ${new Date(time).toISOString()}`);
  return out.values[i]! / BASE.values[i]!;
}

/** Symbols whose rows of a kind changed anywhere. */
function movedSeries(out: SeriesTable, kind: SeriesKind): string[] {
  const moved = new Set<string>();
  for (let i = 0; i < BASE.values.length; i++) {
    if (BASE.kinds[i] === SERIES_KIND_CODE[kind] && Math.abs(out.values[i]! / BASE.values[i]! - 1) > 1e-12) moved.add(BASE.symbols[BASE.symbolIds[i]!]!);
  }
  return [...moved].sort();
}

/** The first and last time any row changed. */
function changedSpan(out: SeriesTable): [number, number] {
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < BASE.values.length; i++) {
    if (Math.abs(out.values[i]! / BASE.values[i]! - 1) > 1e-12) {
      first = Math.min(first, BASE.times[i]!);
      last = Math.max(last, BASE.times[i]!);
    }
  }
  return [first, last];
}

const AT = T0 + 36 * HOUR;
const iso = (t: number) => new Date(t).toISOString();

function expectInputError(f: () => unknown, path: string, source = /^scenario /): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const ie = e as InputError;
    expect(ie.path).toBe(path);
    expect(ie.source).toMatch(source);
    return ie;
  }
  throw new Error('expected an InputError');
}

describe('the transform every scenario shares', () => {
  it('keeps rows, times, symbols and kinds as they are', () => {
    const out = applyScenario(BASE, { name: 'instant-shock', params: { at: iso(AT) } });
    expect(out.times).toBe(BASE.times);
    expect(out.symbols).toBe(BASE.symbols);
    expect(out.kinds).toBe(BASE.kinds);
    expect(out.values.length).toBe(BASE.values.length);
  });
  it('splits contract symbols into base and quote', () => {
    expect(parseContractSymbol('BTCUSDT')).toMatchObject({ base: 'BTC', quote: 'USDT', perpetual: true });
    expect(parseContractSymbol('BTCUSDT_240628')).toMatchObject({ base: 'BTC', quote: 'USDT', perpetual: false });
    expect(parseContractSymbol('ETHUSD_PERP')).toMatchObject({ base: 'ETH', quote: 'USD', perpetual: true });
    expect(parseContractSymbol('BTCUSD_240628')).toMatchObject({ base: 'BTC', quote: 'USD', perpetual: false });
    expect(parseContractSymbol('1000PEPEUSDC')).toMatchObject({ base: '1000PEPE', quote: 'USDC' });
    expect(parseContractSymbol('NOQUOTE')).toBeUndefined();
  });
  it('lists every scenario with documented, defaulted parameters', () => {
    expect(Object.keys(SCENARIOS)).toEqual(['instant-shock', 'slow-bleed', 'stablecoin-depeg', 'funding-spike', 'basis-blowout', 'crash-2020-03-12', 'crash-2021-05-19', 'crash-2022-11']);
    for (const d of Object.values(SCENARIOS)) {
      expect(d.description.length).toBeGreaterThan(80);
      for (const p of d.params) expect(p.description.length, `${d.name}.${p.name}`).toBeGreaterThan(10);
      expect(d.params.some((p) => p.name === 'at')).toBe(true);
    }
  });
});

describe('instant-shock', () => {
  const out = applyScenario(BASE, { name: 'instant-shock', params: { asset: 'BTC', drop: '0.30', altBeta: '1.3', betas: 'SOL=2', at: iso(AT) } });
  it('drops BTC by 30 % between one minute and the next, and stays there', () => {
    expect(ratio(out, 'BTC', 'index', AT - MINUTE)).toBe(1);
    expect(ratio(out, 'BTC', 'index', AT)).toBeCloseTo(0.7, 12);
    expect(ratio(out, 'BTC', 'index', T0 + DAYS * 24 * HOUR - MINUTE)).toBeCloseTo(0.7, 12);
    expect(changedSpan(out)[0]).toBe(AT);
  });
  it('moves alts by beta × the drop, marks with their asset, and leaves stablecoins and funding', () => {
    expect(ratio(out, 'ETH', 'index', AT)).toBeCloseTo(1 - 1.3 * 0.3, 12);
    expect(ratio(out, 'SOL', 'index', AT)).toBeCloseTo(1 - 2 * 0.3, 12);
    expect(ratio(out, 'BTCUSDT', 'mark', AT)).toBeCloseTo(0.7, 12);
    expect(ratio(out, 'BTCUSD_PERP', 'mark', AT)).toBeCloseTo(0.7, 12);
    expect(ratio(out, 'ETHUSDT', 'mark', AT)).toBeCloseTo(0.61, 12);
    expect(movedSeries(out, 'index')).toEqual(['BTC', 'ETH', 'SOL']);
    expect(movedSeries(out, 'funding')).toEqual([]);
  });
  it('runs data/stress-tests.json’s own parameters', () => {
    const tests = JSON.parse(readFileSync(fileURLToPath(new URL('../../data/stress-tests.json', import.meta.url)), 'utf8')) as { tests: { scenario: { name: string; params: Record<string, unknown> } }[] };
    const shock = tests.tests.find((t) => t.scenario.name === 'instant-shock')!;
    const base = applyScenario(BASE, { name: 'instant-shock', params: { ...shock.scenario.params, at: iso(AT) } });
    expect(ratio(base, 'ETH', 'index', AT)).toBeCloseTo(0.61, 12);
  });
});

describe('slow-bleed', () => {
  const out = applyScenario(BASE, { name: 'slow-bleed', params: { drop: 0.4, durationHours: 24, altBeta: 1.2, at: iso(AT) } });
  it('loses 40 % over 24 hours at a steady pace, then holds', () => {
    expect(ratio(out, 'BTC', 'index', AT)).toBe(1);
    expect(ratio(out, 'BTC', 'index', AT + 12 * HOUR)).toBeCloseTo(Math.sqrt(0.6), 12);
    expect(ratio(out, 'BTC', 'index', AT + 24 * HOUR)).toBeCloseTo(0.6, 12);
    expect(ratio(out, 'BTC', 'index', AT + 48 * HOUR)).toBeCloseTo(0.6, 12);
    // no one-minute step larger than the steady rate
    for (let t = AT; t < AT + 24 * HOUR; t += 97 * MINUTE) {
      expect(Math.log(ratio(out, 'BTC', 'index', t + MINUTE) / ratio(out, 'BTC', 'index', t))).toBeCloseTo(Math.log(0.6) / 1440, 12);
    }
  });
  it('moves alts by beta and leaves stablecoins', () => {
    expect(ratio(out, 'ETH', 'index', AT + 24 * HOUR)).toBeCloseTo(1 - 1.2 * 0.4, 12);
    expect(movedSeries(out, 'index')).toEqual(['BTC', 'ETH', 'SOL']);
  });
});

describe('stablecoin-depeg', () => {
  const out = applyScenario(BASE, { name: 'stablecoin-depeg', params: { asset: 'USDT', to: '0.95', rampMinutes: 60, holdHours: 6, recoveryHours: 6, at: iso(AT) } });
  it('takes the USDT index to 0.95 over an hour, holds 6 h and returns over 6 h', () => {
    expect(ratio(out, 'USDT', 'index', AT)).toBe(1);
    expect(ratio(out, 'USDT', 'index', AT + 30 * MINUTE)).toBeCloseTo(0.975, 12);
    expect(ratio(out, 'USDT', 'index', AT + 60 * MINUTE)).toBeCloseTo(0.95, 12);
    expect(ratio(out, 'USDT', 'index', AT + 60 * MINUTE + 6 * HOUR - MINUTE)).toBeCloseTo(0.95, 12);
    expect(ratio(out, 'USDT', 'index', AT + 60 * MINUTE + 9 * HOUR)).toBeCloseTo(0.975, 12);
    expect(changedSpan(out)).toEqual([AT + MINUTE, AT + 60 * MINUTE + 12 * HOUR - MINUTE]);
  });
  it('raises USDT-quoted marks by 1/0.95 and leaves every other index, USDC and COIN-M', () => {
    expect(ratio(out, 'BTCUSDT', 'mark', AT + 2 * HOUR)).toBeCloseTo(1 / 0.95, 12);
    expect(movedSeries(out, 'index')).toEqual(['USDT']);
    expect(movedSeries(out, 'mark')).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    expect(movedSeries(out, 'funding')).toEqual([]);
  });
});

describe('funding-spike', () => {
  const out = applyScenario(BASE, { name: 'funding-spike', params: { rate: 0.002, durationHours: 16, symbols: 'BTCUSDT,BTCUSD_PERP', at: iso(T0 + 24 * HOUR) } });
  it('sets the funding of the chosen perpetuals to the rate for 16 hours (two funding times)', () => {
    for (const h of [24, 32]) expect(ratio(out, 'BTCUSDT', 'funding', T0 + h * HOUR + 3)).toBeCloseTo(20, 12);
    expect(ratio(out, 'BTCUSDT', 'funding', T0 + 16 * HOUR + 3)).toBe(1);
    expect(ratio(out, 'BTCUSDT', 'funding', T0 + 40 * HOUR + 3)).toBe(1);
    expect(movedSeries(out, 'funding')).toEqual(['BTCUSDT', 'BTCUSD_PERP']);
  });
  it('puts their marks at the matching premium for the window, the index unchanged', () => {
    expect(ratio(out, 'BTCUSDT', 'mark', T0 + 30 * HOUR)).toBeCloseTo(1.002, 12);
    expect(ratio(out, 'BTCUSDT', 'mark', T0 + 40 * HOUR)).toBe(1);
    expect(movedSeries(out, 'mark')).toEqual(['BTCUSDT', 'BTCUSD_PERP']);
    expect(movedSeries(out, 'index')).toEqual([]);
    const noPremium = applyScenario(BASE, { name: 'funding-spike', params: { premium: 0, at: iso(AT) } });
    expect(movedSeries(noPremium, 'mark')).toEqual([]);
    expect(movedSeries(noPremium, 'funding')).toEqual(FUNDED.slice().sort());
  });
});

describe('basis-blowout', () => {
  const out = applyScenario(BASE, { name: 'basis-blowout', params: { basis: -0.05, rampMinutes: 30, holdHours: 2, recoveryHours: 2, at: iso(AT) } });
  it('takes every mark 5 % under its level over 30 minutes, holds 2 h, returns over 2 h', () => {
    expect(ratio(out, 'BTCUSDT', 'mark', AT + 15 * MINUTE)).toBeCloseTo(0.975, 12);
    expect(ratio(out, 'BTCUSD_240628', 'mark', AT + HOUR)).toBeCloseTo(0.95, 12);
    expect(ratio(out, 'ETHUSDT', 'mark', AT + 150 * MINUTE - MINUTE)).toBeCloseTo(0.95, 12);
    expect(changedSpan(out)).toEqual([AT + MINUTE, AT + 270 * MINUTE - MINUTE]);
  });
  it('leaves index prices and funding alone', () => {
    expect(movedSeries(out, 'index')).toEqual([]);
    expect(movedSeries(out, 'funding')).toEqual([]);
    expect(movedSeries(out, 'mark')).toEqual(Object.keys(PRICES).filter((s) => PRICES[s]![0] === 'mark').sort());
    const one = applyScenario(BASE, { name: 'basis-blowout', params: { symbols: ['BTCUSDT'], at: iso(AT) } });
    expect(movedSeries(one, 'mark')).toEqual(['BTCUSDT']);
  });
});

describe.each(CRASH_PROFILES.map((p) => [p.name, p] as const))('%s', (name, profile) => {
  const out = applyScenario(BASE, { name, params: { at: iso(T0) } });
  const bottom = findProfileBottom(profile);
  const bottomTime = T0 + bottom.hours * HOUR;
  const endTime = T0 + profile.levels[profile.levels.length - 1]![0] * HOUR;
  it(`falls ${(bottom.ret * 100).toFixed(1)} % at hour ${bottom.hours} and ends at the profile's last level`, () => {
    expect(ratio(out, 'BTC', 'index', bottomTime)).toBeCloseTo(1 + bottom.ret, 12);
    let lowest = Infinity;
    let lowestAt = 0;
    for (let t = T0; t <= endTime; t += MINUTE) {
      const r = ratio(out, 'BTC', 'index', t);
      if (r < lowest) [lowest, lowestAt] = [r, t];
    }
    expect(lowestAt).toBe(bottomTime);
    const last = profile.levels[profile.levels.length - 1]![1] / profile.levels[0]![1];
    expect(ratio(out, 'BTC', 'index', endTime)).toBeCloseTo(last, 12);
    expect(ratio(out, 'BTC', 'index', endTime + 12 * HOUR)).toBeCloseTo(last, 12);
  });
  it('moves alts by their betas, marks with a discount at the bottom, and leaves stablecoins', () => {
    const sol = profile.betas.startsWith('SOL=') ? Number(profile.betas.slice(4)) : profile.altBeta;
    expect(ratio(out, 'ETH', 'index', bottomTime)).toBeCloseTo(1 + profile.altBeta * bottom.ret, 12);
    expect(ratio(out, 'SOL', 'index', bottomTime)).toBeCloseTo(1 + sol * bottom.ret, 12);
    expect(ratio(out, 'BTCUSDT', 'mark', bottomTime) / ratio(out, 'BTC', 'index', bottomTime)).toBeCloseTo(1 + profile.basisAtBottom, 12);
    expect(movedSeries(out, 'index')).toEqual(['BTC', 'ETH', 'SOL']);
    expect(movedSeries(out, 'funding')).toEqual([]);
  });
  it('scales in depth and time', () => {
    const deeper = applyScenario(BASE, { name, params: { at: iso(T0), scale: 1.2, timeScale: 2 } });
    expect(ratio(deeper, 'BTC', 'index', T0 + 2 * bottom.hours * HOUR)).toBeCloseTo(1 + 1.2 * bottom.ret, 12);
  });
});

describe('parameters', () => {
  it('rejects an unknown scenario, naming the choices', () => {
    const e = expectInputError(() => applyScenario(BASE, { name: 'meteor' }), 'name', /^scenario$/);
    expect(e.message).toContain('instant-shock');
  });
  it('rejects unknown and bad parameters, naming them', () => {
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { dorp: 0.3 } }), 'params.dorp');
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { drop: '1.2' } }), 'params.drop');
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { drop: 'a lot' } }), 'params.drop');
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { drop: 0.5, altBeta: 2.5 } }), 'params.altBeta');
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { asset: 'DOGE' } }), 'params.asset');
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { betas: 'SOL:2' } }), 'params.betas');
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { at: '2023-01-01T00:00:00Z' } }), 'params.at');
    expectInputError(() => applyScenario(BASE, { name: 'instant-shock', params: { at: 'tomorrow' } }), 'params.at');
    expectInputError(() => applyScenario(BASE, { name: 'funding-spike', params: { symbols: 'BTCUSD_240628' } }), 'params.symbols[0]');
    expectInputError(() => applyScenario(BASE, { name: 'stablecoin-depeg', params: { to: 0 } }), 'params.to');
    expectInputError(() => applyScenario(BASE, { name: 'crash-2020-03-12', params: { scale: 2 } }), 'params.scale');
    expectInputError(() => applyScenario(BASE, { name: 'crash-2022-11', params: { scale: 1.6 } }), 'params.betas.SOL');
  });
  it('starts by default in the middle of the history on a whole hour, earlier when the scenario needs room', () => {
    const last = T0 + DAYS * 24 * HOUR - MINUTE;
    expect(prepareScenario(BASE, { name: 'instant-shock' }).params.at).toBe(T0 + 5 * 24 * HOUR - HOUR);
    expect(prepareScenario(BASE, { name: 'crash-2022-11' }).params.at).toBe(Math.floor((last - 204 * HOUR) / HOUR) * HOUR);
  });
});

describe('data/stress-tests.json', () => {
  it('names scenarios of the library with parameters they accept, over the sample history', () => {
    const root = new URL('../../', import.meta.url);
    const doc = JSON.parse(readFileSync(fileURLToPath(new URL('data/stress-tests.json', root)), 'utf8')) as { version: number; tests: { name: string; prices: string; scenario: { name: string; params?: Record<string, unknown> } }[] };
    expect(doc.version).toBe(1);
    const sample = readSeriesArrow(readFileSync(fileURLToPath(new URL('data/sample/prices.arrow', root))), 'prices.arrow');
    for (const t of doc.tests) {
      expect(SCENARIOS[t.scenario.name], t.name).toBeDefined();
      const out = applyScenario(sample, t.scenario);
      expect(out.values.length, t.name).toBe(sample.values.length);
    }
  });
});
