import type { InputError } from '../../domain/errors.js';

/**
 * One portfolio of a multi-portfolio file: its raw document (shaped like the JSON document,
 * absent fields omitted), or why it could not be decoded. A bad portfolio fails alone; problems
 * with the whole file (not Arrow, wrong schema, truncated) are thrown instead.
 */
export type PortfolioDocumentItem =
  | { index: number; doc: Record<string, unknown>; error?: undefined }
  | { index: number; error: InputError; doc?: undefined };

/** Text or bytes, whole or as chunks (a file stream, an S3 body). */
export type ByteSource = string | Uint8Array | AsyncIterable<Uint8Array | string>;

export async function* iterateChunks(source: ByteSource): AsyncIterable<Uint8Array | string> {
  if (typeof source === 'string' || source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source;
}
