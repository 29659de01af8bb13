import type { JsonObject } from '../domain/json-fields.js';

/**
 * Overlays one rules document on another: objects merge key by key, anything else (a rate, a
 * bracket table, a tier list) is replaced whole, so a user file can change one symbol's table or one
 * threshold without restating the rest. Source notes accumulate.
 */
export function mergeRuleDocuments(base: JsonObject, override: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    if (key === 'source' || key === 'sources') {
      merged.sources = [...asList(merged.sources), ...asList(value)];
    } else if (isPlainObject(current) && isPlainObject(value)) {
      merged[key] = mergeRuleDocuments(current, value);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: unknown): unknown[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
