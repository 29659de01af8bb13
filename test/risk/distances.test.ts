import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { MarketSnapshot, Portfolio, Rules } from '../../src/domain/types.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { parseMarketSnapshot } from '../../src/io/json/market.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import {
  calculateRiskDistances, DEFAULT_RISK_OPTIONS, isBeyond, RISK_TARGETS, type RiskEvaluation, type RiskFamilyResult, type RiskOptions, type RiskReport, type RiskTarget,
} from '../../src/risk/distances.js';
import { renderRiskJson } from '../../src/risk/render.js';
import { applyShock, findContractUnderlyings, shockOfUnits, type ShockFamily } from '../../src/risk/shock.js';
import { flatUm, loadDefaultRules, makeRules } from '../helpers/rules.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';
import { ROOT } from '../helpers/pmbt.js';

// src/risk/: distance to each threshold (docs/risk.md). Every check re-evaluates the reported
// shock with the exact engine itself (calculateAccountSnapshot at a market built here), so the
// search is checked against the engine, not against its own bookkeeping.

const runs = Math.max(10, Math.floor(Number(process.env.PMBT_PROPERTY_RUNS ?? 200) / 8));
const seed = Number(process.env.PMBT_SEED ?? 20261202);

/** The tolerance of the done-when: |uniMMR − threshold| ≤ 1e-6, absolute (thresholds are ≈ 1). */
const UNIMMR_TOLERANCE = new Dec('1e-6');

function evaluateAt(portfolio: Portfolio, market: MarketSnapshot, rules: Rules, family: ShockFamily, units: number): RiskEvaluation {
  const s = calculateAccountSnapshot(portfolio, applyShock(market, family, findContractUnderlyings(portfolio, rules), shockOfUnits(units)), rules);
  return { units, uniMMR: s.uniMMR, adjustedEquity: s.adjustedEquity, accountMaintMargin: s.accountMaintMargin, accountStatus: s.accountStatus };
}

const familyOf = (r: RiskReport, name: string): RiskFamilyResult => {
  const f = r.families.find((x) => x.family.name === name);
  if (f === undefined) throw new Error(`no family ${name} in ${r.families.map((x) => x.family.name).join(', ')}`);
  return f;
};

/** The first unit (from 0 outwards, in the direction of x* − 1) at or past a crossing at price factor x*, uniMMR rising with x. */
const firstUnitBelow = (xStar: Dec) => xStar.minus(1).times(1e10).floor().toNumber();

const sample = async () => {
  const read = (name: string) => JSON.parse(readFileSync(join(ROOT, 'data', 'samples', name), 'utf8')) as unknown;
  const rules = await loadDefaultRules([{ name: 'rules-pm-pro-example.json', doc: read('rules-pm-pro-example.json') as Record<string, unknown> }]);
  return { rules, portfolio: parsePortfolio(read('portfolio-pm-pro-example.json'), rules), market: parseMarketSnapshot(read('market-example.json')) };
};

describe('the bundled PM Pro example (docs/risk.md worked example)', async () => {
  const { rules, portfolio, market } = await sample();
  const report = calculateRiskDistances(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, rangePct: 99 });
  const all = familyOf(report, 'all');

  it('all assets down: each crossing is the closed form of docs/risk.md', () => {
    // x = 1 + s; BTC 40,000x, ETH 2,000x, quarterly mark 42,000x. Below x = 0.694 the BTC net
    // (0.36 − 0.25/x BTC = 14,400x − 10,000 USD) is negative and counts at full value:
    //   equity = USDT (6,506 − 320x) + BTC (14,400x − 10,000) + ETH 0.95·5·2,000x = 23,580x − 3,494
    //   MM     = UM 0.005·(0.05·40,000x + 0.04·42,000x) = 18.4x  + BTC (0.004 + 0.00125/x)·40,000x = 160x + 50
    //            + ETH 1.5·2,000x = 3,000x                       → 3,178.4x + 50
    // uniMMR = T  ⇔  x* = (3,494 + 50T) / (23,580 − 3,178.4T)
    //   1.5  → 3,569 / 18,812.4      = 0.18971529…  (−81.0284706 %)
    //   1.2  → 3,554 / 19,765.92     = 0.17980443…  (−82.0195569 %)
    //   1.05 → 3,546.5 / 20,242.68   = 0.17519913…  (−82.4800866 %)
    //   zero equity: 3,494 / 23,580  = 0.14817642…  (−85.1823579 %)
    const xStar = (t: string) => new Dec(3494).plus(new Dec(50).times(t)).div(new Dec(23580).minus(new Dec('3178.4').times(t)));
    expect(all.down.targets.marginCall?.units).toBe(firstUnitBelow(xStar('1.5')));
    expect(all.down.targets.reduceOnly?.units).toBe(firstUnitBelow(xStar('1.2')));
    expect(all.down.targets.liquidation?.units).toBe(firstUnitBelow(xStar('1.05')));
    expect(all.down.targets.zeroEquity?.units).toBe(firstUnitBelow(new Dec(3494).div(23580)));
    const doc = renderRiskJson(report) as { families: { family: string; down: Record<string, Record<string, unknown>> }[] };
    // docs/risk.md's worked example: at x = 0.1897152941, equity 23,580x − 3,494 = 979.4866…, MM 3,178.4x + 50 = 652.9910…
    expect(doc.families[0]!.down.marginCall).toMatchObject({
      shockPct: '-81.02847059', crosses: 'down through', uniMMR: '1.49999999', adjustedEquity: '979.48663487', accountMaintMargin: '652.99109076', accountStatus: 'MARGIN_CALL',
    });
    expect(doc.families[0]!.down.zeroEquity).toMatchObject({ shockPct: '-85.18235794' });
    // BTC 40,000 · (1 − 0.8102847059) = 7,588.611764
    expect(doc.families[0]!.down.marginCall!.indexPrices).toEqual({ USDT: '1.00000000', BTC: '7588.61176400', ETH: '379.43058820' });
  });

  it('done-when: every reported uniMMR crossing is within 1e-6 of its threshold, one unit before is not past it, and a 1,000-point scan finds no earlier crossing', () => {
    let crossings = 0;
    for (const fr of report.families) {
      for (const dir of [fr.down, fr.up]) {
        for (const target of RISK_TARGETS) {
          const c = dir.targets[target];
          if (c === undefined) continue;
          crossings++;
          const at = evaluateAt(portfolio, market, rules, fr.family, c.units);
          const sign = Math.sign(c.units);
          const before = evaluateAt(portfolio, market, rules, fr.family, c.units - sign);
          expect(isBeyond(target, at, rules.thresholds), `${fr.family.name} ${target}`).toBe(true);
          expect(isBeyond(target, before, rules.thresholds), `${fr.family.name} ${target}`).toBe(false);
          if (target === 'zeroEquity') expect(at.adjustedEquity.abs().lte('1e-4')).toBe(true);
          else expect(at.uniMMR!.minus(c.threshold).abs().lte(UNIMMR_TOLERANCE), `${fr.family.name} ${target} ${at.uniMMR!.toString()}`).toBe(true);
          // 1,000 points from 0 to the crossing: none of them is past the threshold.
          for (let i = 0; i < 1000; i++) {
            const u = Math.trunc((c.units * i) / 1000);
            expect(isBeyond(target, evaluateAt(portfolio, market, rules, fr.family, u), rules.thresholds), `${fr.family.name} ${target} at ${u}`).toBe(false);
          }
        }
      }
    }
    // all and leader (β 1) cross all four targets downwards; nothing else does within ±99 %.
    expect(crossings).toBe(8);
  });

  it('a family that moves every asset as another does (leader without betas, as all) reuses its search: the same entries, no more evaluations', () => {
    const options = { ...DEFAULT_RISK_OPTIONS, rangePct: 99 };
    const both = calculateRiskDistances(portfolio, market, rules, { ...options, families: ['all', 'leader'] });
    const allAlone = calculateRiskDistances(portfolio, market, rules, { ...options, families: ['all'] });
    const leaderAlone = calculateRiskDistances(portfolio, market, rules, { ...options, families: ['leader'] });
    const entries = (f: RiskFamilyResult) => renderRiskJson({ ...both, families: [f] }).families;
    const strip = (x: unknown) => (x as { family: string }[]).map(({ family: _name, ...rest }) => rest);
    // The leader's entries, searched on their own, are the ones reused from all.
    expect(strip(entries(familyOf(both, 'leader:BTC')))).toEqual(strip(entries(familyOf(leaderAlone, 'leader:BTC'))));
    expect(strip(entries(familyOf(both, 'leader:BTC')))).toEqual(strip(entries(familyOf(allAlone, 'all'))));
    expect(both.kernelEvaluations).toBe(allAlone.kernelEvaluations);
    expect(both.evaluations).toBe(allAlone.evaluations);
    // With a β the leader family moves ETH otherwise: searched apart.
    const beta = calculateRiskDistances(portfolio, market, rules, { ...options, families: ['all', 'leader'], betas: new Map([['ETH', new Dec('1.3')]]) });
    expect(beta.kernelEvaluations).toBeGreaterThan(allAlone.kernelEvaluations);
    expect(familyOf(beta, 'leader:BTC').down.targets.marginCall?.units).not.toBe(familyOf(beta, 'all').down.targets.marginCall?.units);
  });

  it('within the default ±50 % nothing crosses: every target is none', () => {
    const r = calculateRiskDistances(portfolio, market, rules);
    expect(r.families.map((f) => f.family.name)).toEqual(['all', 'leader:BTC', 'single:BTC', 'single:ETH', 'depeg:USDT']);
    for (const f of r.families) for (const d of [f.down, f.up]) for (const t of RISK_TARGETS) expect(d.targets[t], `${f.family.name} ${d.direction} ${t}`).toBeUndefined();
    const doc = renderRiskJson(r) as { families: { down: Record<string, unknown>; up: Record<string, unknown> }[] };
    expect(doc.families[0]!.down.marginCall).toEqual({ none: 'within -50 %' });
    expect(doc.families[0]!.up.liquidation).toEqual({ none: 'within +50 %' });
  });
});

describe('a hedged book whose uniMMR is not monotone in the shock', () => {
  // USDT 580; UM short 1 BTCUSDT @ 40,000 (flat 0.5 %); CM long 400 BTCUSD_PERP (100 USD each) @
  // 40,000, brackets by coin notional 0.5 % below 1.2 BTC, 10 % from 1.2 (cum 1.2·0.095 = 0.114).
  // BTC down by x = 1 + s: the two PnLs cancel (40,000 − 40,000x and 40,000x − 40,000 USD) and the
  // BTC net (1 − 1/x ≤ 0) carries no haircut, so equity stays 580. MM = UM 200x + CM: coin notional
  // 1/x; 0.005/x BTC = 200 USD while 1/x < 1.2, else (0.1/x − 0.114)·40,000x = 4,000 − 4,560x.
  //   x = 1:            uniMMR = 580 / 400 = 1.45           (MARGIN_CALL: starts past 1.5)
  //   x > 0.8333:       580 / (200x + 200) rises as x falls: back above 1.5 at x = 0.93333… (−6.667 %)
  //   x < 0.8333:       580 / (4,000 − 4,360x) falls again: 1.5 at x = 0.828746… (−17.125 %)
  // A bisection of [0, −50 %] that trusts monotonicity sees "past 1.5" at both ends and reports
  // nothing (or, told there is a crossing, the one at −17.125 %); the first crossing is −6.667 %.
  const rules = makeRules({
    collateral: { USDT: '1', BTC: '0.95' },
    umBrackets: { BTCUSDT: flatUm('0.005') },
    cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [
      { bracket: 1, qtyFloor: 0, qtyCap: '1.2', maintMarginRatio: '0.005' },
      { bracket: 2, qtyFloor: '1.2', qtyCap: 1e12, maintMarginRatio: '0.1' },
    ] } },
  });
  const portfolio = portfolioOf({
    mode: 'PM_PRO',
    balances: [{ asset: 'USDT', umWalletBalance: '580' }, { asset: 'BTC', cmWalletBalance: '0' }],
    umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-1', entryPrice: '40000' }],
    cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '400', entryPrice: '40000' }],
  }, rules);
  const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000', BTCUSD_PERP: '40000' });
  const options: RiskOptions = { ...DEFAULT_RISK_OPTIONS, families: ['single'] };
  const report = calculateRiskDistances(portfolio, market, rules, options);
  const down = familyOf(report, 'single:BTC').down;

  it('the engine agrees with the comment: past 1.5 at 0 and at −50 %, above it at −10 %', () => {
    const f = familyOf(report, 'single:BTC').family;
    const at = (pct: number) => evaluateAt(portfolio, market, rules, f, pct * 1e8).uniMMR!;
    expect(at(0).toString()).toBe('1.45');
    expect(at(-10).gt('1.5')).toBe(true);
    expect(at(-50).lt('1.5')).toBe(true);
  });

  it('finds the first crossing (up through 1.5 at −6.667 %), not the later one', () => {
    const c = down.targets.marginCall!;
    expect(c.fromAbove).toBe(false);
    // 580 / (200x + 200) > 1.5 ⇔ x < 580/300 − 1 = 0.93333…: the first unit with x below it.
    const xStar = new Dec(580).div(300).minus(1);
    expect(c.units).toBe(xStar.minus(1).times(1e10).floor().toNumber());
    expect(c.at.uniMMR!.minus('1.5').abs().lte(UNIMMR_TOLERANCE)).toBe(true);
    expect(c.at.accountStatus).toBe('NORMAL');
    expect(renderRiskJson(report)).toMatchObject({ families: [{ family: 'single:BTC', down: { marginCall: { shockPct: '-6.66666667', crosses: 'up through' } } }] });
  });

  it('reduce-only: the one crossing down through 1.2, on the steep bracket (x = 3,516.667 / 4,360)', () => {
    // 580 / (4,000 − 4,360x) = 1.2 ⇔ x = (4,000 − 483.333…) / 4,360 = 0.806574… (−19.3425 %)
    const c = down.targets.reduceOnly!;
    expect(c.fromAbove).toBe(true);
    const xStar = new Dec(4000).minus(new Dec(580).div('1.2')).div(4360);
    // uniMMR rises with x here, so the first unit past is the floor.
    expect(c.units).toBe(xStar.minus(1).times(1e10).floor().toNumber());
  });
});

describe('a stablecoin depeg', () => {
  // USDT 1,000; UM short 1 BTCUSDT @ 40,000 (flat 0.5 %); BTC 40,000 USD does not move. With USDT
  // at x USD, the mark in USDT is 40,000/x: USDT net 1,000 + 40,000 − 40,000/x, worth
  // 41,000x − 40,000 USD; MM 0.005·40,000/x USDT = 200 USD. uniMMR = (41,000x − 40,000) / 200:
  //   1.5  at x = 40,300 / 41,000 = 0.98292682… (−1.7073 %)     zero equity at x = 40/41 (−2.4390 %)
  const rules = makeRules({ collateral: { USDT: '1', BTC: '0.95' }, umBrackets: { BTCUSDT: flatUm('0.005') } });
  const portfolio = portfolioOf({ mode: 'PM_PRO', balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-1', entryPrice: '40000' }] }, rules);
  const market = marketOf({ USDT: '1', BTC: '40000' }, { BTCUSDT: '40000' });
  const report = calculateRiskDistances(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, families: ['depeg'] });
  const depeg = familyOf(report, 'depeg:USDT');

  it('moves the stablecoin index down and the USDT-quoted mark up, and crosses at the closed form', () => {
    const c = depeg.down.targets.marginCall!;
    expect(c.units).toBe(firstUnitBelow(new Dec(40300).div(41000)));
    expect(depeg.down.targets.zeroEquity!.units).toBe(firstUnitBelow(new Dec(40).div(41)));
    expect(c.indexPrices.get('USDT')!.eq(new Dec(1).plus(new Dec(c.units).times('1e-10')))).toBe(true);
    // 40,000 / x, to the engine's 40 significant digits (the factor 1/x is rounded once, then multiplied).
    expect(c.markPrices.get('BTCUSDT')!.minus(new Dec(40000).div(c.indexPrices.get('USDT')!)).abs().lte('1e-30')).toBe(true);
    expect(c.markPrices.get('BTCUSDT')!.gt(40000)).toBe(true);
    expect(c.at.uniMMR!.minus('1.5').abs().lte(UNIMMR_TOLERANCE)).toBe(true);
  });

  it('the USDT depeg up only helps the short: none within +50 %', () => {
    for (const t of RISK_TARGETS) expect(depeg.up.targets[t]).toBeUndefined();
  });
});

describe('the leader family and its range', () => {
  const rules = makeRules({ collateral: { USDT: '1', BTC: '0.95', ETH: '0.95' }, umBrackets: { BTCUSDT: flatUm('0.005'), ETHUSDT: flatUm('0.005') } });
  const portfolio = portfolioOf({
    mode: 'PM_PRO', balances: [{ asset: 'USDT', umWalletBalance: '10000' }],
    umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }, { symbol: 'ETHUSDT', positionAmt: '10', entryPrice: '2000' }],
  }, rules);
  const market = marketOf({ USDT: '1', BTC: '40000', ETH: '2000' }, { BTCUSDT: '40000', ETHUSDT: '2000' });

  it('moves the others by β and stops the range short of a zero price', () => {
    const r = calculateRiskDistances(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, families: ['leader'], betas: new Map([['ETH', new Dec(2.5)]]), rangePct: 60 });
    const leader = familyOf(r, 'leader:BTC');
    // ETH at 1 + 2.5s > 0 ⇔ s > −40 %: the last whole unit above is −39.99999999 %.
    expect(leader.down.limitUnits).toBe(-(4e9 - 1));
    expect(leader.up.limitUnits).toBe(6e9);
    // equity 10,000 + 40,000s + 20,000·2.5s = 10,000 + 90,000s; MM 200(1 + s) + 100(1 + 2.5s) = 300 + 450s
    // 1.5: 10,000 + 90,000s = 450 + 675s ⇔ s = −9,550 / 89,325 = −0.10691296… (uniMMR rises with s: floor)
    const c = leader.down.targets.marginCall!;
    expect(c.units).toBe(new Dec(-9550).div(89325).times(1e10).floor().toNumber());
    expect(c.indexPrices.get('ETH')!.eq(new Dec(2000).times(new Dec(1).plus(new Dec(c.units).times('2.5e-10'))))).toBe(true);
    expect(c.markPrices.get('ETHUSDT')!.eq(c.indexPrices.get('ETH')!)).toBe(true);
  });

  it('an account with no maintenance margin and positive equity never crosses', () => {
    const cash = portfolioOf({ mode: 'PM_PRO', balances: [{ asset: 'USDT', crossMarginFree: '100' }, { asset: 'BTC', crossMarginFree: '1' }] }, rules);
    const r = calculateRiskDistances(cash, market, rules);
    expect(r.now.uniMMR).toBeNull();
    for (const f of r.families) for (const d of [f.down, f.up]) for (const t of RISK_TARGETS) expect(d.targets[t]).toBeUndefined();
  });

  it('rejects a range or grid it cannot search', () => {
    expect(() => calculateRiskDistances(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, rangePct: 0 })).toThrow(/range/);
    expect(() => calculateRiskDistances(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, gridPoints: 2 })).toThrow(/grid/);
  });
});

describe('properties on random PM Pro books (seeded)', async () => {
  const rules = await loadDefaultRules([{ name: 'risk-props', doc: { version: 1, collateral: { USDT: '1', BTC: '0.95', ETH: '0.95' } } }]);
  const market = marketOf({ USDT: '1', BTC: '40000', ETH: '2000' }, { BTCUSDT: '40000', ETHUSDT: '2000', BTCUSD_PERP: '40100', ETHUSD_PERP: '1990' });
  const amount = (max: number) => fc.integer({ min: -max * 100, max: max * 100 }).map((n) => (n / 100).toString());
  const book = fc.record({
    usdt: fc.integer({ min: 0, max: 200000 }),
    btc: amount(3), eth: amount(40),
    btcUm: amount(5), ethUm: amount(60), btcCm: fc.integer({ min: -3000, max: 3000 }), ethCm: fc.integer({ min: -5000, max: 5000 }),
    family: fc.constantFrom<RiskOptions['families'][number]>('all', 'leader', 'single', 'depeg'),
  });
  const portfolioOfBook = (b: { usdt: number; btc: string; eth: string; btcUm: string; ethUm: string; btcCm: number; ethCm: number }): Portfolio => portfolioOf({
    mode: 'PM_PRO',
    balances: [
      { asset: 'USDT', umWalletBalance: String(b.usdt) },
      { asset: 'BTC', crossMarginFree: Number(b.btc) >= 0 ? String(b.btc) : '0', crossMarginBorrowed: Number(b.btc) < 0 ? String(-Number(b.btc)) : '0', marginLeverage: 3 },
      { asset: 'ETH', crossMarginFree: Number(b.eth) >= 0 ? String(b.eth) : '0', crossMarginBorrowed: Number(b.eth) < 0 ? String(-Number(b.eth)) : '0', marginLeverage: 3 },
    ],
    umPositions: [{ symbol: 'BTCUSDT', positionAmt: String(b.btcUm), entryPrice: '39000' }, { symbol: 'ETHUSDT', positionAmt: String(b.ethUm), entryPrice: '2100' }].filter((p) => Number(p.positionAmt) !== 0),
    cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: String(b.btcCm), entryPrice: '41000' }, { symbol: 'ETHUSD_PERP', positionAmt: String(b.ethCm), entryPrice: '1950' }].filter((p) => Number(p.positionAmt) !== 0),
  }, rules);

  it('a reported crossing is a crossing: the side changes between shock − 1e-6 and shock + 1e-6 in the search direction, and (from above, where the level set is an interval) no grid point of a 200-point scan before it is past', () => {
    let checked = 0;
    fc.assert(fc.property(book, (b) => {
      const portfolio = portfolioOfBook(b);
      const r = calculateRiskDistances(portfolio, market, rules, { ...DEFAULT_RISK_OPTIONS, families: [b.family], betas: new Map([['ETH', new Dec('1.3')]]), gridPoints: 41 });
      for (const fr of r.families) {
        for (const dir of [fr.down, fr.up]) {
          for (const target of RISK_TARGETS) {
            const c = dir.targets[target];
            if (c === undefined) continue;
            checkCrossing(portfolio, rules, fr.family, target, c.units, c.fromAbove, dir.limitUnits);
            checked++;
          }
        }
      }
    }), { numRuns: runs, seed });
    // The generator must produce crossings for the property to mean anything.
    expect(checked).toBeGreaterThan(runs);
  });

  function checkCrossing(portfolio: Portfolio, r: Rules, family: ShockFamily, target: RiskTarget, units: number, fromAbove: boolean, limit: number): void {
    const side = (u: number) => isBeyond(target, evaluateAt(portfolio, market, r, family, u), r.thresholds);
    const sign = Math.sign(units);
    const startBeyond = !fromAbove;
    expect(side(units)).toBe(!startBeyond);
    expect(side(units - sign)).toBe(startBeyond);
    // 1e-6 of the shock = 1e4 units either side, inside the range.
    if (Math.abs(units) > 1e4) expect(side(units - sign * 1e4)).toBe(startBeyond);
    if (Math.abs(units + sign * 1e4) <= Math.abs(limit)) expect(side(units + sign * 1e4)).toBe(!startBeyond);
    // Concave equity minus convex margin along an affine price path: from above, {not beyond} is an
    // interval around 0 (docs/risk.md), so no earlier point is past the threshold.
    if (fromAbove) for (let i = 0; i < 200; i++) expect(side(Math.trunc((units * i) / 200))).toBe(false);
  }
});
