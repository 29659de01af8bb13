import fc from 'fast-check';

// Byte mutations of binary inputs (Arrow files) for the fuzz tests and the regression tests of the
// inputs they found.

export type ByteMutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'int32'; at: number; value: number };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  // A 4-byte-aligned int32 (Arrow's lengths and flatbuffer offsets are aligned): extremes or any.
  fc.record({ kind: fc.constant('int32' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(-1, 0, 0x7fffffff, -0x80000000, 0xffff, 8), fc.integer()) }),
);

/** Applies the mutations to a copy of `bytes`; `at` picks a position modulo the current length. */
export function mutateBytes(bytes: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (const m of mutations) {
    if (b.length < 4) break;
    const at = m.at % b.length;
    if (m.kind === 'set') b[at] = m.byte;
    else if (m.kind === 'flip') b[at] = b[at]! ^ (1 << m.bit);
    else if (m.kind === 'cut') b = b.slice(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    else new DataView(b.buffer).setInt32(Math.min(at, b.length - 4) & ~3, m.value, true);
  }
  return b;
}
