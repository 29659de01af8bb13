import { InputError } from '../domain/errors.js';

/** A whole (small) byte stream as UTF-8 text. */
export async function collectText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const c of chunks) text += decoder.decode(c, { stream: true });
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
