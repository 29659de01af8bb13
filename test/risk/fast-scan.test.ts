import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { MarketSnapshot, Portfolio, Rules } from '../../src/domain/types.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { findSnapshotAssets } from '../../src/risk/assets.js';
import { calculateRiskDistances, DEFAULT_RISK_OPTIONS, findRiskShocks, RISK_TARGETS, type RiskDirection, type RiskOptions } from '../../src/risk/distances.js';
import { createRiskKernel, UNDECIDED } from '../../src/risk/kernel.js';
import { renderRiskJson } from '../../src/risk/render.js';
import { findContractUnderlyings, makeAllFamily, makeLeaderFamily, makeSingleFamily } from '../../src/risk/shock.js';
import { flatUm, loadDefaultRules, makeRules } from '../helpers/rules.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';

// The fast scan (src/risk/kernel.ts, scan.ts, docs/risk.md "How it is found"): the kernel scans
// (runs of quiet grid points as one span) and narrows each bracket, the exact engine decides what
// the kernel cannot; the document's numbers are the kernel's where its proven bound fixes every
// printed digit. Its report must be the exact scan's, crossing for crossing and digit for digit;
// only `search` (which engine, how many evaluations) may differ. With `confirm` the exact engine
// checks every side and number the kernel gave: `unconfirmed` must stay 0.

const runs = Math.max(10, Math.floor(Number(process.env.PMBT_PROPERTY_RUNS ?? 200) / 8));
const seed = Number(process.env.PMBT_SEED ?? 20261202);

function compareEngines(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, options: RiskOptions): number {
  const fast = calculateRiskDistances(portfolio, market, rules, { ...options, engine: 'fast' });
  const confirmed = calculateRiskDistances(portfolio, market, rules, { ...options, engine: 'fast', confirm: true });
  const exact = calculateRiskDistances(portfolio, market, rules, { ...options, engine: 'exact' });
  expect(fast.engine).toBe('fast');
  expect(exact.engine).toBe('exact');
  expect(fast.unconfirmed).toBe(0);
  // Every side and printed number the kernel gave, checked by the exact engine: none wrong.
  expect(confirmed.unconfirmed).toBe(0);
  const { search: fastSearch, ...fastDoc } = renderRiskJson(fast);
  const { search: confirmedSearch, ...confirmedDoc } = renderRiskJson(confirmed);
  const { search: exactSearch, ...exactDoc } = renderRiskJson(exact);
  expect(fastDoc).toEqual(exactDoc);
  expect(confirmedDoc).toEqual(exactDoc);
  expect(fastSearch).toMatchObject({ engine: 'fast', unconfirmed: 0 });
  expect(confirmedSearch).toMatchObject({ engine: 'fast', unconfirmed: 0 });
  expect(exactSearch).toMatchObject({ engine: 'exact', kernelEvaluations: 0 });
  // The shocks alone (a job's start distance) are the document's.
  const shocks = findRiskShocks(portfolio, market, rules, { ...options, engine: 'fast' });
  expect(shocks.families.map((f) => [f.family.name, f.down, f.up])).toEqual(exact.families.map((f) => [f.family.name, unitsOf(f.down), unitsOf(f.up)]));
  return exact.families.reduce((n, f) => n + [f.down, f.up].reduce((m, d) => m + Object.values(d.targets).filter((c) => c !== undefined).length, 0), 0);
}

const unitsOf = (d: RiskDirection) => Object.fromEntries(RISK_TARGETS.map((t) => [t, d.targets[t]?.units]));

const amount = (max: number) => fc.integer({ min: -max * 100, max: max * 100 }).map((n) => (n / 100).toString());
const family = fc.constantFrom<RiskOptions['families'][number]>('all', 'leader', 'single', 'depeg');
const balance = (asset: string, x: string) => ({
  asset, crossMarginFree: Number(x) >= 0 ? x : '0', crossMarginBorrowed: Number(x) < 0 ? String(-Number(x)) : '0', marginLeverage: 3,
});

describe('the fast scan returns the exact scan\'s report', async () => {
  // The default rules: Binance's bracket tables and tiered collateral; mode PM with open orders,
  // whose marginal collateral rate jumps at a tier edge (where uniMMR need not be monotone).
  const rules = await loadDefaultRules();
  const market = marketOf({ USDT: '1', USDC: '1', BTC: '40000', ETH: '2000' }, { BTCUSDT: '40000', ETHUSDT: '2000', BTCUSD_PERP: '40100', ETHUSD_PERP: '1990' });
  const book = fc.record({
    mode: fc.constantFrom('PM', 'PM_PRO'),
    usdt: fc.integer({ min: 0, max: 300000 }), usdc: fc.integer({ min: 0, max: 50000 }),
    btc: amount(4), eth: amount(60),
    btcUm: amount(8), ethUm: amount(90), btcCm: fc.integer({ min: -4000, max: 4000 }), ethCm: fc.integer({ min: -8000, max: 8000 }),
    orderQty: fc.integer({ min: 0, max: 4000 }).map((n) => n / 100), orderSide: fc.constantFrom('BUY', 'SELL'), orderPrice: fc.integer({ min: 1500, max: 2500 }),
    family, grid: fc.constantFrom(9, 21, 41),
  });

  it('random PM and PM Pro books (brackets, tiers, loans, open orders), each family', () => {
    let crossings = 0;
    fc.assert(fc.property(book, (b) => {
      const portfolio = portfolioOf({
        mode: b.mode,
        balances: [{ asset: 'USDT', umWalletBalance: String(b.usdt) }, { asset: 'USDC', crossMarginFree: String(b.usdc) }, balance('BTC', b.btc), balance('ETH', b.eth)],
        umPositions: [{ symbol: 'BTCUSDT', positionAmt: b.btcUm, entryPrice: '39000' }, { symbol: 'ETHUSDT', positionAmt: b.ethUm, entryPrice: '2100' }].filter((p) => Number(p.positionAmt) !== 0),
        cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: String(b.btcCm), entryPrice: '41000' }, { symbol: 'ETHUSD_PERP', positionAmt: String(b.ethCm), entryPrice: '1950' }].filter((p) => Number(p.positionAmt) !== 0),
        marginOpenOrders: b.orderQty > 0 ? [{ symbol: 'ETHUSDT', side: b.orderSide, price: String(b.orderPrice), origQty: String(b.orderQty) }] : [],
      }, rules);
      crossings += compareEngines(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, families: [b.family], betas: new Map([['ETH', new Dec('1.3')]]), rangePct: 80, gridPoints: b.grid });
    }), { numRuns: runs, seed });
    // The generator must produce crossings for the comparison to mean anything.
    expect(crossings).toBeGreaterThan(runs);
  });

  it('the default search (four families, 81 points over ±50 %) on random books, with the snapshot\'s asset list', () => {
    // Wider books than above: every balance may be empty, a loan, or a futures wallet; any of the
    // four legs; the default options, as `pmbt risk` and bench/risk.mjs run them.
    const wide = fc.record({
      mode: fc.constantFrom('PM', 'PM_PRO'),
      usdt: amount(200000), usdc: amount(30000), btc: amount(3), eth: amount(40), btcWallet: amount(2),
      btcUm: amount(6), ethUm: amount(70), btcCm: fc.integer({ min: -3000, max: 3000 }), ethCm: fc.integer({ min: -6000, max: 6000 }),
      orderQty: fc.integer({ min: 0, max: 3000 }).map((n) => n / 100), orderSide: fc.constantFrom('BUY', 'SELL'),
    });
    let crossings = 0;
    fc.assert(fc.property(wide, (b) => {
      const portfolio = portfolioOf({
        mode: b.mode,
        balances: [balance('USDT', b.usdt), { asset: 'USDC', umWalletBalance: b.usdc }, balance('BTC', b.btc), { asset: 'BTC', cmWalletBalance: b.btcWallet }, balance('ETH', b.eth)]
          .filter((x, i, all) => all.findIndex((y) => y.asset === x.asset) === i),
        umPositions: [{ symbol: 'BTCUSDT', positionAmt: b.btcUm, entryPrice: '39000' }, { symbol: 'ETHUSDT', positionAmt: b.ethUm, entryPrice: '2100' }].filter((p) => Number(p.positionAmt) !== 0),
        cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: String(b.btcCm), entryPrice: '41000' }, { symbol: 'ETHUSD_PERP', positionAmt: String(b.ethCm), entryPrice: '1950' }].filter((p) => Number(p.positionAmt) !== 0),
        marginOpenOrders: b.orderQty > 0 ? [{ symbol: 'ETHUSDT', side: b.orderSide, price: '2000', origQty: String(b.orderQty) }] : [],
      }, rules);
      // The assets the search reads are the exact snapshot's, in its order.
      expect(findSnapshotAssets(portfolio, rules)).toEqual(calculateAccountSnapshot(portfolio, market, rules).assets.map((a) => a.asset));
      crossings += compareEngines(portfolio, market, rules, DEFAULT_RISK_OPTIONS);
    }), { numRuns: runs, seed: seed + 1 });
    expect(crossings).toBeGreaterThan(runs);
  });

  it('hedged books on a steep CM bracket, where uniMMR falls, rises and falls again (docs/risk.md)', () => {
    // As distances.test.ts's hedged book: a short UM leg against a long CM leg whose bracket jumps
    // from 0.5 % to 10 % at 1.2 BTC of coin notional, which it climbs as BTC falls.
    const steep = makeRules({
      collateral: { USDT: '1', BTC: '0.95' },
      umBrackets: { BTCUSDT: flatUm('0.005') },
      cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [
        { bracket: 1, qtyFloor: 0, qtyCap: '1.2', maintMarginRatio: '0.005' },
        { bracket: 2, qtyFloor: '1.2', qtyCap: 1e12, maintMarginRatio: '0.1' },
      ] } },
    });
    const hedged = fc.record({ usdt: fc.integer({ min: 100, max: 3000 }), btcUm: fc.integer({ min: 50, max: 200 }).map((n) => n / 100), cm: fc.integer({ min: 200, max: 800 }), grid: fc.constantFrom(9, 41, 81) });
    const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000', BTCUSD_PERP: '40000' });
    let crossings = 0;
    fc.assert(fc.property(hedged, (h) => {
      const portfolio = portfolioOf({
        mode: 'PM_PRO',
        balances: [{ asset: 'USDT', umWalletBalance: String(h.usdt) }, { asset: 'BTC', cmWalletBalance: '0' }],
        umPositions: [{ symbol: 'BTCUSDT', positionAmt: String(-h.btcUm), entryPrice: '40000' }],
        cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: String(h.cm), entryPrice: '40000' }],
      }, steep);
      crossings += compareEngines(portfolio, market, steep, { ...DEFAULT_RISK_OPTIONS, families: ['single', 'all'], gridPoints: h.grid });
    }), { numRuns: runs, seed });
    expect(crossings).toBeGreaterThan(runs);
  });
});

describe('what the kernel leaves to the exact engine', async () => {
  const rules = makeRules({ collateral: { USDT: '1', BTC: '0.95' }, umBrackets: { BTCUSDT: flatUm('0.005') } });
  // USDT 1,000, long 1 BTCUSDT @ 40,000: equity 1,000 + 40,000s, MM 200(1 + s): uniMMR = 1.5 at
  // 1,000 + 40,000s = 300 + 300s ⇔ s = −700 / 39,700 = −0.0176322…
  const portfolio = portfolioOf({ mode: 'PM_PRO', balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rules);
  const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000' });
  const kernel = createRiskKernel(portfolio, market, rules, findContractUnderlyings(portfolio, rules));
  kernel.selectFamily(makeAllFamily());
  const crossing = new Dec(-700).div(39700).times(1e10).floor().toNumber();
  const ethRules = makeRules({ collateral: { USDT: '1', ETH: '0.95' } });
  const ethMarket = marketOf({ USDT: '1', BTC: '40000', ETH: '2000' });

  it('decides a shock clear of every line, and hands one at a threshold back', () => {
    // At −1 %: uniMMR = 600 / 198 = 3.03: above 1.5, no target reached.
    expect(kernel.sidesAt(-1e8, false)).toBe(0);
    // At −10 %: equity −3,000: past every target (bits 0–3).
    expect(kernel.sidesAt(-1e9, false)).toBe(0b1111);
    // At the first unit past the margin-call line uniMMR is below 1.5 by less than
    // d uniMMR/ds × 1e-10 ≈ (40,000·300 − 700·200)/(200·0.98)²·1e-10 ≈ 3e-8: within the replay's
    // band (≈ 1e-9 × the magnitudes 41,000 / the margin 196 ≈ 2e-7), so the exact engine decides;
    // the proven bound (k·ε × the same ≈ 1e-12) is far smaller, so the kernel decides, as the exact
    // engine: past at the crossing, not one unit before.
    expect(kernel.sidesAt(crossing, false)).toBe(UNDECIDED);
    expect(kernel.sidesAt(crossing + 1, false)).toBe(UNDECIDED);
    expect(kernel.sidesAt(crossing, true)).toBe(0b0001);
    expect(kernel.sidesAt(crossing + 1, true)).toBe(0);
    // 1e-6 of a shock away (1e4 units) uniMMR moves by ≈ 3e-4: clear of the replay's band too.
    expect(kernel.sidesAt(crossing + 10000, false)).toBe(0);
  });

  it('kernels that take turns share the price matrices without reading each other\'s prices', () => {
    // The kernel writes an unmoved series' row once per family, and a moved one column by column
    // as its scan reaches them (src/risk/kernel.ts): another kernel writing between two of its scans
    // must not leave it reading that kernel's prices. A: BTC alone moves; B: ETH alone, so B writes
    // BTC's rows as unmoved, at the base price.
    const bothRules = makeRules({ collateral: { USDT: '1', BTC: '0.95', ETH: '0.95' }, umBrackets: { BTCUSDT: flatUm('0.005') } });
    const both = portfolioOf({ mode: 'PM_PRO', balances: [{ asset: 'USDT', umWalletBalance: '1000' }, { asset: 'ETH', crossMarginFree: '1' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, bothRules);
    const bothMarket = marketOf({ USDT: '1', BTC: '40000', ETH: '2000' }, { BTCUSDT: '40000' });
    const contracts = findContractUnderlyings(both, bothRules);
    // With ETH's 1,900 of collateral, uniMMR = (2,900 + 40,000s) / (200(1 + s)) reaches 1.5 at
    // s = −2,600 / 39,700 = −6.55 %: on the grid 0, −0.25 %, …, −10 %, between points 26 and 27.
    const points = Array.from({ length: 41 }, (_, i) => -i * 2.5e7);
    const btcKernel = () => {
      const k = createRiskKernel(both, bothMarket, bothRules, contracts);
      k.selectFamily(makeSingleFamily('BTC'));
      return k;
    };
    const froms = [0, 3, 0, 20, 0];
    // Each answer from a kernel of its own, which has evaluated nothing else: the stop, the sides
    // just before it and at it, and uniMMR there. At −6.5 %, uniMMR = 300 / 187 = 1.60, which ETH
    // shocked by B (−30 %: 570 less collateral) would take past every line.
    const sidesOf = (units: number) => {
      const k = btcKernel();
      return [k.sidesAt(units, true), k.last.uniMMR];
    };
    const expected = froms.map((from) => {
      const stop = btcKernel().findFirstStop(points, from, 0);
      return [stop, sidesOf(points[stop]!), sidesOf(points[stop - 1]!), sidesOf(points[stop]!)];
    });
    // The same questions in turn to one kernel: the sides at the stop right after the scan (which
    // the kernel reads from the span's own evaluation, src/risk/kernel.ts); after a second scan,
    // before the stop, then at it; `between` runs another kernel's evaluations after each step.
    const scans = (k: ReturnType<typeof createRiskKernel>, between: () => void) => froms.map((from) => {
      between();
      const stop = k.findFirstStop(points, from, 0);
      const sides = (units: number) => {
        const s = k.sidesAt(units, true);
        between();
        return [s, k.last.uniMMR];
      };
      const atStop = sides(points[stop]!);
      // Scanned again, then asked before the stop first: the stop's numbers are gone by then.
      k.findFirstStop(points, from, 0);
      return [stop, atStop, sides(points[stop - 1]!), sides(points[stop]!)];
    });
    expect(scans(btcKernel(), () => undefined)).toEqual(expected);
    // The first scan stops at the crossing's grid point (or the band's, just before it).
    expect(expected[0]![0]).toBeGreaterThanOrEqual(25);
    expect(expected[0]![0]).toBeLessThanOrEqual(27);
    // A scan that does not stop keeps the last stop's numbers but not its magnitude sums: the stop's
    // point asked for after it is evaluated afresh, with its own error bound.
    const k = btcKernel();
    const stop = k.findFirstStop(points, 0, 0);
    expect(k.findFirstStop(points.slice(0, 20), 0, 0)).toBe(20);
    k.sidesAt(points[stop]!, true);
    const fresh = btcKernel();
    fresh.sidesAt(points[stop]!, true);
    expect(k.last).toEqual(fresh.last);
    const a = createRiskKernel(both, bothMarket, bothRules, contracts);
    a.selectFamily(makeSingleFamily('BTC'));
    const b = createRiskKernel(both, bothMarket, bothRules, contracts);
    b.selectFamily(makeSingleFamily('ETH'));
    // B's scans reach fewer columns than A's: A's later columns keep A's stamp, not A's prices.
    expect(scans(a, () => b.findFirstStop(points.slice(0, 5), 0, 0))).toEqual(expected);
    // A family selected again after the other kernel's turn: the same answers.
    b.selectFamily(makeAllFamily());
    a.selectFamily(makeSingleFamily('ETH'));
    b.findFirstStop(points, 0, 0);
    a.selectFamily(makeSingleFamily('BTC'));
    expect(scans(a, () => b.sidesAt(-3e9, true))).toEqual(expected);
  });

  it('a portfolio the kernel refuses is scanned by the exact engine, and the document says why', () => {
    const huge = portfolioOf({ mode: 'PM_PRO', balances: [{ asset: 'USDT', umWalletBalance: '1000000000000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] }, rules);
    const r = calculateRiskDistances(huge, market, rules, { ...DEFAULT_RISK_OPTIONS, families: ['all'] });
    expect(r.engine).toBe('exact');
    expect(r.kernelEvaluations).toBe(0);
    expect(renderRiskJson(r)).toMatchObject({ search: { engine: 'exact', kernelRefusal: expect.stringMatching(/an amount of 1000000000000 or more/) } });
  });

  it('near a zero price: a factor 1 + c·s exact in float (c = 1) is the kernel\'s, one whose rounding dominates (β = 1.3) the exact engine\'s', () => {
    kernel.selectFamily(makeSingleFamily('BTC'));
    // −99.99999999 %: (1e10 + u) / 1e10 with u = −(1e10 − 1) is 1 / 1e10, one rounding: decided.
    expect(kernel.sidesAt(-(1e10 - 1), false)).not.toBe(UNDECIDED);
    const withEth = portfolioOf({ mode: 'PM_PRO', balances: [{ asset: 'USDT', umWalletBalance: '1000' }, { asset: 'ETH', crossMarginFree: '1' }] }, ethRules);
    const k2 = createRiskKernel(withEth, ethMarket, ethRules, new Map());
    k2.selectFamily(makeLeaderFamily('BTC', new Map([['ETH', new Dec('1.3')]])));
    // ETH's factor 1 + 1.3s reaches 0 at s = −1/1.3: one unit short of it, c·u (≈ −1e10) carries a
    // rounding of ~1e-6 against a numerator of ~1: the price is not known to 1e-9, so exact.
    const limit = -Math.floor(1e10 / 1.3);
    expect(k2.sidesAt(limit, false)).toBe(UNDECIDED);
    // At −10 % the same rounding is ~1e-16 of the factor: decided (USDT 1,000 and 1 ETH, no margin).
    expect(k2.sidesAt(-1e9, false)).toBe(0);
    // Past it (−90 %: ETH's factor −0.17, a negative price) the kernel's magnitude bounds, which take
    // prices as positive, no longer hold: the exact engine's, however small the rounding.
    expect(k2.sidesAt(-9e9, true)).toBe(UNDECIDED);
  });
});
