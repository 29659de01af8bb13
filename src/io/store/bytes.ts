import { InputError } from '../../domain/errors.js';

export function tooLargeError(uri: string, maxBytes: number, size: number | string): InputError {
  return new InputError(uri, '', `an object of at most ${maxBytes} bytes`, typeof size === 'number' ? `${size} bytes` : size);
}

/**
 * Concatenates a stream, refusing it once it passes maxBytes: the declared size is checked before
 * reading, but an object can grow (local file) or a server can send more than it declared.
 */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>, uri: string, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLargeError(uri, maxBytes, `more than ${maxBytes} bytes`);
    parts.push(chunk);
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

export function encodeText(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
