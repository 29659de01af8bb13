import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseJsonText } from '../domain/json-fields.js';
import type { RuleDocument } from '../rules/build.js';

/**
 * data/rules/ of this package (the same two levels up from src/io and dist/io); a bundled
 * Lambda, whose code no longer sits in the package tree, names the copy it ships in PMBT_RULES_DIR.
 */
export function findDefaultRulesDir(): string {
  return process.env.PMBT_RULES_DIR ?? fileURLToPath(new URL('../../data/rules/', import.meta.url));
}

/** The default rule files, in file-name order (each later file overrides earlier ones). */
export async function readDefaultRuleDocuments(dir = findDefaultRulesDir()): Promise<RuleDocument[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => ({ name: `data/rules/${n}`, doc: parseJsonText(`data/rules/${n}`, await readFile(`${dir}/${n}`, 'utf8')) })));
}
