import { createHash } from 'node:crypto';
import type { PortfolioDocumentItem } from '../io/convert/documents.js';
import { detectInputFormat } from '../io/convert/input-formats.js';
import { InputError } from '../domain/errors.js';
import { parseJsonText } from '../domain/json-fields.js';
import type { Locate } from '../io/store/open.js';
import type { ObjectStore } from '../io/store/types.js';
import { readSavedAccountDocuments } from '../io/binance/saved-accounts.js';
import type { RuleDocument } from '../rules/build.js';
import { readDefaultRuleDocuments } from '../io/rules-files.js';

/** Largest price history a job reads (it is held in memory whole, shared by every portfolio). */
export const MAX_PRICES_BYTES = 1024 * 1024 * 1024;
/** Largest user rules file. */
export const MAX_RULES_BYTES = 64 * 1024 * 1024;

export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

export interface InputChecksum {
  uri: string;
  bytes: number;
  sha256: string;
}

export async function readPricesBytes(locate: Locate, uri: string): Promise<{ bytes: Uint8Array; checksum: InputChecksum }> {
  const { store, key } = locate(uri);
  const bytes = await store.read(key, { maxBytes: MAX_PRICES_BYTES });
  return { bytes, checksum: { uri, bytes: bytes.length, sha256: sha256(bytes) } };
}

/** Default rule files, then the job's own (each a rules document or a saved Binance response). */
export async function readRuleDocuments(locate: Locate, uris: readonly string[]): Promise<{ documents: RuleDocument[]; checksums: InputChecksum[] }> {
  const defaults = await readDefaultRuleDocuments();
  const user = await Promise.all(uris.map(async (uri) => {
    const { store, key } = locate(uri);
    const bytes = await store.read(key, { maxBytes: MAX_RULES_BYTES });
    const text = new TextDecoder().decode(bytes);
    return { document: { name: uri, doc: parseJsonText(uri, text) }, checksum: { uri, bytes: bytes.length, sha256: sha256(bytes) } };
  }));
  const defaultChecksums = defaults.map((d) => {
    const text = JSON.stringify(d.doc);
    return { uri: d.name, bytes: text.length, sha256: sha256(text) };
  });
  return { documents: [...defaults, ...user.map((u) => u.document)], checksums: [...defaultChecksums, ...user.map((u) => u.checksum)] };
}

async function isFolder(store: ObjectStore, key: string): Promise<boolean> {
  for await (const _ of store.list(key)) return true;
  return false;
}

/**
 * Streams the portfolios at `uri` (in the format its first bytes show: input-formats.ts; or, for a
 * folder, saved Binance responses: io/binance/saved-accounts.ts) one record batch or
 * line at a time, hashing the bytes as they pass; `checksum()` is complete once iteration ends.
 */
export function streamPortfolioDocuments(locate: Locate, uri: string): { items: AsyncIterable<PortfolioDocumentItem>; checksum: () => InputChecksum } {
  const { store, key } = locate(uri);
  const hash = createHash('sha256');
  let size = 0;
  async function* hashed(): AsyncIterable<Uint8Array> {
    for await (const chunk of store.readStream(key)) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  async function* items(): AsyncIterable<PortfolioDocumentItem> {
    // A folder of saved Binance responses (docs/formats.md): one portfolio per account folder.
    if (!(await store.exists(key)) && (await isFolder(store, key))) {
      yield* readSavedAccountDocuments(store, key, (bytes) => {
        hash.update(bytes);
        size += bytes.length;
      });
      return;
    }
    const source = hashed()[Symbol.asyncIterator]();
    const first = await source.next();
    const head = first.done ? new Uint8Array(0) : first.value;
    const blank = head.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
    async function* replay(): AsyncIterable<Uint8Array> {
      if (!first.done) yield head;
      for (let n = await source.next(); !n.done; n = await source.next()) yield n.value;
    }
    let count = 0;
    for await (const item of detectInputFormat(head, uri, 'portfolios').readPortfolios(replay(), uri)) {
      count++;
      yield item;
    }
    // No portfolio would still merge into a complete-looking report of 0 portfolios.
    if (count === 0) throw new InputError(uri, '', 'at least one portfolio', size === 0 ? 'an empty file' : blank ? `a blank file (${size} bytes)` : 'none');
  }
  let digest: string | undefined;
  return { items: items(), checksum: () => ({ uri, bytes: size, sha256: (digest ??= hash.digest('hex')) }) };
}
