import { readFileSync } from 'node:fs';
import { compressionRegistry, CompressionType, tableFromIPC } from 'apache-arrow';
import lz4 from 'lz4js';
import { describe, expect, test } from 'vitest';
import xxh32 from 'lz4js/xxh32.js';
import { compress as compressBokuweb, init as initBokuweb } from '@bokuweb/zstd-wasm';
import { decodeLz4Frame, decodeZstd, encodeLz4Frame, encodeZstd, loadZstdEncoder, MAX_DECODED_BUFFER_BYTES, registerArrowCodecs } from '../../../src/io/arrow/codecs.js';

const REAL = 'test/fixtures/real/';

/** Runs `body` with no decoder registered for `type`, then puts the project's codecs back. */
function withoutCodec(type: CompressionType, body: () => void): void {
  compressionRegistry.set(type, {});
  try {
    body();
  } finally {
    registerArrowCodecs();
  }
}

describe('registerArrowCodecs', () => {
  test('makes pyarrow LZ4-frame Feather files readable (they are not without it)', () => {
    const bytes = readFileSync(`${REAL}XRP_USDT_USDT-8h-mark.feather`);
    withoutCodec(CompressionType.LZ4_FRAME, () => expect(() => tableFromIPC(bytes)).toThrow('Record batch is compressed but codec not found'));
    registerArrowCodecs();
    expect(tableFromIPC(bytes).numRows).toBe(91);
  });

  test('makes the ZSTD fixture readable (it is not without it)', () => {
    const bytes = readFileSync('test/fixtures/arrow/series-zstd-us.arrow');
    withoutCodec(CompressionType.ZSTD, () => expect(() => tableFromIPC(bytes)).toThrow(/compressed but codec not found/));
    registerArrowCodecs();
    expect(tableFromIPC(bytes).numRows).toBe(600);
  });

  test('is idempotent and keeps an encoder registered by someone else', () => {
    const encode = (b: Uint8Array) => lz4.compress(b);
    compressionRegistry.set(CompressionType.LZ4_FRAME, { encode });
    registerArrowCodecs();
    registerArrowCodecs();
    const codec = compressionRegistry.get(CompressionType.LZ4_FRAME)!;
    expect(codec.encode).toBe(encode);
    expect(codec.decode).toBe(decodeLz4Frame);
    expect(compressionRegistry.get(CompressionType.ZSTD)?.decode).toBe(decodeZstd);
    compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: decodeLz4Frame });
  });
});

describe('decodeLz4Frame', () => {
  const data = new TextEncoder().encode('BTCUSDT,'.repeat(5000));

  test('decodes a frame without a content size', () => {
    expect(decodeLz4Frame(lz4.compress(data))).toEqual(data);
  });

  test('decodes a frame with a content size (lz4js would misread sizes above 2 GiB)', () => {
    const plain = lz4.compress(data);
    // Same frame with the content-size flag and an 8-byte size after the descriptor.
    const withSize = new Uint8Array(plain.length + 8);
    withSize.set(plain.subarray(0, 4));
    withSize[4] = plain[4]! | 0x08;
    withSize[5] = plain[5]!;
    new DataView(withSize.buffer).setBigUint64(6, BigInt(data.length), true);
    withSize.set(plain.subarray(6), 14);
    expect(decodeLz4Frame(withSize)).toEqual(data);
  });

  test('refuses a frame claiming more than the decoded-size limit, and non-LZ4 bytes', () => {
    const header = Uint8Array.of(0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0); // content size 2^40
    expect(() => decodeLz4Frame(header)).toThrow(`LZ4 buffer would decode to 1099511627776 bytes, over the limit of ${MAX_DECODED_BUFFER_BYTES}`);
    expect(() => decodeLz4Frame(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toThrow('LZ4 buffer is not an LZ4 frame (bad magic number)');
  });
});

describe('encodeLz4Frame', () => {
  /** The LZ4 frame format's header checksum: the second byte of xxHash32 (seed 0) of FLG through the content size. */
  const headerChecksum = (header: Uint8Array) => (xxh32.hash(0, header, 0, header.length) >>> 8) & 0xff;

  test('computes the header checksum as the lz4 tool does', () => {
    // `lz4 --content-size --no-frame-crc` of 40,000 bytes starts 04 22 4D 18 | 68 40 | 40 9C 00 00 00 00 00 00 | 58.
    expect(headerChecksum(Uint8Array.of(0x68, 0x40, 0x40, 0x9c, 0, 0, 0, 0, 0, 0))).toBe(0x58);
  });

  test('writes the content size (a reader allocates it exactly) and decodes back to the input', () => {
    const data = new TextEncoder().encode('BTCUSDT,'.repeat(5000)); // 40,000 bytes
    const frame = encodeLz4Frame(data);
    expect(Array.from(frame.subarray(0, 6))).toEqual([0x04, 0x22, 0x4d, 0x18, 0x48, 0x70]); // magic; FLG: version 1, content size; BD: 4 MiB blocks
    expect(new DataView(frame.buffer, frame.byteOffset).getBigUint64(6, true)).toBe(40_000n);
    expect(frame[14]).toBe(headerChecksum(frame.subarray(4, 14)));
    expect(frame.length).toBeLessThan(1000);
    expect(decodeLz4Frame(frame)).toEqual(data);
    expect(lz4.decompress(frame)).toEqual(data);
  });
});

describe('encodeZstd', () => {
  test('writes one frame with its content size that fzstd (through decodeZstd) decodes back to the input', async () => {
    await loadZstdEncoder();
    const data = new TextEncoder().encode('BTCUSDT,'.repeat(5000)); // 40,000 bytes
    const frame = encodeZstd(data);
    expect(Array.from(frame.subarray(0, 4))).toEqual([0x28, 0xb5, 0x2f, 0xfd]); // magic
    // Frame header descriptor 0x60: single segment, a 2-byte content size (bits 7–6 = 1), which the
    // format stores less 256: 40,000 − 256 = 39,744 = 0x9B40, little-endian 40 9B.
    expect(Array.from(frame.subarray(4, 7))).toEqual([0x60, 0x40, 0x9b]);
    expect(frame.length).toBeLessThan(100);
    expect(decodeZstd(frame)).toEqual(data);
    expect(encodeZstd(new Uint8Array(0)).length).toBeGreaterThan(0);
  });

  test('writes the same frame as the reference libzstd build at level 1 (@bokuweb/zstd-wasm, a dev dependency), from 1 MB in one call', async () => {
    await loadZstdEncoder();
    await initBokuweb();
    // A MB of float64s as a timeline column: small integers plus noise in the low bytes.
    const data = new Uint8Array(new Float64Array(131_072).map((_, i) => 1000 + (i % 97) * 1.5 + Math.sin(i) / 3).buffer);
    const frame = encodeZstd(data);
    expect(Buffer.from(frame).equals(Buffer.from(compressBokuweb(data, 1)))).toBe(true);
    expect(decodeZstd(frame)).toEqual(data);
  });
});

describe('decodeZstd', () => {
  test('refuses non-ZSTD bytes and a frame claiming more than the limit', () => {
    expect(() => decodeZstd(Uint8Array.of(1, 2, 3, 4, 5, 6))).toThrow('ZSTD buffer is not a ZSTD frame (bad magic number)');
    // Frame header: single segment, 8-byte content size of 2^40.
    const header = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0);
    expect(() => decodeZstd(header)).toThrow(`ZSTD buffer would decode to 1099511627776 bytes, over the limit of ${MAX_DECODED_BUFFER_BYTES}`);
  });
});
