import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import type { Rules } from '../../src/domain/types.js';
import { calculateAccountSnapshot } from '../../src/engine/exact/snapshot.js';
import { calculateAssetEquity, calculateCmMaintMargin, calculateUmMaintMargin } from '../../src/engine/exact/tables.js';
import { parseCollateralTiers } from '../../src/rules/tables.js';
import { flatCm, flatUm, loadDefaultRules, makeRules } from '../helpers/rules.js';
import { marketOf, portfolioOf } from '../helpers/portfolio.js';

// Property runs are seeded; CI may raise the size with PMBT_PROPERTY_RUNS.
const runs = Number(process.env.PMBT_PROPERTY_RUNS ?? 200);
const seed = Number(process.env.PMBT_SEED ?? 20261121);
const params = { numRuns: runs, seed };

const defaults: Rules = await loadDefaultRules();
const umTables = [...defaults.umBrackets.entries()];
const cmTables = [...defaults.cmContracts.values()].map((c) => c.brackets);

/** A decimal with up to 8 places in [0, max). */
const decimalBelow = (max: number) => fc.bigInt({ min: 0n, max: BigInt(max) * 100_000_000n - 1n }).map((n) => new Dec(n.toString()).div(1e8));

describe('maintenance margin over the real bracket tables', () => {
  it('is continuous at every bracket edge of every default table (UM and CM)', () => {
    for (const [symbol, table] of umTables) {
      for (let k = 1; k < table.length; k++) {
        const edge = table[k]!.notionalFloor;
        const below = edge.times(table[k - 1]!.maintMarginRatio).minus(table[k - 1]!.cum);
        expect(calculateUmMaintMargin(table, edge).maintMargin.eq(below), `${symbol} bracket ${k + 1}`).toBe(true);
      }
    }
    for (const table of cmTables) {
      for (let k = 1; k < table.length; k++) {
        const edge = table[k]!.qtyFloor;
        expect(calculateCmMaintMargin(table, edge).maintMargin.eq(edge.times(table[k - 1]!.maintMarginRatio).minus(table[k - 1]!.cum))).toBe(true);
      }
    }
  });

  it('never falls as |position| grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: umTables.length - 1 }), decimalBelow(2_000_000_000), decimalBelow(2_000_000_000), (t, a, b) => {
        const table = umTables[t]![1];
        const [lo, hi] = a.lte(b) ? [a, b] : [b, a];
        expect(calculateUmMaintMargin(table, lo).maintMargin.lte(calculateUmMaintMargin(table, hi).maintMargin)).toBe(true);
      }),
      params,
    );
  });

  it('is never negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: umTables.length - 1 }), decimalBelow(2_000_000_000), (t, n) => {
        expect(calculateUmMaintMargin(umTables[t]![1], n).maintMargin.isNegative() && !calculateUmMaintMargin(umTables[t]![1], n).maintMargin.isZero()).toBe(false);
      }),
      params,
    );
  });
});

/** A random valid tier table: floors rising, rates in [0, 1] falling. */
const tierTable = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 0, max: 100 })), { minLength: 1, maxLength: 6 })
  .map((rows) => {
    let floor = 0;
    const rates = rows.map(([, r]) => r).sort((x, y) => y - x);
    return parseCollateralTiers('prop', 'tiers', rows.map(([width], i) => {
      const row = { tierFloor: floor, tierCap: floor + width, collateralRate: String(rates[i]! / 100) };
      floor += width;
      return row;
    }));
  });

describe('collateral haircuts', () => {
  it('equity with haircuts is never above actual equity when rates ≤ 1', () => {
    fc.assert(
      fc.property(tierTable, fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (tiers, cents) => {
        const value = new Dec(cents.toString()).div(100);
        expect(calculateAssetEquity(tiers, value).lte(value)).toBe(true);
      }),
      params,
    );
  });
  it('collateral value never falls as the holding grows', () => {
    fc.assert(
      fc.property(tierTable, decimalBelow(50_000_000), decimalBelow(50_000_000), (tiers, a, b) => {
        const [lo, hi] = a.lte(b) ? [a, b] : [b, a];
        expect(calculateAssetEquity(tiers, lo).lte(calculateAssetEquity(tiers, hi))).toBe(true);
      }),
      params,
    );
  });
});

describe('uniMMR is scale-free', () => {
  // Flat collateral rates and one bracket per symbol: every term of Σ equity and Σ MM is linear in
  // the amounts, so scaling every balance, position and order by k leaves the ratio unchanged.
  const rules = makeRules({
    collateral: { USDT: '1', BTC: '0.95', ETH: '0.9' },
    umBrackets: { BTCUSDT: flatUm('0.004'), ETHUSDT: flatUm('0.005') },
    cmContracts: { BTCUSD_PERP: { contractSize: 100, marginAsset: 'BTC', brackets: flatCm('0.006') } },
  });
  const market = marketOf({ USDT: '1', BTC: '40000', ETH: '2000' }, { BTCUSDT: '40100', ETHUSDT: '1990', BTCUSD_PERP: '40050' });
  const amount = (max: number) => fc.integer({ min: 0, max }).map((n) => n / 100);
  const signed = (max: number) => fc.integer({ min: -max, max }).map((n) => n / 100);

  it('holds when every balance and position is scaled by the same factor', () => {
    fc.assert(
      fc.property(
        fc.record({ usdt: amount(10_000_000), btc: amount(1_000), ethLoan: amount(500), btcUm: signed(200), ethUm: signed(2_000), btcCm: fc.integer({ min: -500, max: 500 }), order: amount(100) }),
        fc.integer({ min: 2, max: 1000 }),
        fc.constantFrom('PM', 'PM_PRO'),
        (x, k, mode) => {
          // Scale in decimal: a float product such as 0.07·269 would itself be off in the last bit.
          const doc = (k: number) => { const s = (v: number) => new Dec(v).times(k).toString(); return {
            mode,
            balances: [
              { asset: 'USDT', crossMarginFree: s(x.usdt) },
              { asset: 'BTC', crossMarginFree: s(x.btc) },
              { asset: 'ETH', crossMarginBorrowed: s(x.ethLoan), marginLeverage: 5 },
            ],
            umPositions: [
              { symbol: 'BTCUSDT', positionAmt: s(x.btcUm), entryPrice: '39000' },
              { symbol: 'ETHUSDT', positionAmt: s(x.ethUm), entryPrice: '2100' },
            ],
            cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: s(x.btcCm), entryPrice: '41000' }],
            marginOpenOrders: x.order === 0 ? [] : [{ symbol: 'ETHUSDT', side: 'BUY', price: '2500', origQty: s(x.order) }],
          }; };
          const one = calculateAccountSnapshot(portfolioOf(doc(1), rules), market, rules);
          const many = calculateAccountSnapshot(portfolioOf(doc(k), rules), market, rules);
          if (one.uniMMR === null) expect(many.uniMMR).toBeNull();
          // CM PnL divides by prices (1/entry − 1/mark), which rounds at the 40th significant digit,
          // so the ratios agree to that precision rather than to the last digit.
          else expect(many.uniMMR!.minus(one.uniMMR).abs().lte(one.uniMMR.abs().times('1e-30'))).toBe(true);
          expect(many.accountStatus).toBe(one.accountStatus);
        },
      ),
      params,
    );
  });
});
