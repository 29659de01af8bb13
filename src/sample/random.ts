/**
 * Seeded randomness for the synthetic sample data. Nothing in src/sample may use Math.random: the
 * bundled files must be reproducible byte for byte from their seed.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit words so every step is exact integer arithmetic
 * in JavaScript, seeded through splitmix32 so nearby seeds give unrelated streams. Normal draws use
 * Box–Muller; V8 computes Math.log/sqrt/cos with its own fdlibm port, so the floats are the same on
 * every platform Node runs on.
 */

export interface Random {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** Uniform in [min, max). */
  nextUniform(min: number, max: number): number;
  /** Uniform integer in [min, max], both inclusive. */
  nextInt(min: number, maxInclusive: number): number;
  /** Standard normal N(0, 1). */
  nextNormal(): number;
  /** True with probability p. */
  nextBoolean(p: number): boolean;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_POW_32 = 4294967296;

/** FNV-1a of a label's UTF-16 code units: names a stream without a registry of numbers. */
function hashLabel(label: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** One splitmix32 step: a well-mixed 32-bit word from a counter. */
function mixSplit32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seed for an independent stream named `label` under `seed`. Each component of the generator
 * (market factor, each asset, each contract's basis, funding jitter, portfolios) draws from its own
 * stream, so adding a contract or a portfolio does not shift every other series.
 */
export function deriveSeed(seed: number, label: string): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a whole number ≥ 0, got ${seed}`);
  const low = seed % TWO_POW_32;
  const high = Math.floor(seed / TWO_POW_32);
  return mixSplit32(mixSplit32(low ^ hashLabel(label)) ^ high);
}

export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a whole number ≥ 0, got ${seed}`);
  // splitmix32 fills the state so that it is never all zero (xoshiro's one forbidden state).
  let counter = (seed % TWO_POW_32) ^ Math.floor(seed / TWO_POW_32);
  const next = () => {
    counter = (counter + 0x9e3779b9) >>> 0;
    return mixSplit32(counter);
  };
  let s0 = next();
  let s1 = next();
  let s2 = next();
  let s3 = next();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  const nextFloat = (): number => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;

  let spareNormal: number | undefined;
  const nextNormal = (): number => {
    if (spareNormal !== undefined) {
      const v = spareNormal;
      spareNormal = undefined;
      return v;
    }
    // 1 − u keeps the logarithm's argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - nextFloat()));
    const angle = 2 * Math.PI * nextFloat();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return {
    nextUint32,
    nextFloat,
    nextUniform: (min, max) => min + (max - min) * nextFloat(),
    nextInt: (min, maxInclusive) => min + Math.floor(nextFloat() * (maxInclusive - min + 1)),
    nextNormal,
    nextBoolean: (p) => nextFloat() < p,
  };
}

/** A random stream named `label` under `seed` (see deriveSeed). */
export function createNamedRandom(seed: number, label: string): Random {
  return createRandom(deriveSeed(seed, label));
}

/** Picks a key with probability proportional to its weight; weights need not sum to 1. */
export function pickWeighted<K extends string>(rng: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let u = rng.nextFloat() * total;
  for (const [key, w] of entries) {
    if (u < w) return key;
    u -= w;
  }
  return entries[entries.length - 1]![0];
}

/** Uniform on a log scale: sizes of accounts span orders of magnitude. */
export function nextLogUniform(rng: Random, min: number, max: number): number {
  return Math.exp(rng.nextUniform(Math.log(min), Math.log(max)));
}

/** In-place Fisher–Yates shuffle. */
export function shuffleInPlace<T>(rng: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(0, i);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
