// End-to-end tests of `pmbt snapshot`: every case spawns the real binary (bin/pmbt.js → dist/), so
// `npm run build` must have run first (`npm test` does). Small inputs are written to a temporary
// directory per run; the saved Binance responses live in test/fixtures/binance/.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPmbt } from '../helpers/pmbt.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'binance');
const fixture = (name: string) => join(FIXTURES, name);

const SAMPLE_PORTFOLIO = 'data/samples/portfolio-pm-pro-example.json';
const SAMPLE_MARKET = 'data/samples/market-example.json';
const SAMPLE_RULES = 'data/samples/rules-pm-pro-example.json';

let dir = '';

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
  dir = mkdtempSync(join(tmpdir(), 'pmbt-snapshot-cli-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Writes a temp input file: an object is written as JSON, a string verbatim. Returns its path. */
function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** `node bin/pmbt.js snapshot ...args` from the repo root; never rejects. */
const pmbt = (args: string[]) => runPmbt(['snapshot', ...args]);

interface SnapshotOut {
  portfolioId: string;
  mode: string;
  uniMMR: string | null;
  accountEquity: string;
  actualEquity: string;
  accountMaintMargin: string;
  accountStatus: string;
  totalMarginOpenLoss: string;
  adjustedEquity: string;
  assets: Record<string, unknown>[];
  positions: Record<string, unknown>[];
  warnings: string[];
}

async function snapshot(args: string[]): Promise<SnapshotOut> {
  const r = await pmbt(args);
  if (r.code !== 0) throw new Error(`pmbt snapshot ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as SnapshotOut;
}

const assetOf = (s: SnapshotOut, asset: string) => s.assets.find((a) => a.asset === asset);
const positionOf = (s: SnapshotOut, symbol: string) => s.positions.find((p) => p.symbol === symbol);

describe('pmbt snapshot: results', () => {
  it('reproduces the tiered-collateral checks and the BTCUSDT bracket check of docs/margin-rules.md §2', async () => {
    const portfolio = write('domain-2.json', {
      id: 'domain-2', mode: 'PM_PRO',
      balances: [
        { asset: 'BTC', crossMarginFree: '6000' },
        { asset: 'TOK', crossMarginFree: '1200000' },
        { asset: 'RNK', crossMarginFree: '1000000' },
        { asset: 'USDT', umWalletBalance: '0' },
      ],
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '25', entryPrice: '40000' }],
    });
    const market = write('domain-2-market.json', { indexPrices: { BTC: '20000', TOK: '1', RNK: '1', USDT: '1' }, markPrices: { BTCUSDT: '40000' } });
    const rules = write('domain-2-rules.json', {
      version: 1,
      collateral: {
        BTC: [{ tierFloor: 0, tierCap: 100000000, collateralRate: '1' }, { tierFloor: 100000000, tierCap: 120000000, collateralRate: '0.975' }],
        TOK: [{ tierFloor: 0, tierCap: 300000, collateralRate: '1' }, { tierFloor: 300000, tierCap: 500000, collateralRate: '0.7' },
          { tierFloor: 500000, tierCap: 1000000, collateralRate: '0.3' }, { tierFloor: 1000000, tierCap: 1e12, collateralRate: '0' }],
        RNK: [{ tierFloor: 0, tierCap: 200000, collateralRate: '1' }, { tierFloor: 200000, tierCap: 400000, collateralRate: '0.8' },
          { tierFloor: 400000, tierCap: 800000, collateralRate: '0.7' }, { tierFloor: 800000, tierCap: 1000000, collateralRate: '0.4' },
          { tierFloor: 1000000, tierCap: 1e12, collateralRate: '0.2' }],
      },
    });
    const s = await snapshot(['--portfolio', portfolio, '--market', market, '--rules', rules]);
    // BTC 6,000 × 20,000 = 120M → 100M·1 + 20M·0.975 = 119,500,000
    expect(assetOf(s, 'BTC')!.equity).toBe('119500000.00000000');
    // 300k + 200k·0.7 + 500k·0.3 + 200k·0 = 590,000
    expect(assetOf(s, 'TOK')!.equity).toBe('590000.00000000');
    // 200k + 200k·0.8 + 400k·0.7 + 200k·0.4 = 720,000
    expect(assetOf(s, 'RNK')!.equity).toBe('720000.00000000');
    // BTCUSDT 25 × 40,000 = 1,000,000 notional (real 2024-10-24 table) → 1,000,000 × 0.0065 − 950 = 5,550
    expect(positionOf(s, 'BTCUSDT')).toMatchObject({ notional: '1000000.00000000', bracket: 3, maintMargin: '5550.00000000' });
  });

  it('the bundled docs/margin-rules.md §10 sample prints the hand-derived account fields', async () => {
    // Prices: BTC 40000, ETH 2000, USDT 1. Collateral rates: USDT 1, BTC 0.95, ETH 0.95.
    // Nets: USDT 1000 + 5000 + PnL (0.05·(52000−40000) = +600, 0.04·(42000−52350) = −414) = 6186;
    //       BTC 0.1 − 0.04 + 0.1 + CM PnL 100·100·(1/50000 − 1/40000) = −0.05 → 0.11; ETH 20 − 15 = 5.
    // accountEquity = 6186·1 + 0.11·40000·0.95 + 5·2000·0.95 = 6186 + 4180 + 9500 = 19866
    // actualEquity  = 6186 + 4400 + 10000 = 20586
    // MM: USDT 10 + 8.4 = 18.4; BTC 0.04·10% + 0.25 BTC·0.5% = 0.004 + 0.00125 = 0.00525; ETH 15·10% = 1.5
    //     accountMaintMargin = 18.4 + 0.00525·40000 + 1.5·2000 = 18.4 + 210 + 3000 = 3228.4
    // uniMMR = 19866 / 3228.4 = 6.153512576... → "6.15351257" (cut toward zero)
    const s = await snapshot(['--portfolio', SAMPLE_PORTFOLIO, '--market', SAMPLE_MARKET, '--rules', SAMPLE_RULES]);
    expect(s).toMatchObject({
      portfolioId: 'domain-6-worked-example',
      mode: 'PM_PRO',
      uniMMR: '6.15351257',
      accountEquity: '19866.00000000',
      actualEquity: '20586.00000000',
      accountMaintMargin: '3228.40000000',
      accountStatus: 'NORMAL',
      totalMarginOpenLoss: '0.00000000',
    });
    expect(assetOf(s, 'USDT')).toMatchObject({ net: '6186.00000000', maintMarginUSD: '18.40000000' });
    expect(assetOf(s, 'BTC')).toMatchObject({ net: '0.11000000', equity: '4180.00000000', maintMarginUSD: '210.00000000' });
    expect(assetOf(s, 'ETH')).toMatchObject({ net: '5.00000000', equity: '9500.00000000', maintMarginUSD: '3000.00000000' });
    expect(s.warnings).toEqual([]);
  });

  it('uniMMR is null when there is no maintenance margin (a USDT balance only)', async () => {
    const portfolio = write('cash-only.json', { version: 1, id: 'cash-only', balances: [{ asset: 'USDT', crossMarginFree: '500' }] });
    const s = await snapshot(['--portfolio', portfolio, '--market', SAMPLE_MARKET]);
    expect(s).toMatchObject({
      uniMMR: null,
      accountEquity: '500.00000000',
      actualEquity: '500.00000000',
      accountMaintMargin: '0.00000000',
      accountStatus: 'NORMAL',
    });
    expect(s.positions).toEqual([]);
  });

  it('reproduces the API sample uniMMR of docs/margin-rules.md §6 (122607.35137903 / 23.72469206)', async () => {
    // A USDT loan with a custom loan MMR of 25 % at 4x (rules override) gives MM exactly 23.72469206:
    //   crossMarginBorrowed = 23.72469206 / 0.25 = 94.89876824 USDT
    // and crossMarginFree = 122607.35137903 + 94.89876824 = 122702.25014727, so
    //   net = 122702.25014727 − 94.89876824 = 122607.35137903 USDT = accountEquity (rate 1, price 1).
    // uniMMR = 122607.35137903 / 23.72469206 = 5167.921719234... → "5167.92171923"
    const rules = write('rules-loan-4x.json', { version: 1, loanMaintMarginRatio: { '4': '0.25' } });
    const portfolio = write('api-sample.json', {
      version: 1,
      id: 'api-sample',
      balances: [{ asset: 'USDT', crossMarginFree: '122702.25014727', crossMarginBorrowed: '94.89876824', marginLeverage: 4 }],
    });
    const s = await snapshot(['--portfolio', portfolio, '--market', SAMPLE_MARKET, '--rules', rules]);
    expect(s).toMatchObject({
      uniMMR: '5167.92171923',
      accountEquity: '122607.35137903',
      actualEquity: '122607.35137903',
      accountMaintMargin: '23.72469206',
      accountStatus: 'NORMAL',
    });
    expect(assetOf(s, 'USDT')).toMatchObject({ loanMaintMargin: '23.72469206', marginLeverage: 4 });
    expect(s.warnings).toEqual([]);
  });

  it('flags a position above the largest bracket cap (UM and CM) and uses the last bracket', async () => {
    const rules = write('rules-small-caps.json', {
      version: 1,
      collateral: { USDT: '1', BTC: '0.95' },
      umBrackets: {
        BTCUSDT: [
          { bracket: 1, notionalFloor: 0, notionalCap: 50000, maintMarginRatio: 0.004, cum: 0 },
          { bracket: 2, notionalFloor: 50000, notionalCap: 1000000, maintMarginRatio: 0.005, cum: 50 },
        ],
      },
      cmContracts: {
        BTCUSD_PERP: {
          contractSize: 100,
          marginAsset: 'BTC',
          brackets: [
            { bracket: 1, qtyFloor: 0, qtyCap: 5, maintMarginRatio: 0.004, cum: 0 },
            { bracket: 2, qtyFloor: 5, qtyCap: 10, maintMarginRatio: 0.005, cum: 0.005 },
          ],
        },
      },
    });
    const market = write('market-limits.json', {
      indexPrices: { USDT: '1', BTC: '40000' },
      markPrices: { BTCUSDT: '40000', BTCUSDT_240628: '40000', BTCUSD_PERP: '40000' },
    });
    const portfolio = write('over-limit.json', {
      version: 1,
      id: 'over-limit',
      balances: [{ asset: 'USDT', umWalletBalance: '1000000' }, { asset: 'BTC', cmWalletBalance: '10' }],
      umPositions: [
        { symbol: 'BTCUSDT', positionAmt: '30', entryPrice: '40000' },
        { symbol: 'BTCUSDT_240628', positionAmt: '1', entryPrice: '40000' },
      ],
      cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '5000', entryPrice: '40000' }],
    });
    const s = await snapshot(['--portfolio', portfolio, '--market', market, '--rules', rules]);
    // BTCUSDT: 30 · 40000 = 1,200,000 > cap 1,000,000 → last bracket: 1,200,000 · 0.5 % − 50 = 5950.
    expect(positionOf(s, 'BTCUSDT')).toMatchObject({
      notional: '1200000.00000000',
      bracket: 2,
      maintMargin: '5950.00000000',
      positionLimit: '1000000.00000000',
      exceedsPositionLimit: true,
    });
    // The quarterly has no table of its own: BTCUSDT's; 40,000 is within bracket 1 (0.4 % → 160).
    expect(positionOf(s, 'BTCUSDT_240628')).toMatchObject({ bracketTable: 'BTCUSDT', bracket: 1, maintMargin: '160.00000000', exceedsPositionLimit: false });
    // BTCUSD_PERP: 5000 · 100 / 40000 = 12.5 BTC > cap 10 → 12.5 · 0.5 % − 0.005 = 0.0575 BTC.
    expect(positionOf(s, 'BTCUSD_PERP')).toMatchObject({
      notional: '12.50000000',
      bracket: 2,
      maintMargin: '0.05750000',
      positionLimit: '10.00000000',
      exceedsPositionLimit: true,
    });
  });
});

describe('pmbt snapshot: Binance responses', () => {
  // Market for the import: the API-sample marks of docs/margin-rules.md §5 (BTCUSDT 21123.05052574,
  // BTCUSD_PERP 11788.66626667), ETHUSDT 1600; index USDT 1, BTC 20000, ETH 1600. No price for the
  // flat rows' symbols (ETCUSDT, ETHUSD_PERP) nor the all-zero BNB balance: they must be dropped.
  const MARKET = {
    time: 1672531200000,
    indexPrices: { USDT: '1', BTC: '20000', ETH: '1600' },
    markPrices: { BTCUSDT: '21123.05052574', ETHUSDT: '1600', BTCUSD_PERP: '11788.66626667' },
  };
  // Rules pinned for the hand arithmetic (merged over data/rules/, whose 5x loan MMR 8 % is used).
  const PINNED_RULES = {
    version: 1,
    collateral: { USDT: '1', BTC: '0.95', ETH: '0.95' },
    umBrackets: {
      BTCUSDT: [
        { bracket: 1, notionalFloor: 0, notionalCap: 50000, maintMarginRatio: 0.004, cum: 0 },
        { bracket: 2, notionalFloor: 50000, notionalCap: 600000, maintMarginRatio: 0.005, cum: 50 },
      ],
      ETHUSDT: [{ bracket: 1, notionalFloor: 0, notionalCap: 1000000, maintMarginRatio: 0.005, cum: 0 }],
    },
    cmContracts: {
      BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: [{ bracket: 1, qtyFloor: 0, qtyCap: 5, maintMarginRatio: 0.004, cum: 0 }] },
    },
  };
  const importArgs = () => [
    '--binance-balance', fixture('papi-v1-balance.handmade.json'),
    '--binance-um', fixture('papi-v1-um-positionRisk.handmade.json'),
    '--binance-cm', fixture('papi-v1-cm-positionRisk.handmade.json'),
    '--market', write('market-binance.json', MARKET),
    '--id', 'acct-1',
    '--margin-leverage', '5',
    '--rules', write('rules-pinned.json', PINNED_RULES),
  ];

  // Common to both runs below (native units):
  //   UM BTCUSDT  0.001 · (21123.05052574 − 22185.2) = −1.06214947426 USDT (reported "-1.06214947": agrees)
  //               notional 0.001 · 21123.05052574 = 21.12305052574 USDT
  //   UM ETHUSDT  −2 · (1600 − 1500) = −200 USDT; reported "-150" (taken at mark 1575): disagrees → warning
  //               notional 2 · 1600 = 3200 USDT, MM 3200 · 0.5 % = 16
  //   CM BTCUSD_PERP  1 · 100 · (1/11707.70000003 − 1/11788.66626667) = 0.0000586634845 BTC ("0.00005866")
  //               notional 100 / 11788.66626667 = 0.00848272380759 BTC
  //   USDT net = 1000 + 9000 − 1.06214947426 − 200 = 9798.93785052574 (the reported −151.06214947 would
  //            give 9848.93785052574: the balance row's umUnrealizedPNL disagrees → second warning)
  //   BTC  net = 0.5 + 0.05 − 0.1 − 0.0001 + 0.2 + 0.0000586634845 = 0.6499586634845
  //            actual 0.6499586634845 · 20000 = 12999.17326969; loan MM 0.1 · 8 % (5x) = 0.008 BTC
  //   ETH  net = 10, actual 16000;  BNB all zero: dropped.
  //   actualEquity = 9798.93785052574 + 12999.17326969 + 16000 = 38798.11112021
  it('imports /papi/v1/balance + um/cm positionRisk and recomputes PnL', async () => {
    // Pinned rules: BTC 0.95 → equity 12349.21460620; ETH 0.95 → 15200.
    //   accountEquity = 9798.93785052574 + 12349.2146062057 + 15200 = 37348.15245673
    //   USDT MM = 21.12305052574 · 0.4 % + 16 = 0.08449220210 + 16 = 16.08449220210
    //   BTC MM  = 0.00848272380759 · 0.4 % + 0.008 = 0.00003393089523 + 0.008 = 0.00803393089523 BTC
    //           → · 20000 = 160.6786179046 USD
    //   accountMaintMargin = 16.0844922021 + 160.6786179046 = 176.7631101067
    //   uniMMR = 37348.15245673 / 176.7631101067 = 211.28929239...
    const s = await snapshot(importArgs());
    expect(s).toMatchObject({
      portfolioId: 'acct-1',
      mode: 'PM',
      uniMMR: '211.28929239',
      accountEquity: '37348.15245673',
      actualEquity: '38798.11112021',
      accountMaintMargin: '176.76311010',
      accountStatus: 'NORMAL',
      totalMarginOpenLoss: '0.00000000',
    });
    expect(s.assets.map((a) => a.asset)).toEqual(['USDT', 'BTC', 'ETH']);
    expect(assetOf(s, 'USDT')).toMatchObject({ net: '9798.93785052', umUnrealizedPNL: '-201.06214947', futuresMaintMargin: '16.08449220' });
    expect(assetOf(s, 'BTC')).toMatchObject({
      net: '0.64995866',
      cmUnrealizedPNL: '0.00005866',
      equity: '12349.21460620',
      loanMaintMargin: '0.00800000',
      futuresMaintMargin: '0.00003393',
      marginLeverage: 5,
      maintMarginUSD: '160.67861790',
    });
    expect(assetOf(s, 'ETH')).toMatchObject({ net: '10.00000000', equity: '15200.00000000' });

    expect(s.positions.map((p) => p.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'BTCUSD_PERP']);
    expect(positionOf(s, 'BTCUSDT')).toMatchObject({ market: 'UM', unRealizedProfit: '-1.06214947', notional: '21.12305052', marginAsset: 'USDT' });
    expect(positionOf(s, 'ETHUSDT')).toMatchObject({ unRealizedProfit: '-200.00000000', positionAmt: '-2.00000000', maintMargin: '16.00000000' });
    expect(positionOf(s, 'BTCUSD_PERP')).toMatchObject({ market: 'CM', unRealizedProfit: '0.00005866', notional: '0.00848272', marginAsset: 'BTC' });

    // Exactly two cross-check warnings: the ETHUSDT row and the USDT balance's umUnrealizedPNL.
    // (BTCUSDT's and BTC's reported values agree within Binance's 8-decimal print.)
    expect(s.warnings).toHaveLength(2);
    expect(s.warnings.some((w) => /ETHUSDT/.test(w) && /-150\b/.test(w) && /-200\b/.test(w))).toBe(true);
    expect(s.warnings.some((w) => /USDT/.test(w) && /umUnrealizedPNL/.test(w) && /-151\.06214947/.test(w) && /-201\.06214947/.test(w))).toBe(true);
  });

  it('applies raw Binance rules responses given with --rules (collateralRate v1/v2, um/cm leverageBracket)', async () => {
    // On top of the pinned rules:
    //   /sapi/v1/portfolio/collateralRate  BTC 0.9  → BTC equity 12999.17326969 · 0.9 = 11699.25594272
    //   /sapi/v2/portfolio/collateralRate  ETH tiers [0,10k) 95 %, [10k,100M) 90 % cum 500
    //                                      → 16000 · 0.9 + 500 = 14900 (= 10000·0.95 + 6000·0.9)
    //   /papi/v1/um/leverageBracket  BTCUSDT [0,10) 1 %, [10,100k) 2 % cum 0.1
    //                                → 21.12305052574 in bracket 2: 21.12305052574 · 2 % − 0.1 = 0.32246101051
    //   /papi/v1/cm/leverageBracket  BTCUSD_PERP [0,50) 1 % → 0.00848272380759 · 1 % = 0.0000848272381 BTC
    //   accountEquity = 9798.93785052574 + 11699.2559427 + 14900 = 36398.19379324
    //   USDT MM = 0.32246101051 + 16 = 16.32246101051
    //   BTC MM  = (0.0000848272381 + 0.008) · 20000 = 161.696544762
    //   accountMaintMargin = 16.32246101051 + 161.696544762 = 178.01900577
    //   uniMMR = 36398.19379324 / 178.01900577 = 204.46240352...
    const s = await snapshot([
      ...importArgs(),
      '--rules', fixture('sapi-v1-portfolio-collateralRate.json'),
      '--rules', fixture('sapi-v2-portfolio-collateralRate.json'),
      '--rules', fixture('papi-v1-um-leverageBracket.json'),
      '--rules', fixture('papi-v1-cm-leverageBracket.json'),
    ]);
    expect(s).toMatchObject({
      uniMMR: '204.46240352',
      accountEquity: '36398.19379324',
      actualEquity: '38798.11112021',
      accountMaintMargin: '178.01900577',
      accountStatus: 'NORMAL',
    });
    expect(assetOf(s, 'BTC')).toMatchObject({ equity: '11699.25594272', collateralRate: '0.90000000' });
    expect(assetOf(s, 'ETH')).toMatchObject({ equity: '14900.00000000' });
    expect(positionOf(s, 'BTCUSDT')).toMatchObject({ bracket: 2, maintMarginRatio: '0.02000000', cum: '0.10000000', maintMargin: '0.32246101', positionLimit: '100000.00000000' });
    expect(positionOf(s, 'BTCUSD_PERP')).toMatchObject({ bracket: 1, maintMarginRatio: '0.01000000', maintMargin: '0.00008482', positionLimit: '50.00000000', exceedsPositionLimit: false });
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input: exit code 2, nothing on stdout, exactly one line on stderr naming the file, the field
// path and what was expected.

const ERR_MARKET = { indexPrices: { USDT: '1', BTC: '40000', ZZZ: '2' }, markPrices: { BTCUSDT: '40000', FOOUSDT: '1' } };
const okBalances = [{ asset: 'USDT', crossMarginFree: '1000' }];
const portfolioWith = (extra: Record<string, unknown>) => ({ version: 1, id: 'err', balances: okBalances, ...extra });

interface ErrorCase {
  name: string;
  /** Writes the inputs; returns the CLI arguments, the file and field path the message must name,
   *  and what it must say was expected. */
  setup: (tag: string) => { args: string[]; file: string; field: string; expected: RegExp };
}

/** A portfolio file (written under `tag`) evaluated against ERR_MARKET and the default rules. */
function withPortfolio(tag: string, content: unknown, rules: string[] = []): { args: string[]; file: string } {
  const file = write(`${tag}-portfolio.json`, content);
  const market = write(`${tag}-market.json`, ERR_MARKET);
  return { args: ['--portfolio', file, '--market', market, ...rules.flatMap((r) => ['--rules', r])], file };
}

/** A rules file (written under `tag`) given with --rules to an otherwise valid run. */
function withRules(tag: string, content: unknown): { args: string[]; file: string } {
  const file = write(`${tag}-rules.json`, content);
  return { args: ['--portfolio', SAMPLE_PORTFOLIO, '--market', SAMPLE_MARKET, '--rules', SAMPLE_RULES, '--rules', file], file };
}

/** A Binance balance response (written under `tag`). */
function withBinanceBalance(tag: string, rows: unknown): { args: string[]; file: string } {
  const file = write(`${tag}-balance.json`, rows);
  return { args: ['--binance-balance', file, '--market', write(`${tag}-market.json`, ERR_MARKET)], file };
}

const umTable = (cum2: number, floor2 = 50000) => [
  { bracket: 1, initialLeverage: 125, notionalCap: 50000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 },
  { bracket: 2, initialLeverage: 100, notionalCap: 600000, notionalFloor: floor2, maintMarginRatio: 0.005, cum: cum2 },
];

const ERROR_CASES: ErrorCase[] = [
  {
    name: 'bad JSON',
    setup: (t) => {
      const { args, file } = withPortfolio(t, '{\n  "id": "x",\n  "balances": [\n    {"asset": "USDT" "crossMarginFree": "1"}\n  ]\n}\n');
      // the missing comma is on line 4, where the second string starts: 4 spaces + '{"asset": "USDT" ' (17 chars) → column 22
      return { args, file, field: 'line 4 column 22', expected: /expected valid JSON, got Expected ',' or '}' after property value/ };
    },
  },
  {
    name: 'missing file',
    setup: (t) => {
      const file = join(dir, `${t}-does-not-exist.json`);
      return { args: ['--portfolio', SAMPLE_PORTFOLIO, '--market', file], file, field: '(document)', expected: /expected a readable file.*no such file/ };
    },
  },
  {
    name: 'unknown UM symbol (no bracket table)',
    setup: (t) => {
      const { args } = withPortfolio(t, portfolioWith({ umPositions: [{ symbol: 'FOOUSDT', positionAmt: '1', entryPrice: '1' }] }));
      return { args, file: 'data/rules', field: 'umBrackets.FOOUSDT', expected: /expected a bracket table for UM symbol FOOUSDT/ };
    },
  },
  {
    name: 'asset without index price',
    setup: (t) => {
      const { args } = withPortfolio(t, portfolioWith({ balances: [...okBalances, { asset: 'ETH', crossMarginFree: '1' }] }));
      return { args, file: join(dir, `${t}-market.json`), field: 'indexPrices.ETH', expected: /expected an index price for asset ETH/ };
    },
  },
  {
    name: 'position symbol without mark price',
    setup: (t) => {
      const { args } = withPortfolio(t, portfolioWith({ umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '2000' }] }));
      return { args, file: join(dir, `${t}-market.json`), field: 'markPrices.ETHUSDT', expected: /expected a mark price for position symbol ETHUSDT/ };
    },
  },
  {
    name: 'asset with a positive net and no collateral rule',
    setup: (t) => {
      const { args } = withPortfolio(t, portfolioWith({ balances: [...okBalances, { asset: 'ZZZ', crossMarginFree: '3' }] }));
      return { args, file: 'data/rules', field: 'collateral.ZZZ', expected: /expected a collateral rate for asset ZZZ/ };
    },
  },
  {
    name: 'non-numeric value',
    setup: (t) => {
      const { args, file } = withPortfolio(t, portfolioWith({ balances: [{ asset: 'USDT', crossMarginFree: 'abc' }] }));
      return { args, file, field: 'balances[0].crossMarginFree', expected: /expected a decimal number.*got "abc"/ };
    },
  },
  {
    name: 'non-finite: a 1e400 number literal',
    setup: (t) => {
      const { args, file } = withPortfolio(t, '{"version": 1, "id": "err", "balances": [{"asset": "USDT", "crossMarginFree": 1e400}]}');
      return { args, file, field: 'balances[0].crossMarginFree', expected: /expected a finite number/ };
    },
  },
  {
    name: 'non-finite: the string "Infinity"',
    setup: (t) => {
      const { args, file } = withPortfolio(t, portfolioWith({ balances: [{ asset: 'USDT', crossMarginFree: 'Infinity' }] }));
      return { args, file, field: 'balances[0].crossMarginFree', expected: /expected a (decimal|finite) number/ };
    },
  },
  {
    name: 'non-finite: a decimal string whose exponent overflows',
    setup: (t) => {
      // decimal.js turns an exponent above 9e15 into Infinity: it must not pass as a number.
      const { args, file } = withPortfolio(t, portfolioWith({ balances: [{ asset: 'USDT', crossMarginFree: '1e99999999999999999' }] }));
      return { args, file, field: 'balances[0].crossMarginFree', expected: /expected a (decimal|finite) number/ };
    },
  },
  {
    name: 'negative crossMarginFree',
    setup: (t) => {
      const { args, file } = withPortfolio(t, portfolioWith({ balances: [{ asset: 'USDT', crossMarginFree: '-1' }] }));
      return { args, file, field: 'balances[0].crossMarginFree', expected: /expected a number ≥ 0, got "-1"/ };
    },
  },
  {
    name: 'negative order origQty',
    setup: (t) => {
      const { args, file } = withPortfolio(t, portfolioWith({ marginOpenOrders: [{ symbol: 'BTCUSDT', side: 'BUY', price: '30000', origQty: '-1' }] }));
      return { args, file, field: 'marginOpenOrders[0].origQty', expected: /expected a number > 0, got "-1"/ };
    },
  },
  {
    name: 'duplicate asset in balances',
    setup: (t) => {
      const { args, file } = withPortfolio(t, portfolioWith({ balances: [...okBalances, { asset: 'USDT', umWalletBalance: '5' }] }));
      return { args, file, field: 'balances[1].asset', expected: /expected each asset once/ };
    },
  },
  {
    name: 'duplicate asset in a Binance balance response',
    setup: (t) => {
      const { args, file } = withBinanceBalance(t, [
        { asset: 'USDT', crossMarginFree: '1', umUnrealizedPNL: '0', cmUnrealizedPNL: '' },
        { asset: 'USDT', crossMarginFree: '2', umUnrealizedPNL: '0', cmUnrealizedPNL: '' },
      ]);
      return { args, file, field: '[1].asset', expected: /expected each asset once/ };
    },
  },
  {
    name: 'negative crossMarginFree in a Binance balance response',
    setup: (t) => {
      const { args, file } = withBinanceBalance(t, [{ asset: 'USDT', crossMarginFree: '-1', umUnrealizedPNL: '0', cmUnrealizedPNL: '' }]);
      return { args, file, field: '[0].crossMarginFree', expected: /expected a number ≥ 0/ };
    },
  },
  {
    name: 'missing required field: a position without entryPrice',
    setup: (t) => {
      const { args, file } = withPortfolio(t, portfolioWith({ umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.1' }] }));
      return { args, file, field: 'umPositions[0].entryPrice', expected: /expected a decimal number.*got nothing/ };
    },
  },
  {
    name: 'missing required field: a portfolio without id',
    setup: (t) => {
      const { args, file } = withPortfolio(t, { version: 1, balances: okBalances });
      return { args, file, field: 'id', expected: /expected a non-empty string, got nothing/ };
    },
  },
  {
    name: 'unknown field (typo)',
    setup: (t) => {
      const { args, file } = withPortfolio(t, portfolioWith({ balances: [{ asset: 'USDT', crossMarginFre: '1' }] }));
      return { args, file, field: 'balances[0].crossMarginFre', expected: /expected one of the fields .*crossMarginFree.*unknown field "crossMarginFre"/ };
    },
  },
  {
    name: 'rules file: bracket cum identity broken',
    setup: (t) => {
      // cum_2 must be 0 + 50000 · (0.005 − 0.004) = 50.
      const { args, file } = withRules(t, { version: 1, umBrackets: { BTCUSDT: umTable(40) } });
      return { args, file, field: 'umBrackets.BTCUSDT[1].cum', expected: /expected 50\b.*got 40/ };
    },
  },
  {
    name: 'raw Binance leverageBracket: cum identity broken',
    setup: (t) => {
      const file = write(`${t}-um-leverageBracket.json`, [{ symbol: 'BTCUSDT', notionalCoef: '1.0', brackets: umTable(45) }]);
      return { args: ['--portfolio', SAMPLE_PORTFOLIO, '--market', SAMPLE_MARKET, '--rules', SAMPLE_RULES, '--rules', file], file, field: 'umBrackets.BTCUSDT[1].cum', expected: /expected 50\b.*got 45/ };
    },
  },
  {
    name: 'raw Binance collateralRate v2: tier cum identity broken',
    setup: (t) => {
      // cum_2 must be 0 + 10000 · (0.95 − 0.9) = 500 (Binance's doc sample shows 0 here).
      const file = write(`${t}-collateralRate-v2.json`, [
        {
          asset: 'ETH',
          collateralInfo: [
            { tierFloor: '0.0000', tierCap: '10000.0000', collateralRate: '0.9500', cum: '0.0000' },
            { tierFloor: '10000.0000', tierCap: '100000000.0000', collateralRate: '0.9000', cum: '0.0000' },
          ],
        },
      ]);
      return { args: ['--portfolio', SAMPLE_PORTFOLIO, '--market', SAMPLE_MARKET, '--rules', file], file, field: 'collateral.ETH[1].cum', expected: /expected 500\b/ };
    },
  },
  {
    name: 'rules file: non-contiguous bracket floors',
    setup: (t) => {
      const { args, file } = withRules(t, { version: 1, umBrackets: { BTCUSDT: umTable(0, 60000) } });
      return { args, file, field: 'umBrackets.BTCUSDT[1].notionalFloor', expected: /expected 50000 .*contiguous.*got 60000/ };
    },
  },
  {
    name: 'rules file: thresholds out of order',
    setup: (t) => {
      const { args, file } = withRules(t, { version: 1, thresholds: { marginCall: '1.1', reduceOnly: '1.2', liquidation: '1.05' } });
      return { args, file, field: 'thresholds', expected: /expected marginCall ≥ reduceOnly ≥ liquidation/ };
    },
  },
];

describe.concurrent('pmbt snapshot: bad input exits 2 with one line naming file, field and expectation', () => {
  for (const c of ERROR_CASES) {
    it(c.name, async ({ expect }) => {
      const tag = c.name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
      const { args, file, field, expected } = c.setup(tag);
      const r = await pmbt(args);
      expect(r.code, `stderr: ${r.stderr}stdout: ${r.stdout.slice(0, 300)}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      expect(lines).toHaveLength(1);
      const line = lines[0]!;
      expect(line).toContain(`${file}: ${field}: expected`);
      expect(line).toMatch(expected);
    });
  }

  const USAGE_CASES: { name: string; args: string[]; says: RegExp }[] = [
    { name: 'usage: no --market', args: ['--portfolio', SAMPLE_PORTFOLIO], says: /--market is required/ },
    { name: 'usage: unknown flag', args: ['--portfolio', SAMPLE_PORTFOLIO, '--market', SAMPLE_MARKET, '--bogus'], says: /--bogus/ },
    { name: 'usage: neither --portfolio nor --binance-*', args: ['--market', SAMPLE_MARKET], says: /--portfolio/ },
  ];
  for (const c of USAGE_CASES) {
    it(c.name, async ({ expect }) => {
      const r = await pmbt(c.args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(c.says);
    });
  }
});
