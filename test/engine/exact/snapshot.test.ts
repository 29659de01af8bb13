import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal.js';
import { InputError } from '../../../src/domain/errors.js';
import { calculateAccountSnapshot } from '../../../src/engine/exact/snapshot.js';
import { formatBinanceDecimal } from '../../../src/records/binance-format.js';
import { flatCm, flatUm, loadDefaultRules, makeRules } from '../../helpers/rules.js';
import { marketOf, portfolioOf } from '../../helpers/portfolio.js';

// src/engine/exact/snapshot.ts: the one snapshot function (docs/margin-rules.md §2–§4): per-asset
// net, equity and margin, positions with their brackets, open orders, the account sums, uniMMR,
// status, warnings and input errors.

// Moved from the former test/engine/golden.test.ts.
describe('docs/margin-rules.md §10 PM Pro worked example', () => {
  // Prices chosen here: BTC 40,000, ETH 2,000, USDT 1; collateral USDT 1, BTC 0.95, ETH 0.95.
  const rules = makeRules({
    collateral: { USDT: '1', BTC: '0.95', ETH: '0.95' },
    umBrackets: { BTCUSDT: flatUm('0.005') },
    cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.005') } },
  });
  const portfolio = portfolioOf({
    mode: 'PM_PRO',
    balances: [
      { asset: 'USDT', crossMarginFree: '1000', umWalletBalance: '5000' },
      { asset: 'BTC', crossMarginFree: '0.1', crossMarginBorrowed: '0.04', cmWalletBalance: '0.1', marginLeverage: 3 },
      { asset: 'ETH', crossMarginFree: '20', crossMarginBorrowed: '15', marginLeverage: 3 },
    ],
    umPositions: [
      { symbol: 'BTCUSDT', positionAmt: '-0.05', entryPrice: '52000' },
      { symbol: 'BTCUSDT_220624', positionAmt: '0.04', entryPrice: '52350' },
    ],
    cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '100', entryPrice: '50000' }],
  }, rules);
  const market = marketOf({ USDT: '1', BTC: '40000', ETH: '2000' }, { BTCUSDT: '40000', BTCUSDT_220624: '42000', BTCUSD_PERP: '40000' });
  const s = calculateAccountSnapshot(portfolio, market, rules);
  const asset = (a: string) => s.assets.find((x) => x.asset === a)!;

  it('position PnL and MM as published', () => {
    // perp short: −0.05·(40,000 − 52,000) = +600; MM 0.05·40,000·0.5% = 10
    // quarterly long: 0.04·(42,000 − 52,350) = −414; MM 0.04·42,000·0.5% = 8.4
    // BTCUSD long 100 contracts: 100·100·(1/50,000 − 1/40,000) = −0.05 BTC; MM 100·100/40,000·0.5% = 0.00125 BTC
    expect(s.positions.map((p) => [p.symbol, p.unRealizedProfit.toString(), p.maintMargin.toString()])).toEqual([
      ['BTCUSDT', '600', '10'], ['BTCUSDT_220624', '-414', '8.4'], ['BTCUSD_PERP', '-0.05', '0.00125'],
    ]);
    expect(s.positions[1]!.bracketTable).toBe('BTCUSDT');
  });
  it('net per asset 6,186 USDT, 0.11 BTC, 5 ETH; MM per asset 18.4 USDT, 0.00525 BTC, 1.5 ETH', () => {
    // USDT 1,000 + 5,000 + 600 − 414; BTC 0.1 − 0.04 + 0.1 − 0.05; ETH 20 − 15
    expect(['USDT', 'BTC', 'ETH'].map((a) => asset(a).net.toString())).toEqual(['6186', '0.11', '5']);
    // loan MM at 3x = 10%: 0.004 BTC and 1.5 ETH
    expect(['USDT', 'BTC', 'ETH'].map((a) => asset(a).futuresMaintMargin.plus(asset(a).loanMaintMargin).toString())).toEqual(['18.4', '0.00525', '1.5']);
  });
  it('account fields', () => {
    // equity: 6,186 + 0.11·40,000·0.95 + 5·2,000·0.95 = 6,186 + 4,180 + 9,500 = 19,866
    // actual: 6,186 + 4,400 + 10,000 = 20,586; MM: 18.4 + 0.00525·40,000 + 1.5·2,000 = 3,228.4
    // uniMMR = 19,866 / 3,228.4 = 6.1535125758...
    expect(s.accountEquity.toString()).toBe('19866');
    expect(s.actualEquity.toString()).toBe('20586');
    expect(s.accountMaintMargin.toString()).toBe('3228.4');
    expect(formatBinanceDecimal(s.uniMMR!)).toBe('6.15351257');
    expect(s.accountStatus).toBe('NORMAL');
    expect(s.totalMarginOpenLoss.isZero()).toBe(true);
  });
  it('the breakdown: UM and CM PnL per asset, USD margin per position, effective collateral rate, no warnings', () => {
    // USDT: UM PnL 600 − 414 = 186; BTC: CM PnL −0.05
    expect([asset('USDT').umUnrealizedPNL.toString(), asset('BTC').cmUnrealizedPNL.toString()]).toEqual(['186', '-0.05']);
    // position MM in USD at the margin asset's index: 10·1, 8.4·1, 0.00125·40,000 = 50
    expect(s.positions.map((p) => p.maintMarginUSD.toString())).toEqual(['10', '8.4', '50']);
    // BTC equity 4,180 / actual 4,400 = 0.95; USDT 1
    expect([asset('BTC').effectiveCollateralRate.toString(), asset('USDT').effectiveCollateralRate.toString()]).toEqual(['0.95', '1']);
    // CM notional 100·100/40,000 = 0.25 BTC
    expect(s.positions[2]!.notional.toString()).toBe('0.25');
    expect(s.warnings).toEqual([]);
    expect([s.portfolioId, s.mode]).toEqual(['test', 'PM_PRO']);
  });
});

// Moved from test/engine/golden.test.ts (the status-ladder group; the equity rule it checks is this file's).
describe('a negative net', () => {
  it('a negative net counts at full value, not haircut', () => {
    const r = makeRules({ collateral: { USDT: '1', ETH: '0.5' } });
    const s = calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', crossMarginFree: '10000' }, { asset: 'ETH', crossMarginBorrowed: '1', marginLeverage: 5 }] }, r), marketOf({ USDT: '1', ETH: '2000' }), r);
    // ETH net −1 → −2,000 (not −1,000); MM 1·8%·2,000 = 160
    expect(s.assets[1]!.equityUSD.toString()).toBe('-2000');
    expect(s.accountEquity.toString()).toBe('8000');
    expect(s.accountMaintMargin.toString()).toBe('160');
  });
});

// Moved from the former test/engine/golden.test.ts.
describe('position limit', () => {
  it('flags a position above the largest bracket cap', async () => {
    const rules = await loadDefaultRules();
    // BTCUSDT's last cap is 1.8B: 50,000 BTC at 40,000 = 2B
    const s = calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '1000000000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '50000', entryPrice: '40000' }] }, rules), marketOf({ USDT: '1' }, { BTCUSDT: '40000' }), rules);
    expect(s.positions[0]!.exceedsPositionLimit).toBe(true);
    expect(s.positions[0]!.bracket).toBe(12);
    // 2B·0.5 − 421,481,450 = 578,518,550
    expect(s.positions[0]!.maintMargin.toString()).toBe('578518550');
  });
  it('a position at the cap itself is not above it (CM: limit by coin quantity)', () => {
    const rules = makeRules({ collateral: { BTC: '0.95' }, cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [{ qtyFloor: 0, qtyCap: 2, maintMarginRatio: '0.01' }] } } });
    // 800 contracts × 100 / 40,000 = 2 BTC: at the cap; 801 → 2.0025 BTC: above it
    const limitOf = (contracts: string) => calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'BTC', crossMarginFree: '1' }], cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: contracts, entryPrice: '40000' }] }, rules), marketOf({ BTC: '40000' }, { BTCUSD_PERP: '40000' }), rules).positions[0]!;
    expect([limitOf('800').positionLimit.toString(), limitOf('800').exceedsPositionLimit, limitOf('801').exceedsPositionLimit]).toEqual(['2', false, true]);
  });
});

describe('assets, loans and leverage', () => {
  const rules = makeRules({ collateral: { USDT: '1', BTC: '0.9' }, umBrackets: { BTCUSDT: flatUm('0.01') } });
  const market = marketOf({ USDT: '1', BTC: '50000' }, { BTCUSDT: '50000' });
  const snap = (doc: Record<string, unknown>) => calculateAccountSnapshot(portfolioOf(doc, rules), market, rules);

  it('a loan without a leverage takes the rules\' default (3x: 10 %) and says so', () => {
    // 2,000 USDT borrowed: MM 2,000 × 10 % = 200; equity 5,000 − 2,000 = 3,000 → uniMMR 15
    const s = snap({ balances: [{ asset: 'USDT', crossMarginFree: '5000', crossMarginBorrowed: '2000' }] });
    expect(s.assets[0]!.loanMaintMargin.toString()).toBe('200');
    expect(s.assets[0]!.marginLeverage).toBe(3);
    expect(s.uniMMR!.toString()).toBe('15');
    expect(s.warnings).toEqual(["balances[0] (USDT): no marginLeverage given; the rules' defaultMarginLeverage 3x sets its loan MMR"]);
  });
  it('the portfolio\'s leverage applies when the balance has none, and the balance\'s own overrides it (no warning)', () => {
    // USDT 2,000 at the portfolio's 10x: 5 % → 100; BTC 0.1 at its own 5x: 8 % → 0.008 BTC × 50,000 = 400
    const s = snap({ marginLeverage: 10, balances: [{ asset: 'USDT', crossMarginFree: '5000', crossMarginBorrowed: '2000' }, { asset: 'BTC', crossMarginFree: '0.5', crossMarginBorrowed: '0.1', marginLeverage: 5 }] });
    expect(s.assets.map((a) => [a.asset, a.marginLeverage, a.loanMaintMargin.toString(), a.maintMarginUSD.toString()])).toEqual([
      ['USDT', 10, '100', '100'], ['BTC', 5, '0.008', '400'],
    ]);
    expect(s.accountMaintMargin.toString()).toBe('500');
    expect(s.warnings).toEqual([]);
  });
  it('no loan: no loan margin and no leverage reported', () => {
    const s = snap({ balances: [{ asset: 'USDT', crossMarginFree: '5000' }] });
    expect([s.assets[0]!.loanMaintMargin.toString(), s.assets[0]!.marginLeverage]).toEqual(['0', undefined]);
  });
  it('a position\'s margin asset joins the assets even with no balance in it', () => {
    // 0.2 BTCUSDT long at 48,000, mark 50,000: PnL 400 USDT; MM 0.2 × 50,000 × 1 % = 100
    const s = snap({ balances: [{ asset: 'BTC', crossMarginFree: '0.1' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.2', entryPrice: '48000' }] });
    expect(s.assets.map((a) => [a.asset, a.net.toString(), a.equityUSD.toString()])).toEqual([['BTC', '0.1', '4500'], ['USDT', '400', '400']]);
    // (4,500 + 400) / 100 = 49
    expect(s.uniMMR!.toString()).toBe('49');
  });
  it('an empty balance needs no price and is left out; an empty position still needs its asset', () => {
    const s = snap({ balances: [{ asset: 'USDT', crossMarginFree: '100' }, { asset: 'DOGE' }] });
    expect(s.assets.map((a) => a.asset)).toEqual(['USDT']);
    // a zero position: PnL and MM 0, but its margin asset is still evaluated
    // (A portfolio document drops a flat leg, so the engine is handed one directly.)
    const flat = { symbol: 'BTCUSDT', positionAmt: new Dec(0), entryPrice: new Dec('48000'), positionSide: 'BOTH' as const };
    const z = calculateAccountSnapshot({ ...portfolioOf({}, rules), umPositions: [flat] }, market, rules);
    expect(z.assets.map((a) => [a.asset, a.net.toString(), a.effectiveCollateralRate.toString()])).toEqual([['USDT', '0', '0']]);
    expect([z.uniMMR, z.accountStatus]).toEqual([null, 'NORMAL']);
  });
});

describe('input errors and cross-check warnings', () => {
  const rules = makeRules({ collateral: { USDT: '1', BTC: '0.9' }, umBrackets: { BTCUSDT: flatUm('0.01') } });
  const doc = { balances: [{ asset: 'USDT', crossMarginFree: '1000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.1', entryPrice: '40000' }] };
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof InputError ? [e.source, e.path] : e;
    }
    return 'no error';
  };
  it('a missing mark price names the position symbol', () => {
    expect(error(() => calculateAccountSnapshot(portfolioOf(doc, rules), marketOf({ USDT: '1' }), rules))).toEqual(['market', 'markPrices.BTCUSDT']);
  });
  it('a missing index price names the asset', () => {
    expect(error(() => calculateAccountSnapshot(portfolioOf(doc, rules), marketOf({}, { BTCUSDT: '41000' }), rules))).toEqual(['market', 'indexPrices.USDT']);
  });
  it('a positive asset without a collateral rule is a rules error', () => {
    expect(error(() => calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'XRP', crossMarginFree: '1' }] }, rules), marketOf({ XRP: '0.5' }), rules))).toEqual(['rules', 'collateral.XRP']);
  });
  it('a reported PnL that differs from the recomputed one by more than 1e-8 warns, and the recomputed one is used', () => {
    // recomputed: 0.1 × (41,000 − 40,000) = 100
    const off = { ...doc, balances: [{ asset: 'USDT', crossMarginFree: '1000', umUnrealizedPNL: '99' }], umPositions: [{ ...doc.umPositions[0], unRealizedProfit: '101' }] };
    const s = calculateAccountSnapshot(portfolioOf(off, rules), marketOf({ USDT: '1' }, { BTCUSDT: '41000' }), rules);
    expect(s.assets[0]!.net.toString()).toBe('1100');
    expect(s.warnings).toEqual([
      'umPositions[0] (BTCUSDT): unRealizedProfit reported 101, recomputed 100 at mark 41000; the recomputed value is used',
      'balances[0] (USDT): umUnrealizedPNL reported 99, recomputed 100 from the positions and market; the recomputed value is used',
    ]);
  });
  it('a CM position\'s and a coin balance\'s reported PnL are cross-checked the same way', () => {
    const r = makeRules({ collateral: { BTC: '0.95' }, cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.005') } } });
    // recomputed: 100 × 100 × (1/50,000 − 1/40,000) = −0.05 BTC
    const p = portfolioOf({ balances: [{ asset: 'BTC', crossMarginFree: '1', cmUnrealizedPNL: '-0.04' }], cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '100', entryPrice: '50000', unRealizedProfit: '-0.06' }] }, r);
    expect(calculateAccountSnapshot(p, marketOf({ BTC: '40000' }, { BTCUSD_PERP: '40000' }), r).warnings).toEqual([
      'cmPositions[0] (BTCUSD_PERP): unRealizedProfit reported -0.06, recomputed -0.05 at mark 40000; the recomputed value is used',
      'balances[0] (BTC): cmUnrealizedPNL reported -0.04, recomputed -0.05 from the positions and market; the recomputed value is used',
    ]);
  });
  it('within 1e-8 (Binance\'s print precision) there is no warning', () => {
    const close = { ...doc, balances: [{ asset: 'USDT', crossMarginFree: '1000', umUnrealizedPNL: '100.00000001', cmUnrealizedPNL: '0' }], umPositions: [{ ...doc.umPositions[0], unRealizedProfit: '99.99999999' }] };
    expect(calculateAccountSnapshot(portfolioOf(close, rules), marketOf({ USDT: '1' }, { BTCUSDT: '41000' }), rules).warnings).toEqual([]);
  });
});
