import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { InputError } from '../../src/domain/errors.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { parseMarketSnapshot } from '../../src/io/json/market.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { formatBinanceDecimal } from '../../src/records/binance-format.js';
import { calculateRiskMatrices, type RiskMatrixOptions } from '../../src/risk/matrix.js';
import { loadDefaultRules } from '../helpers/rules.js';
import { ROOT } from '../helpers/pmbt.js';
import { runPmbt } from '../helpers/pmbt.js';

// The risk matrices (issue 17 item 2) on the bundled PM Pro example: every cell is checked against
// the exact engine at a market built here from the sample's prices, independently of src/risk's
// shock code. The example holds USDT, BTC, ETH; BTCUSDT and BTCUSDT_220624 (USDⓈ-M, quoted in
// USDT) and BTCUSD_PERP (COIN-M, quoted in USD).

const read = (name: string) => JSON.parse(readFileSync(join(ROOT, 'data', 'samples', name), 'utf8')) as Record<string, unknown>;

async function sample() {
  const rules = await loadDefaultRules([{ name: 'rules-pm-pro-example.json', doc: read('rules-pm-pro-example.json') }]);
  return { rules, portfolio: parsePortfolio(read('portfolio-pm-pro-example.json'), rules), market: parseMarketSnapshot(read('market-example.json')) };
}

/** The sample market with each asset's USD price times its factor; a mark moves by base ÷ quote. */
function marketAt(f: { BTC: Dec; ETH: Dec; USDT: Dec }) {
  const usd = (p: string, k: Dec) => new Dec(p).times(k).toString();
  return parseMarketSnapshot({
    time: 1650000000000,
    indexPrices: { USDT: usd('1', f.USDT), BTC: usd('40000', f.BTC), ETH: usd('2000', f.ETH) },
    markPrices: { BTCUSDT: usd('40000', f.BTC.div(f.USDT)), BTCUSDT_220624: usd('42000', f.BTC.div(f.USDT)), BTCUSD_PERP: usd('40000', f.BTC) },
  });
}

const OPTIONS: RiskMatrixOptions = { leader: 'BTC', betas: new Map(), points: 5, rangePct: 20, stablecoin: 'USDT' };
const SHOCKS = ['-0.2', '-0.1', '0', '0.1', '0.2'].map((s) => new Dec(s));

describe('the risk matrices', async () => {
  const { rules, portfolio, market } = await sample();
  const m = calculateRiskMatrices(portfolio, market, rules, OPTIONS);
  const uniAt = (f: { BTC: Dec; ETH: Dec; USDT: Dec }) => {
    const s = calculateAccountSnapshot(portfolio, marketAt(f), rules);
    return { uniMMR: s.uniMMR === null ? null : formatBinanceDecimal(s.uniMMR), status: s.accountStatus };
  };
  const one = new Dec(1);

  it('has the axes asked for, 0 in the middle, and the unshocked account there', () => {
    expect(m.leaderOthers.rows).toEqual({ name: 'leader:BTC', shocksPct: ['-20.0000', '-10.0000', '0.0000', '10.0000', '20.0000'] });
    expect(m.leaderOthers.cols.name).toBe('others:BTC');
    expect(m.leaderDepeg.cols.name).toBe('depeg:USDT');
    // The example's published uniMMR (pmbt snapshot: 6.15351257).
    expect(m.leaderOthers.uniMMR[2]![2]).toBe('6.15351257');
    expect(m.leaderDepeg.uniMMR[2]![2]).toBe('6.15351257');
  });

  it('leader × others: BTC by (1 + r), ETH by (1 + r)(1 + c) (beta 1), USDT still — every cell as the exact engine has it', () => {
    SHOCKS.forEach((r, i) => SHOCKS.forEach((c, j) => {
      const want = uniAt({ BTC: one.plus(r), ETH: one.plus(r).times(one.plus(c)), USDT: one });
      expect([m.leaderOthers.uniMMR[i]![j], m.leaderOthers.status[i]![j]], `row ${i}, col ${j}`).toEqual([want.uniMMR, want.status]);
    }));
    // a long-BTC book: the leader's fall lowers uniMMR along the middle column
    const middle = m.leaderOthers.uniMMR.map((row) => Number(row[2]));
    expect(middle).toEqual([...middle].sort((a, b) => a - b));
  });

  it('leader × depeg: BTC and ETH by (1 + r), USDT by (1 + c), USDⓈ-M marks (in USDT) by (1 + r)/(1 + c)', () => {
    SHOCKS.forEach((r, i) => SHOCKS.forEach((c, j) => {
      const want = uniAt({ BTC: one.plus(r), ETH: one.plus(r), USDT: one.plus(c) });
      expect([m.leaderDepeg.uniMMR[i]![j], m.leaderDepeg.status[i]![j]], `row ${i}, col ${j}`).toEqual([want.uniMMR, want.status]);
    }));
  });

  it('refuses an even number of cells, a range of 100 % or more, and a depeg of a non-stablecoin', () => {
    expect(() => calculateRiskMatrices(portfolio, market, rules, { ...OPTIONS, points: 4 })).toThrow(InputError);
    expect(() => calculateRiskMatrices(portfolio, market, rules, { ...OPTIONS, rangePct: 100 })).toThrow(/matrix-range: expected a percentage above 0 and below 100/);
    expect(() => calculateRiskMatrices(portfolio, market, rules, { ...OPTIONS, stablecoin: 'BTC' })).toThrow(/depeg: expected a stablecoin/);
    // ETH's beta 3 over ±50 % would move ETH by −150 %: refused, naming the range that fits (100 / 3).
    expect(() => calculateRiskMatrices(portfolio, market, rules, { ...OPTIONS, rangePct: 50, betas: new Map([['ETH', new Dec(3)]]) }))
      .toThrow('options: matrix-range: expected a range whose moves keep every price above zero: below 33.33 % with ETH\'s beta 3, got 50');
    expect(() => calculateRiskMatrices(portfolio, market, rules, { ...OPTIONS, rangePct: 33, betas: new Map([['ETH', new Dec(-3)]]) })).not.toThrow();
  });
});

describe('pmbt risk --matrix', () => {
  const args = ['risk', '--portfolio', 'data/samples/portfolio-pm-pro-example.json', '--market', 'data/samples/market-example.json', '--rules', 'data/samples/rules-pm-pro-example.json'];
  it('adds both matrices to the JSON document; a bad size exits 2 with one line', async () => {
    const r = await runPmbt([...args, '--matrix', '3', '--matrix-range', '10']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { matrices: { leaderOthers: { uniMMR: string[][] }; leaderDepeg: { rows: { shocksPct: string[] } } } };
    expect(out.matrices.leaderOthers.uniMMR).toHaveLength(3);
    expect(out.matrices.leaderOthers.uniMMR[1]![1]).toBe('6.15351257');
    expect(out.matrices.leaderDepeg.rows.shocksPct).toEqual(['-10.0000', '0.0000', '10.0000']);
    const bad = await runPmbt([...args, '--matrix', '4']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pmbt risk: --matrix must be an odd whole number from 3 to 101, got 4 .*\n$/);
  });
});
