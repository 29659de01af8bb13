#!/usr/bin/env node
// Regenerates data/rules/ from data/reference/ (Binance data, see its README) and the documented defaults below.
// Run: node scripts/build-default-rules.mjs [path/to/um_brackets.json]. Output is deterministic.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bracketsFile = process.argv[2] ?? `${root}data/reference/um_brackets_2024-10-24.json`;
const write = (name, doc) => writeFileSync(`${root}data/rules/${name}`, `${JSON.stringify(doc, null, 1)}\n`);

// 1. USDⓈ-M brackets: Binance's own rows, fields the engine uses, symbols sorted.
const reference = JSON.parse(readFileSync(bracketsFile, 'utf8'));
const umBrackets = {};
for (const symbol of Object.keys(reference.brackets).sort()) {
  umBrackets[symbol] = reference.brackets[symbol].map((b) => ({
    bracket: b.bracket, notionalFloor: b.notionalFloor, notionalCap: b.notionalCap, maintMarginRatio: b.maintMarginRatio, cum: b.cum,
  }));
}
write('20-um-brackets.json', {
  version: 1,
  source: `USDⓈ-M leverage brackets of ${Object.keys(umBrackets).length} symbols: Binance /fapi/v1/leverageBracket snapshot of 2024-10-24 (data/reference/um_brackets_2024-10-24.json). Replace with your own /papi/v1/um/leverageBracket response through --rules.`,
  umBrackets,
});

// 2. COIN-M contracts. Binance's COIN-M bracket tables were not recovered, so this is a LABELLED
// DEFAULT, not Binance data: one tax-bracket template by coin quantity, written for BTC and scaled
// for other coins by roughly how many coins matched 1 BTC on 2024-10-24.
const cmTemplate = [
  [0, 5, 0.004], [5, 10, 0.005], [10, 20, 0.01], [20, 50, 0.025], [50, 100, 0.05],
  [100, 200, 0.1], [200, 400, 0.125], [400, 1000, 0.25], [1000, 1500, 0.5],
];
const coinsPerBtc = { BTC: 1, ETH: 25, BNB: 100, SOL: 400, XRP: 100000, DOGE: 500000, ADA: 200000, LINK: 6000, DOT: 16000, LTC: 1000, AVAX: 2500, TRX: 400000 };
const cmContracts = {};
for (const [coin, scale] of Object.entries(coinsPerBtc)) {
  let cum = 0;
  let prevRate = 0;
  cmContracts[`${coin}USD_PERP`] = {
    contractSize: coin === 'BTC' ? 100 : 10,
    marginAsset: coin,
    brackets: cmTemplate.map(([floor, cap, rate], i) => {
      cum = i === 0 ? 0 : Number((cum + floor * scale * (rate - prevRate)).toFixed(8));
      prevRate = rate;
      return { bracket: i + 1, qtyFloor: floor * scale, qtyCap: cap * scale, maintMarginRatio: rate, cum };
    }),
  };
}
write('30-cm-contracts.json', {
  version: 1,
  source: 'COIN-M contracts: contract sizes per Binance (BTC 100 USD, others 10 USD); bracket tables are a pm-backtester DEFAULT (not published by Binance): BTC template 0.4%→50% by coin quantity, scaled per coin. Delivery contracts X_YYMMDD use X_PERP\'s. Replace with your /papi/v1/cm/leverageBracket response through --rules.',
  cmContracts,
});

// 3. Collateral rates: flat, PM. Stablecoins 1; others a pm-backtester DEFAULT in the range Binance
// has shown for PM collateral (majors 0.95, large caps 0.85–0.9). Bring today's 360+ assets with
// --rules <saved /sapi/v1/portfolio/collateralRate or /sapi/v2 tiered response>.
write('10-collateral.json', {
  version: 1,
  source: 'Collateral rates: stablecoins 1 (Binance); other assets are pm-backtester defaults (majors 0.95, large caps 0.85–0.9), not a Binance snapshot. Replace with your /sapi/v1/portfolio/collateralRate (or tiered /sapi/v2) response through --rules.',
  collateral: {
    USDT: '1', USDC: '1', FDUSD: '1', BUSD: '1',
    BTC: '0.95', ETH: '0.95', BNB: '0.95', SOL: '0.9', XRP: '0.9',
    DOGE: '0.85', ADA: '0.85', LINK: '0.85', DOT: '0.85', LTC: '0.85', AVAX: '0.85', TRX: '0.85',
  },
});

// 4. Program parameters from docs/margin-rules.md.
write('00-program.json', {
  version: 1,
  source: 'Program parameters from docs/margin-rules.md: loan MMR by margin leverage (3x 10%, 5x 8%, 10x 5%), status thresholds 1.5/1.2/1.05, liquidation fees (BTCUSDT and ETHUSDT 1.25% in a 2024 snapshot, cross margin 2%), negative-balance interest from 2025-05-17 (0.1%/day, threshold 0 = VIP 0). Loan interest rates are pm-backtester defaults (0.001%/h; BTC 0.0002%/h, ETH 0.0003%/h), not the live rates of Binance.',
  quoteAssets: ['USDT', 'USDC', 'FDUSD', 'BUSD', 'BTC', 'ETH', 'BNB'],
  loanMaintMarginRatio: { 3: '0.10', 5: '0.08', 10: '0.05' },
  defaultMarginLeverage: 3,
  thresholds: { marginCall: '1.5', reduceOnly: '1.2', liquidation: '1.05' },
  liquidationFee: { default: '0.0125', crossMargin: '0.02', bySymbol: { BTCUSDT: '0.0125', ETHUSDT: '0.0125' } },
  // pm-backtester defaults, not Binance's live rates: 0.001 %/h (docs/margin-rules.md's example) for most
  // assets, lower for BTC and ETH. Replace with the rates of your period.
  loanInterestHourly: { default: '0.00001', byAsset: { BTC: '0.000002', ETH: '0.000003' } },
  // docs/margin-rules.md §5: in force since 2025-05-17; the threshold depends on VIP level (VIP 9: 10,000).
  negativeBalanceInterest: { dailyRate: '0.001', thresholdUSD: '0', effectiveFrom: '2025-05-17T00:00:00Z' },
  transferInLimits: {},
  positionLimits: {},
});
