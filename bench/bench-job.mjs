// The bench's job (docs/performance.md "The benchmark"): a week of minute prices for four coins,
// their USDT and COIN-M perpetuals (funding every 8 h unless `funding` is false), and portfolios of
// `legs` positions each. Deterministic: the same sizes give the same job. Shared by run.mjs and ab.mjs.

/** The job's price series (a SeriesTable) and portfolio documents. */
export function makeBenchJob({ PORTFOLIOS, STEPS, LEGS, FUNDING, T0 }) {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

  // Market: four coins, their USDT perpetuals and COIN-M perpetuals, funding every 8 h.
  const COINS = { BTC: 60000, ETH: 3000, BNB: 500, SOL: 150 };
  const times = [], symbols = [], kinds = [], values = [];
  const symbolIds = new Map();
  const push = (t, s, kind, v) => {
    if (!symbolIds.has(s)) symbolIds.set(s, symbolIds.size);
    times.push(t); symbols.push(symbolIds.get(s)); kinds.push(kind); values.push(v);
  };
  const price = { ...COINS };
  for (let k = 0; k < STEPS; k++) {
    const t = T0 + k * 60_000;
    const common = (rand() - 0.5) * 0.004;
    push(t, 'USDT', 0, 1);
    for (const c of Object.keys(COINS)) {
      price[c] *= 1 + common + (rand() - 0.5) * 0.002;
      push(t, c, 0, price[c]);
      push(t, `${c}USDT`, 1, price[c] * (1 + (rand() - 0.5) * 0.001));
      push(t, `${c}USD_PERP`, 1, price[c] * (1 + (rand() - 0.5) * 0.001));
    }
    if (FUNDING && k % 480 === 0) for (const c of Object.keys(COINS)) { push(t + 5, `${c}USDT`, 2, 0.0001); push(t + 5, `${c}USD_PERP`, 2, 0.0001); }
  }
  const series = { times: Float64Array.from(times), symbolIds: Int32Array.from(symbols), symbols: [...symbolIds.keys()], kinds: Uint8Array.from(kinds), values: Float64Array.from(values) };

  const coins = Object.keys(COINS);
  const docs = Array.from({ length: PORTFOLIOS }, (_, i) => {
    const um = [], cm = [];
    for (let l = 0; l < LEGS; l++) {
      const c = coins[(i + l) % coins.length];
      const side = rand() < 0.5 ? 1 : -1;
      if (l % 2 === 0) um.push({ symbol: `${c}USDT`, positionAmt: (side * (2000 + rand() * 20000) / COINS[c]).toFixed(3), entryPrice: String(COINS[c]) });
      else cm.push({ symbol: `${c}USD_PERP`, positionAmt: String(side * (1 + Math.floor(rand() * 50))), entryPrice: String(COINS[c]) });
    }
    return { id: `b${i}`, mode: 'PM', balances: [{ asset: 'USDT', umWalletBalance: String(20000 + Math.floor(rand() * 20000)) }, { asset: 'BTC', crossMarginFree: '0.5', cmWalletBalance: '0.2' }, { asset: 'ETH', crossMarginFree: '5' }, { asset: 'BNB', cmWalletBalance: '10' }, { asset: 'SOL', cmWalletBalance: '50' }], umPositions: um, cmPositions: cm };
  });
  return { series, docs };
}

/** PMBT_BENCH_SPEC: JSON merged into the bench job's spec (e.g. '{"risk":{"distance":false}}'), {} when unset. */
export function readBenchSpecExtras() {
  return process.env.PMBT_BENCH_SPEC ? JSON.parse(process.env.PMBT_BENCH_SPEC) : {};
}
