import { HOUR, type SeriesRow } from './series.js';

export const BETA_T0 = Date.UTC(2024, 0, 1);

/**
 * 30 days of index rows every 20 minutes whose hourly log returns have known betas on BTC's
 * (docs/risk.md "Betas"): BTC's hourly log return alternates +0.01, −0.01; ETH's is 1.5 × BTC's
 * (β = 1.5 exactly, R² = 1); SOL's is 0.7 × BTC's plus z, z's returns +0.005, +0.005, −0.005,
 * −0.005 — orthogonal to BTC's over every 4 hours and of mean zero, so the OLS slope is 0.7 and
 * R² = 0.49·1e-4 / (0.49·1e-4 + 0.25·1e-4) = 0.49 / 0.74. The rows at :20 and :40 carry junk the
 * hourly sampling (the price in force at each hour) must not read. AVAX has 5 hourly rows only.
 * USDT stays at 1 (a stablecoin: never estimated).
 */
export function makeBetaHistory(t0 = BETA_T0, hours = 30 * 24): SeriesRow[] {
  const btc = (h: number) => Math.log(40_000) + (h % 2 === 1 ? 0.01 : 0);
  const z = (h: number) => [0, 0.005, 0.01, 0.005][h % 4]!;
  const rows: SeriesRow[] = [];
  for (let h = 0; h <= hours; h++) {
    const t = t0 + h * HOUR;
    const x = btc(h) - btc(0);
    rows.push([t, 'BTC', 'index', Math.exp(btc(h))], [t, 'ETH', 'index', 2000 * Math.exp(1.5 * x)], [t, 'SOL', 'index', 100 * Math.exp(0.7 * x + z(h))], [t, 'USDT', 'index', 1]);
    if (h >= hours - 4) rows.push([t, 'AVAX', 'index', 30 + h % 3]);
    for (const m of [20, 40]) if (h < hours) for (const a of ['BTC', 'ETH', 'SOL']) rows.push([t + m * 60_000, a, 'index', 1 + ((h * 7 + m) % 13)]);
  }
  return rows;
}
