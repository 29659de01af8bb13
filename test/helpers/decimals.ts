import fc from 'fast-check';
import { Dec } from '../../src/domain/decimal.js';
import { PRECISION } from '../../src/domain/scaled.js';

// Decimals for the property tests of the scaled-integer arithmetic (domain/scaled.ts) and of the
// exact formulas computed with it. Seeded; CI may raise the size with PMBT_PROPERTY_RUNS.
export const propertyRuns = Number(process.env.PMBT_PROPERTY_RUNS ?? 200);
export const propertySeed = Number(process.env.PMBT_SEED ?? 20261121);

/** Same value and the same representation (sign, exponent, base-10⁷ words). */
export const sameDec = (x: Dec, y: Dec) => x.s === y.s && x.e === y.e && x.d.length === y.d.length && x.d.every((w, i) => w === y.d[i]);

// Amounts of every kind the replay meets: short decimals (quantities, balances), floats' shortest
// decimals (prices, rates), 40-digit results, longer ones, from 1e-40 to 1e40, either sign; and
// coefficients built to sit on a rounding boundary (…5, …50…01, …49…9, 99…9 past 40 digits).
const digitsOf = (n: number) => fc.bigInt({ min: 1n, max: 10n ** BigInt(n) - 1n });
export const amount = fc.oneof(
  fc.tuple(digitsOf(12), fc.integer({ min: -20, max: 12 })),
  fc.tuple(digitsOf(40), fc.integer({ min: -60, max: 20 })),
  fc.tuple(digitsOf(48), fc.integer({ min: -70, max: 10 })),
  fc.tuple(fc.constantFrom('5', '50000001', '4999999', '0'), fc.bigInt({ min: 1n, max: 10n ** 39n }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: -50, max: 10 }))
    .map(([tail, head, extra, k]) => [BigInt(`${head}${'0'.repeat(Math.max(0, PRECISION - head.toString().length + extra - tail.length))}${tail}`), k] as const),
  fc.tuple(fc.integer({ min: 41, max: 44 }), fc.integer({ min: -50, max: 10 })).map(([n, k]) => [10n ** BigInt(n) - 1n, k] as const),
  fc.double({ min: 1e-12, max: 1e12, noNaN: true }).map((x) => [0n, x] as const),
).chain(([m, k]) => fc.boolean().map((negative) => (m === 0n ? new Dec(negative ? -k : k) : new Dec(`${negative ? '-' : ''}${m}e${k}`))));


/** Positive prices: amounts' magnitudes and floats' shortest decimals. */
export const price = fc.oneof(amount.map((a) => a.abs()), fc.double({ min: 1e-6, max: 1e7, noNaN: true, noDefaultInfinity: true }).filter((x) => x > 0).map((x) => new Dec(x)));
/** CM position sizes in contracts: whole numbers, and any amount. */
export const contracts = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => new Dec(n)), amount);
/** Contract sizes, zero included (left to Dec). */
export const contractSize = fc.constantFrom(new Dec(10), new Dec(100), new Dec('0.001'), new Dec(0));
