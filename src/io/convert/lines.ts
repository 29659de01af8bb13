import { iterateChunks, type ByteSource } from './documents.js';

export interface TextLine {
  /** 1-based line number. */
  number: number;
  /** The line without its line break; undefined when it was longer than the limit. */
  text: string | undefined;
  /** Length in characters (the length it had, for an overlong line). */
  length: number;
}

/**
 * Splits text or UTF-8 bytes into lines (\n or \r\n), holding at most `maxLineChars` of one line in
 * memory: a longer line is reported with `text: undefined` and skipped, so one huge line cannot
 * exhaust memory and the lines after it are still read.
 */
export async function* readLines(source: ByteSource, maxLineChars: number): AsyncIterable<TextLine> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let overlongLength = -1; // ≥ 0 while skipping the rest of an overlong line
  let number = 0;
  let first = true;

  function* take(text: string, final: boolean): Generator<TextLine> {
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM some editors write
    }
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      const piece = text.slice(from, nl);
      from = nl + 1;
      number++;
      if (overlongLength >= 0) {
        yield { number, text: undefined, length: overlongLength + piece.length };
        overlongLength = -1;
      } else {
        const line = pending + piece;
        pending = '';
        yield { number, text: line.endsWith('\r') ? line.slice(0, -1) : line, length: line.length };
      }
    }
    const rest = text.slice(from);
    if (overlongLength >= 0) overlongLength += rest.length;
    else if (pending.length + rest.length > maxLineChars) {
      overlongLength = pending.length + rest.length;
      pending = '';
    } else pending += rest;
    if (final && (pending.length > 0 || overlongLength >= 0)) {
      number++;
      yield overlongLength >= 0 ? { number, text: undefined, length: overlongLength } : { number, text: pending.endsWith('\r') ? pending.slice(0, -1) : pending, length: pending.length };
      pending = '';
      overlongLength = -1;
    }
  }

  for await (const chunk of iterateChunks(source)) {
    yield* take(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }), false);
  }
  yield* take(decoder.decode(), true);
}
