import { describe, expect, it } from 'vitest';
import { createNamedRandom, createRandom, deriveSeed, nextLogUniform, pickWeighted, shuffleInPlace } from '../../src/sample/random.js';

const draw = (seed: number, n: number) => {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => rng.nextUint32());
};

describe('seeded random', () => {
  it('repeats its stream for the same seed and changes it with the seed', () => {
    expect(draw(42, 1000)).toEqual(draw(42, 1000));
    expect(draw(42, 1000)).not.toEqual(draw(43, 1000));
    // Seeds past 2^32 use their high bits too.
    expect(draw(2 ** 40, 10)).not.toEqual(draw(2 ** 40 + 2 ** 32, 10));
  });

  it('gives independent named streams', () => {
    expect(deriveSeed(1, 'factor')).not.toBe(deriveSeed(1, 'jumps'));
    expect(deriveSeed(1, 'factor')).not.toBe(deriveSeed(2, 'factor'));
    expect(deriveSeed(1, 'factor')).toBe(deriveSeed(1, 'factor'));
    expect(createNamedRandom(7, 'a').nextFloat()).not.toBe(createNamedRandom(7, 'b').nextFloat());
  });

  it('draws uniforms in [0, 1) and standard normals', () => {
    const rng = createRandom(20240301);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.nextFloat();
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = rng.nextNormal();
      sum += z;
      sumSq += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(sumSq / n).toBeGreaterThan(0.97);
    expect(sumSq / n).toBeLessThan(1.03);
  });

  it('keeps integers, weights, log-uniforms and shuffles in range', () => {
    const rng = createRandom(5);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) {
      const k = rng.nextInt(3, 5);
      expect(k === 3 || k === 4 || k === 5).toBe(true);
      counts[pickWeighted(rng, { a: 3, b: 1 })]++;
      const v = nextLogUniform(rng, 10, 1000);
      expect(v).toBeGreaterThanOrEqual(10);
      expect(v).toBeLessThanOrEqual(1000);
    }
    expect(counts.a / 10_000).toBeCloseTo(0.75, 1);
    expect(shuffleInPlace(rng, [1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects seeds that are not whole numbers ≥ 0', () => {
    expect(() => createRandom(-1)).toThrow(RangeError);
    expect(() => createRandom(1.5)).toThrow(RangeError);
  });
});
