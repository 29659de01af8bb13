import { InputError } from '../domain/errors.js';

/** A whole (small) byte stream as UTF-8 text. */
export async function collectText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const c of chunks) text += decoder.decode(c, { stream: true });
  return text + decoder.decode();
}

/**
 * A whole gzip'd byte stream as UTF-8 text, stopped with an InputError naming `file` once it
 * decodes to more than `maxChars` characters (a damaged or hostile file cannot fill the memory).
 * DecompressionStream (a global, as in browsers) keeps this layer free of node: modules.
 */
export async function collectGzipText(chunks: AsyncIterable<Uint8Array>, file: string, maxChars: number): Promise<string> {
  const gunzip = new DecompressionStream('gzip');
  const writer = gunzip.writable.getWriter();
  // An error reading the source (no such file) aborts the gunzip, so the read below ends with it.
  let sourceError: unknown;
  const feed = (async () => {
    const source = chunks[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await source.next();
      } catch (e) {
        sourceError = e;
        await writer.abort(e).catch(() => undefined);
        return;
      }
      if (next.done === true) break;
      try {
        await writer.write(next.value);
      } catch {
        // The gunzip failed or was cancelled: the read side says why.
        await source.return?.();
        return;
      }
    }
    await writer.close().catch(() => undefined);
  })();
  const decoder = new TextDecoder();
  let text = '';
  const reader = gunzip.readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (text.length > maxChars) throw new InputError(file, '', `gzip'd text of at most ${maxChars} characters`, 'more');
    }
    await feed;
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    await feed;
    if (sourceError !== undefined) throw sourceError;
    if (e instanceof InputError) throw e;
    throw new InputError(file, '', "gzip'd JSON lines", `bytes that do not gunzip (${e instanceof Error ? e.message : String(e)})`);
  }
  return text + decoder.decode();
}

/** Text lines of a byte stream (without the newline), decoded as UTF-8 across chunk boundaries. */
export async function* readLines(chunks: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const c of chunks) {
    rest += decoder.decode(c, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = rest.indexOf('\n', start)) >= 0) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}

/** JSON.parse that names the file and line (or row) instead of throwing a bare SyntaxError. */
export function parseJsonAt(text: string, file: string, path: string, expected: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(file, path, expected, `text that is not JSON (${e instanceof Error ? e.message : String(e)}): ${describeJson(text)}`);
  }
}

/** A value as it appears in an error message, cut short. */
export function describeJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
