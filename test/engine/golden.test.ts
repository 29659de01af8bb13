import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { calculateCmPnl, calculateUmPnl } from '../../src/engine/exact/pnl.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { calculateCollateralValue, calculateUmMaintMargin } from '../../src/engine/exact/tables.js';
import { formatBinanceDecimal } from '../../src/records/binance-format.js';
import { parseCollateralTiers } from '../../src/rules/tables.js';
import { findUmContract } from '../../src/rules/resolve.js';
import { flatCm, flatUm, loadDefaultRules, makeRules } from '../helpers/rules.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';

const d = (x: string | number) => new Dec(x);
const tiers = (rows: [number, number, string][]) =>
  parseCollateralTiers('test', 'tiers', rows.map(([tierFloor, tierCap, collateralRate]) => ({ tierFloor, tierCap, collateralRate })));

describe('docs/margin-rules.md §2 tiered collateral (published checks)', () => {
  it('BTC 6,000 × 20,000 with 100% to 100M then 97.5% → 119,500,000', () => {
    // 100M·1 + 20M·0.975 = 119.5M; as V·rate_k + cum_k: 120M·0.975 + 100M·(1 − 0.975) = 117M + 2.5M.
    const t = tiers([[0, 100_000_000, '1'], [100_000_000, 120_000_000, '0.975']]);
    expect(calculateCollateralValue(t, d(6000).times(20000)).toString()).toBe('119500000');
  });
  it('a token worth 1,200,000 with tiers 100%/70%/30%/0% → 590,000', () => {
    // 300k·1 + 200k·0.7 + 500k·0.3 + 200k·0 = 300k + 140k + 150k = 590k
    const t = tiers([[0, 300_000, '1'], [300_000, 500_000, '0.7'], [500_000, 1_000_000, '0.3'], [1_000_000, 1e12, '0']]);
    expect(calculateCollateralValue(t, d(1_200_000)).toString()).toBe('590000');
  });
  it('template "rank 8" at 1,000,000 → 720,000', () => {
    // 200k·1 + 200k·0.8 + 400k·0.7 + 200k·0.4 = 200k + 160k + 280k + 80k = 720k (1M is the 20% tier's floor)
    const t = tiers([[0, 200_000, '1'], [200_000, 400_000, '0.8'], [400_000, 800_000, '0.7'], [800_000, 1_000_000, '0.4'], [1_000_000, 1e12, '0.2']]);
    expect(calculateCollateralValue(t, d(1_000_000)).toString()).toBe('720000');
  });
  it('a flat rate is the one-tier case', () => {
    expect(calculateCollateralValue(parseCollateralTiers('test', 'BTC', '0.95'), d(1000)).toString()).toBe('950');
  });
});

describe('docs/margin-rules.md §2 UM brackets from the real 2024-10-24 table', () => {
  it('BTCUSDT notional 1,000,000 → 1,000,000 × 0.0065 − 950 = 5,550 USDT', async () => {
    const rules = await loadDefaultRules();
    const { index, maintMargin } = calculateUmMaintMargin(findUmContract(rules, 'BTCUSDT').brackets, d(1_000_000));
    expect(index).toBe(2);
    expect(maintMargin.toString()).toBe('5550');
  });
  it('the BTCUSDT table matches the published rows (50k 0.4%, 600k 0.5% cum 50, 3M 0.65% cum 950, 12M 1% cum 11,450, 70M 2% cum 131,450, … 1.8B at 50%)', async () => {
    const b = findUmContract(await loadDefaultRules(), 'BTCUSDT').brackets;
    expect(b.slice(0, 5).map((r) => [r.notionalCap.toNumber(), r.maintMarginRatio.toNumber(), r.cum.toNumber()])).toEqual([
      [50_000, 0.004, 0], [600_000, 0.005, 50], [3_000_000, 0.0065, 950], [12_000_000, 0.01, 11_450], [70_000_000, 0.02, 131_450],
    ]);
    expect(b[b.length - 1]!.notionalCap.toNumber()).toBe(1_800_000_000);
    expect(b[b.length - 1]!.maintMarginRatio.toNumber()).toBe(0.5);
  });
});

describe('docs/margin-rules.md §5 PnL (Binance API samples)', () => {
  it('UM: 0.001 BTCUSDT, entry 22185.2, mark 21123.05052574 → -1.06214947', () => {
    // 0.001·(21123.05052574 − 22185.2) = −1.06214947426 → cut toward zero
    expect(formatBinanceDecimal(calculateUmPnl(d('0.001'), d('22185.2'), d('21123.05052574')))).toBe('-1.06214947');
  });
  it('CM: 1 BTCUSD contract, entry 11707.70000003, mark 11788.66626667 → 0.00005866 BTC', () => {
    // 1·100·(1/11707.70000003 − 1/11788.66626667) = 0.0000586604...
    expect(formatBinanceDecimal(calculateCmPnl(d(1), d(100), d('11707.70000003'), d('11788.66626667')))).toBe('0.00005866');
  });
});

describe('docs/margin-rules.md §6 number format', () => {
  it('cuts to 8 decimals toward zero', () => {
    expect(formatBinanceDecimal(d('21.12305052574'))).toBe('21.12305052');
    expect(formatBinanceDecimal(d('-21.12305052574'))).toBe('-21.12305052');
    expect(formatBinanceDecimal(d('-0.000000001'))).toBe('0.00000000');
    expect(formatBinanceDecimal(d('5'))).toBe('5.00000000');
  });
  it('accountEquity 122607.35137903 / accountMaintMargin 23.72469206 → uniMMR 5167.92171923', () => {
    expect(formatBinanceDecimal(d('122607.35137903').div('23.72469206'))).toBe('5167.92171923');
  });
});

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
});

describe('status ladder (docs/margin-rules.md §3–§4)', () => {
  const rules = makeRules({ collateral: { USDT: '1' } });
  // USDT equity E and a USDT loan L at 3x (10%): uniMMR = (E − L) / (0.1·L) with E the free balance.
  const statusAt = (free: string, borrowed: string) =>
    calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', crossMarginFree: free, crossMarginBorrowed: borrowed, marginLeverage: 3 }] }, rules), marketOf({ USDT: '1' }), rules);
  it.each([
    ['1150.01', 'NORMAL'], // (1150.01 − 1000)/100 = 1.5001
    ['1150', 'MARGIN_CALL'], // exactly 1.5 → (1.2, 1.5]
    ['1120', 'REDUCE_ONLY'], // exactly 1.2
    ['1105.01', 'REDUCE_ONLY'], // 1.0501
    ['1105', 'FORCE_LIQUIDATION'], // exactly 1.05
  ])('free %s against a 1,000 loan → %s', (free, status) => {
    expect(statusAt(free, '1000').accountStatus).toBe(status);
  });
  it('negative adjusted equity liquidates even with no maintenance margin', () => {
    // −100 USDT futures balance against +0.001 BTC at 40,000 (40 USD): equity −60, no MM
    const r = makeRules({ collateral: { USDT: '1', BTC: '0.95' } });
    const s = calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '-100' }, { asset: 'BTC', crossMarginFree: '0.001' }] }, r), marketOf({ USDT: '1', BTC: '40000' }), r);
    expect(s.uniMMR).toBeNull();
    expect(s.accountEquity.toString()).toBe('-62'); // −100 + 40·0.95
    expect(s.accountStatus).toBe('FORCE_LIQUIDATION');
  });
  it('no maintenance margin and non-negative equity: uniMMR null, NORMAL', () => {
    const s = statusAt('10', '0');
    expect(s.uniMMR).toBeNull();
    expect(s.accountStatus).toBe('NORMAL');
  });
  it('a negative net counts at full value, not haircut', () => {
    const r = makeRules({ collateral: { USDT: '1', ETH: '0.5' } });
    const s = calculateAccountSnapshot(portfolioOf({ balances: [{ asset: 'USDT', crossMarginFree: '10000' }, { asset: 'ETH', crossMarginBorrowed: '1', marginLeverage: 5 }] }, r), marketOf({ USDT: '1', ETH: '2000' }), r);
    // ETH net −1 → −2,000 (not −1,000); MM 1·8%·2,000 = 160
    expect(s.assets[1]!.equityUSD.toString()).toBe('-2000');
    expect(s.accountEquity.toString()).toBe('8000');
    expect(s.accountMaintMargin.toString()).toBe('160');
  });
});

describe('open loss (mode PM, docs/margin-rules.md §2 default formula)', () => {
  const rules = makeRules({ collateral: { USDT: '1', ETH: '0.8' }, umBrackets: { ETHUSDT: flatUm('0.01') } });
  const doc = (mode: string) => ({
    mode,
    balances: [{ asset: 'USDT', crossMarginFree: '10000' }],
    umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }],
    marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'BUY', price: '2500', origQty: '2', executedQty: '1' }],
  });
  const market = marketOf({ USDT: '1', ETH: '2000' }, { ETHUSDT: '2000' });
  it('BUY 1 ETH at 2,500 USDT: loses 2,500·1 − 1·2,000·0.8 = 900', () => {
    const s = calculateAccountSnapshot(portfolioOf(doc('PM'), rules), market, rules);
    expect(s.totalMarginOpenLoss.toString()).toBe('900');
    expect(s.adjustedEquity.toString()).toBe('9100');
    // MM 1·2,000·1% = 20 → uniMMR 9,100/20 = 455
    expect(s.uniMMR!.toString()).toBe('455');
  });
  it('PM_PRO has no open-loss term', () => {
    const s = calculateAccountSnapshot(portfolioOf(doc('PM_PRO'), rules), market, rules);
    expect(s.totalMarginOpenLoss.isZero()).toBe(true);
    expect(s.uniMMR!.toString()).toBe('500');
  });
  it('a SELL that swaps into better collateral has no open loss', () => {
    const p = portfolioOf({ ...doc('PM'), marginOpenOrders: [{ symbol: 'ETHUSDT', side: 'SELL', price: '2000', origQty: '1' }] }, rules);
    // sells 1 ETH (2,000·0.8 = 1,600) for 2,000 USDT (2,000·1): max(0, 1,600 − 2,000) = 0
    expect(calculateAccountSnapshot(p, market, rules).totalMarginOpenLoss.isZero()).toBe(true);
  });
});

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
});
