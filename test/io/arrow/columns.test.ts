import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { epochBigIntToMs, int64ToMs, msToInt64, type EpochUnit } from '../../../src/io/arrow/columns.js';

describe('int64ToMs (two 32-bit halves instead of a BigInt per row)', () => {
  test.each(['s', 'ms', 'us', 'ns'] as EpochUnit[])('floors exactly like BigInt division, unit %s', (unit) => {
    // Every value whose time is in range (0 … 8.64e15 ms), plus negatives and 64-bit extremes for the floor.
    const limit = { s: 8_640_000_000_000n, ms: 8_640_000_000_000_000n, us: 2n ** 63n - 1n, ns: 2n ** 63n - 1n }[unit];
    fc.assert(
      fc.property(fc.array(fc.bigInt(-limit, limit), { minLength: 1, maxLength: 50 }), (raw) => {
        const values = BigInt64Array.from(raw);
        const out = new Float64Array(values.length);
        int64ToMs(values, values.length, unit, out, 0);
        const expected = raw.map((v) => epochBigIntToMs(v, unit));
        for (let i = 0; i < raw.length; i++) {
          // Beyond 2^53 ms neither is exact; only in-range times must agree to the millisecond.
          if (Math.abs(expected[i]!) <= 8.64e15) expect(out[i]).toBe(expected[i]);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('edge values around the millisecond', () => {
    const raw = [1_637_193_600_017_999_999n, 1_637_193_600_018_000_000n, -1n, -1_000_000n, -1_000_001n];
    const out = new Float64Array(raw.length);
    int64ToMs(BigInt64Array.from(raw), raw.length, 'ns', out, 0);
    expect(Array.from(out)).toEqual([1_637_193_600_017, 1_637_193_600_018, -1, -1, -2]);
  });
});

describe('msToInt64 (the halves written instead of a BigInt per row)', () => {
  test('writes what BigInt writes, for whole ms of either sign up to 2^53', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), { maxLength: 50 }), (ms) => {
        expect(Array.from(msToInt64(ms))).toEqual(ms.map((t) => BigInt(t)));
      }),
      { numRuns: 300 },
    );
    expect(Array.from(msToInt64([0, -1, 4294967295, 4294967296, -4294967296, 1_700_000_000_123]))).toEqual([0n, -1n, 4294967295n, 4294967296n, -4294967296n, 1_700_000_000_123n]);
  });
});
