// lz4js ships no types; this covers the frame functions the Arrow codecs use.
declare module 'lz4js' {
  interface Lz4js {
    /** Decodes one LZ4 frame; `maxSize` sizes the output buffer (read from the frame when omitted). */
    decompress(src: Uint8Array, maxSize?: number): Uint8Array;
    /** Encodes one LZ4 frame (4 MiB blocks, no content size). */
    compress(src: Uint8Array, maxSize?: number): Uint8Array;
    /** Upper bound of the decoded size, read from the frame's header and block headers. */
    decompressBound(src: Uint8Array): number;
  }
  const lz4js: Lz4js;
  export default lz4js;
}

declare module 'lz4js/xxh32.js' {
  /** xxHash32 of `length` bytes of `src` from `at`, as the LZ4 frame format uses it. */
  const xxh32: { hash(seed: number, src: Uint8Array, at: number, length: number): number };
  export default xxh32;
}
