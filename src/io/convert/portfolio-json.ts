import { InputError } from '../../domain/errors.js';
import { describePortfolioAt, describeValue } from '../../domain/json-fields.js';
import type { ByteSource, PortfolioDocumentItem } from './documents.js';
import { readLines, type TextLine } from './lines.js';

/**
 * Portfolio files in JSON:
 *   JSON Lines  one document per line (blank lines skipped), read line by line: bounded memory,
 *               and a malformed line fails alone.
 *   JSON        one array of documents, or one document; parsed whole, so at most
 *               MAX_JSON_PORTFOLIO_BYTES (use JSON Lines or Arrow for more).
 * Which one: an input starting with "[" is a JSON array; one whose first line is a complete JSON
 * value is JSON Lines; otherwise (a pretty-printed document) it is one JSON document.
 */

export const MAX_JSON_PORTFOLIO_BYTES = 64 * 1024 * 1024;
export const MAX_JSONL_LINE_CHARS = 16 * 1024 * 1024;

function parseJson(text: string): { value: unknown } | { message: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { message: e instanceof Error ? e.message : String(e) };
  }
}

function itemOf(index: number, value: unknown, src: string, path: string): PortfolioDocumentItem {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { index, doc: value as Record<string, unknown> };
  return { index, error: new InputError(src, path, 'a portfolio document (a JSON object)', describeValue(value)) };
}

function lineItem(index: number, line: TextLine, src: string): PortfolioDocumentItem {
  // The portfolio's position, and the line a text editor would show.
  const path = `${describePortfolioAt(index)} (line ${line.number})`;
  if (line.text === undefined) return { index, error: new InputError(src, path, `a line of at most ${MAX_JSONL_LINE_CHARS} characters`, `${line.length} characters`) };
  const parsed = parseJson(line.text);
  if ('message' in parsed) return { index, error: new InputError(src, path, 'one JSON document per line', parsed.message) };
  return itemOf(index, parsed.value, src, path);
}

/**
 * Reads a JSON or JSON Lines portfolio file as raw documents (see the top of this file). Each
 * bad document is yielded as an error item; an unreadable JSON document or array is thrown.
 */
export async function* readPortfolioDocumentsFromJson(source: ByteSource, src: string): AsyncIterable<PortfolioDocumentItem> {
  const lines = readLines(source, MAX_JSONL_LINE_CHARS)[Symbol.asyncIterator]();
  // Lines held back while deciding whether the input is one JSON document.
  const held: TextLine[] = [];
  let heldChars = 0;
  let mode: 'lines' | 'document' | undefined;
  let index = 0;

  for (;;) {
    const next = await lines.next();
    if (next.done) break;
    const line = next.value;
    if (mode === 'lines') {
      if (line.text?.trim() !== '') yield lineItem(index++, line, src);
      continue;
    }
    if (mode === undefined) {
      const trimmed = line.text?.trim();
      if (trimmed === '') continue;
      const complete = trimmed !== undefined && !trimmed.startsWith('[') && !('message' in parseJson(trimmed));
      if (complete || trimmed === undefined) {
        mode = 'lines';
        yield lineItem(index++, line, src);
        continue;
      }
      mode = 'document';
    }
    held.push(line);
    heldChars += line.length + 1;
    if (heldChars > MAX_JSON_PORTFOLIO_BYTES || line.text === undefined) {
      if (held[0]?.text?.trim().startsWith('[')) {
        throw new InputError(src, '', `a JSON array of at most ${MAX_JSON_PORTFOLIO_BYTES} bytes (use JSON Lines or Arrow for more portfolios)`, 'a larger one');
      }
      // Too big to be one document: JSON Lines whose first line is broken.
      mode = 'lines';
      for (const h of held.splice(0)) if (h.text?.trim() !== '') yield lineItem(index++, h, src);
    }
  }
  if (mode !== 'document') return;

  const parsed = parseJson(held.map((l) => l.text).join('\n'));
  if ('message' in parsed) {
    const first = held[0]?.text?.trim() ?? '';
    if (first.startsWith('[')) throw new InputError(src, '', 'a JSON array of portfolio documents', parsed.message);
    // Not one document after all: JSON Lines whose first line is broken.
    for (const line of held) if (line.text?.trim() !== '') yield lineItem(index++, line, src);
    return;
  }
  if (Array.isArray(parsed.value)) {
    for (const [i, value] of parsed.value.entries()) yield itemOf(i, value, src, describePortfolioAt(i));
    return;
  }
  yield itemOf(0, parsed.value, src, '');
}
