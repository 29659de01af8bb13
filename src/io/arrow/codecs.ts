import { Zstd } from '@hpcc-js/wasm-zstd';
import { compressionRegistry, CompressionType } from 'apache-arrow';
import { decompress as decompressZstd } from 'fzstd';
import lz4 from 'lz4js';
import xxh32 from 'lz4js/xxh32.js';

/**
 * pyarrow, pandas and polars compress record batches body-buffer by body-buffer (LZ4 frame or
 * ZSTD). apache-arrow reads those only once a decoder is registered; without one it throws
 * "Record batch is compressed but codec not found".
 */

/**
 * Largest decoded size of one compressed buffer. A hostile frame header can claim any size; this
 * keeps one bad file from allocating the machine's memory. One buffer is one column of one batch.
 */
export const MAX_DECODED_BUFFER_BYTES = 1024 * 1024 * 1024;

const LZ4_MAGIC = 0x184d2204;
const ZSTD_MAGIC = 0xfd2fb528;

function readUint32LE(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

/** Reads a little-endian unsigned integer of 1 to 8 bytes as a Number (exact below 2^53). */
function readUintLE(b: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let k = size - 1; k >= 0; k--) v = v * 256 + (b[at + k] ?? 0);
  return v;
}

function checkDecodedSize(codec: string, size: number): void {
  if (size > MAX_DECODED_BUFFER_BYTES) throw new Error(`${codec} buffer would decode to ${size} bytes, over the limit of ${MAX_DECODED_BUFFER_BYTES}`);
}

/**
 * lz4js reads the frame's content-size field with 32-bit shifts (wrong above 2 GiB) and ignores
 * dictionary ids, so the header is read here and the exact output size handed to it.
 */
export function decodeLz4Frame(src: Uint8Array): Uint8Array {
  if (src.length < 7 || readUint32LE(src, 0) !== LZ4_MAGIC) throw new Error('LZ4 buffer is not an LZ4 frame (bad magic number)');
  const flags = src[4] ?? 0;
  if ((flags & 0xc0) !== 0x40) throw new Error('LZ4 frame has an unsupported version');
  if ((flags & 0x01) !== 0) throw new Error('LZ4 frames with a dictionary id are not supported');
  let size: number;
  if ((flags & 0x08) !== 0) {
    size = readUintLE(src, 6, 8);
  } else {
    // Without a content size lz4js sums block sizes: exact for stored blocks, the maximum block
    // size (64 KiB to 4 MiB) for compressed ones. The result is trimmed to the decoded length.
    size = lz4.decompressBound(src);
  }
  checkDecodedSize('LZ4', size);
  return lz4.decompress(src, size);
}

/**
 * An LZ4 frame of `src`: what the job's batch files were compressed with before ZSTD (tests write
 * such files to check they are still read). lz4js leaves the
 * frame's content size out, so a reader would size its output by the block maximum (4 MiB a block,
 * then copy what it used): the size is put in, and the header checksum made again over it.
 */
export function encodeLz4Frame(src: Uint8Array): Uint8Array {
  const frame = lz4.compress(src);
  const out = new Uint8Array(frame.length + 8);
  out.set(frame.subarray(0, 6)); // magic, FLG, BD
  out[4] = (frame[4] ?? 0) | 0x08; // FLG: content size present
  const view = new DataView(out.buffer);
  view.setUint32(6, src.length % 2 ** 32, true);
  view.setUint32(10, Math.floor(src.length / 2 ** 32), true);
  // Header checksum: the second byte of xxHash32 (seed 0) of FLG through the content size.
  out[14] = (xxh32.hash(0, out, 4, 10) >>> 8) & 0xff;
  out.set(frame.subarray(7), 15); // the blocks and end mark, after the old checksum byte
  return out;
}

/** The ZSTD level the job's batch files are written at: level 1 is both the smallest output per CPU and faster than LZ4 here (docs/performance.md "Output size"). */
export const ZSTD_LEVEL = 1;

/**
 * The parts of @hpcc-js/wasm-zstd's Zstd object the encoder uses. Its own `compress` copies the
 * output out of the WebAssembly memory through a JavaScript array (`new Uint8Array([...view])`),
 * ~190 ms a MB against ~3 ms for the compression itself; the same calls with one typed-array copy
 * are made here. They are the package's private members, so its version is pinned exactly in
 * package.json and loadZstdEncoder checks they are there.
 */
interface ZstdInternals {
  _mainModule: { malloc(n: number): { ptr: number; size: number }; free(b: { ptr: number }): void; dataToHeap(d: Uint8Array): { ptr: number; size: number }; _module: { HEAPU8: Uint8Array } };
  _zstdClass: { compressBound(n: number): number; compress(dst: number, cap: number, src: number, n: number, level: number): number; isError(code: number): boolean; getErrorName(code: number): string };
}

let zstd: ZstdInternals | undefined;

/**
 * Loads the ZSTD encoder (libzstd as WebAssembly, its bytes inside the package's own module, so the
 * Lambdas' ESM bundle carries it: no file is read from beside the package). Once a process; ~0.1 to
 * 0.3 s, so only a writer of compressed files calls it.
 */
export async function loadZstdEncoder(): Promise<void> {
  if (zstd !== undefined) return;
  const z = (await Zstd.load()) as unknown as Partial<ZstdInternals>;
  if (typeof z._mainModule?.dataToHeap !== 'function' || !(z._mainModule._module?.HEAPU8 instanceof Uint8Array) || typeof z._zstdClass?.compress !== 'function') {
    throw new Error('@hpcc-js/wasm-zstd is not the version this encoder was written for (its internals changed): install the version package.json pins');
  }
  zstd = z as ZstdInternals;
}

/** One ZSTD frame of `src` (with its content size, which decodeZstd checks); loadZstdEncoder first. */
export function encodeZstd(src: Uint8Array): Uint8Array {
  if (zstd === undefined) throw new Error('the ZSTD encoder is not loaded (await loadZstdEncoder() first)');
  const { _mainModule: wasm, _zstdClass: lib } = zstd;
  const input = wasm.dataToHeap(src);
  const bound = lib.compressBound(src.length);
  const output = wasm.malloc(bound);
  try {
    const size = lib.compress(output.ptr, bound, input.ptr, input.size, ZSTD_LEVEL);
    if (lib.isError(size)) throw new Error(`ZSTD compression of ${src.length} bytes failed: ${lib.getErrorName(size)}`);
    // Read HEAPU8 after the calls: a malloc that grows the memory replaces it.
    return wasm._module.HEAPU8.slice(output.ptr, output.ptr + size);
  } finally {
    wasm.free(output);
    wasm.free(input);
  }
}

/** The frame content size of a ZSTD frame header, or undefined when the writer left it out. */
function readZstdContentSize(src: Uint8Array): number | undefined {
  const descriptor = src[4] ?? 0;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3] ?? 0;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag] ?? 0;
  if (sizeBytes === 0) return undefined;
  const at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  const raw = readUintLE(src, at, sizeBytes);
  return sizeBytes === 2 ? raw + 256 : raw;
}

/** The window a ZSTD frame without a content size declares (its window descriptor byte). */
function readZstdWindowSize(src: Uint8Array): number {
  const descriptor = src[4] ?? 0;
  if ((descriptor >> 5) & 1) return 0; // single segment: the content size is the window
  const windowByte = src[5] ?? 0;
  const base = 2 ** (10 + (windowByte >> 3));
  return base + (base / 8) * (windowByte & 7);
}

/**
 * fzstd sizes its output by the frame's content size, or without one by its window (which the
 * header may claim up to 2 GiB): both are held to the limit first. No output buffer is handed to
 * fzstd: it tests the buffer with `w == 1`, which turns it into a string of all its bytes — for a
 * byte-mutated header claiming ~1 GB that took seconds and failed with "Invalid string length".
 */
export function decodeZstd(src: Uint8Array): Uint8Array {
  if (src.length < 6 || readUint32LE(src, 0) !== ZSTD_MAGIC) throw new Error('ZSTD buffer is not a ZSTD frame (bad magic number)');
  const size = readZstdContentSize(src);
  checkDecodedSize(size === undefined ? 'ZSTD window' : 'ZSTD', size ?? readZstdWindowSize(src));
  const out = decompressZstd(src);
  // fzstd's own buffer starts 12 bytes in; Arrow views buffers as 8-byte-aligned typed arrays.
  return out.byteOffset % 8 === 0 ? out : out.slice();
}

/**
 * Registers the LZ4-frame and ZSTD decoders with apache-arrow's process-wide registry. Safe to
 * call any number of times; an encoder someone else registered (tests writing compressed
 * fixtures) is kept.
 */
export function registerArrowCodecs(): void {
  for (const [type, decode] of [[CompressionType.LZ4_FRAME, decodeLz4Frame], [CompressionType.ZSTD, decodeZstd]] as const) {
    const existing = compressionRegistry.get(type);
    if (existing?.decode === decode) continue;
    compressionRegistry.set(type, existing?.encode ? { encode: existing.encode, decode } : { decode });
  }
}
