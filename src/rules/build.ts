import { InputError } from '../domain/errors.js';
import type { Rules, RulesTimeline } from '../domain/types.js';
import { convertBinanceRules, isBinanceRulesResponse } from './binance-response.js';
import { readArray, readObject, readTime, type JsonObject } from '../domain/json-fields.js';
import { mergeRuleDocuments } from './merge.js';
import { parseRules } from './parse.js';

export interface RuleDocument {
  /** File name or key, used in error messages. */
  name: string;
  doc: unknown;
}

/**
 * Merges rule documents in order (defaults first, then user files, each a project rules document or
 * a saved Binance response) and validates the result. A table error names the file that supplied
 * the table.
 */
export function buildRules(documents: readonly RuleDocument[]): Rules {
  const docs = documents.map(({ name, doc }) => {
    const obj = isBinanceRulesResponse(doc) ? convertBinanceRules(doc, name) : readObject(name, '', doc);
    const { dated: _dated, ...undated } = obj;
    return { name, doc: undated };
  });
  let merged: JsonObject = { version: 1 };
  for (const { name, doc } of docs) {
    if (doc.version !== 1) throw new InputError(name, 'version', '1', JSON.stringify(doc.version));
    merged = mergeRuleDocuments(merged, doc);
  }
  try {
    return parseRules(merged, 'rules');
  } catch (e) {
    if (e instanceof InputError) throw e.withSource(findContributor(docs, e.path) ?? docs.map((d) => d.name).join(' + '));
    throw e;
  }
}

/**
 * Rules with dated changes: any document may carry `"dated": [{ "effectiveFrom": time, ...partial
 * rules }]`. Each change is merged, in time order, over everything before it, so a replay can use
 * the tables in force at each time (findRulesAt).
 */
export function buildRulesTimeline(documents: readonly RuleDocument[]): RulesTimeline {
  const dated: { effectiveFrom: number; document: RuleDocument }[] = [];
  for (const { name, doc } of documents) {
    if (isBinanceRulesResponse(doc)) continue;
    const list = readObject(name, '', doc).dated;
    if (list === undefined) continue;
    readArray(name, 'dated', list).forEach((raw, i) => {
      const { effectiveFrom, ...change } = readObject(name, `dated[${i}]`, raw);
      dated.push({ effectiveFrom: readTime(name, `dated[${i}].effectiveFrom`, effectiveFrom), document: { name: `${name} dated[${i}]`, doc: { version: 1, ...change } } });
    });
  }
  dated.sort((a, b) => a.effectiveFrom - b.effectiveFrom);
  const base = buildRules(documents);
  const changes: { effectiveFrom: number; rules: Rules }[] = [];
  const applied = [...documents];
  for (const d of dated) {
    applied.push(d.document);
    changes.push({ effectiveFrom: d.effectiveFrom, rules: buildRules(applied) });
  }
  return { base, changes };
}

/** The rules in force at `time`. */
export function findRulesAt(timeline: RulesTimeline, time: number): Rules {
  // Called at every replay step: an index loop, no iterator to allocate.
  const changes = timeline.changes;
  let rules = timeline.base;
  for (let i = 0; i < changes.length && changes[i]!.effectiveFrom <= time; i++) rules = changes[i]!.rules;
  return rules;
}

/** The last document that sets the field at `path` (dots and [i] as in error paths). */
function findContributor(docs: readonly { name: string; doc: JsonObject }[], path: string): string | undefined {
  const keys = path.split('.').flatMap((k) => k.split(/\[\d+\]/)).filter((k) => k.length > 0);
  for (let i = docs.length - 1; i >= 0; i--) {
    let node: unknown = docs[i]!.doc;
    let found = keys.length > 0;
    for (const k of keys) {
      if (typeof node !== 'object' || node === null || Array.isArray(node) || !(k in node)) {
        found = false;
        break;
      }
      node = (node as JsonObject)[k];
      if (Array.isArray(node)) break;
    }
    if (found) return docs[i]!.name;
  }
  return undefined;
}
