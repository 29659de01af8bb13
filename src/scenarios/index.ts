import { InputError } from '../domain/errors.js';
import type { SeriesTable } from '../domain/series.js';
import { describeValue } from '../domain/json-fields.js';
import { findScenario, SCENARIOS, type ScenarioDefinition } from './library.js';
import { describeDefault, readParams, scenarioSource, type ReadParams } from './params.js';
import { applyPriceTransform, describeSeries, type SeriesInventory } from './transform.js';

export { SCENARIOS, findScenario, type ScenarioDefinition } from './library.js';
export { CRASH_PROFILES, calculateProfileReturn, findProfileBottom } from './crashes.js';
export { STABLECOINS, parseContractSymbol } from './transform.js';
export type { ParamSpec } from './params.js';

/** A scenario as data/stress-tests.json names it: `{name, params}`. */
export interface ScenarioSpec {
  name: string;
  params?: Record<string, unknown>;
}

export interface PreparedScenario {
  definition: ScenarioDefinition;
  /** Every parameter with its default filled in, `at` resolved (ms). */
  params: ReadParams;
  inventory: SeriesInventory;
}

const HOUR_MS = 3_600_000;

/** Looks the scenario up, reads and checks its parameters against the base history, and resolves `at`. */
export function prepareScenario(base: SeriesTable, spec: ScenarioSpec): PreparedScenario {
  const definition = findScenario(spec.name);
  if (definition === undefined) throw new InputError('scenario', 'name', `one of ${Object.keys(SCENARIOS).join(', ')}`, describeValue(spec.name));
  const src = scenarioSource(spec.name);
  const params = readParams(spec.name, definition.params, spec.params);
  if (base.times.length === 0) throw new InputError(src, 'base', 'a price history with at least one row', 'an empty table');
  const inventory = describeSeries(base);
  const { first, last } = inventory;
  if (params.at === undefined) {
    const middle = first + (last - first) / 2;
    const latestFit = last - definition.calculateDurationMs(params);
    params.at = Math.max(first, Math.floor(Math.min(middle, latestFit) / HOUR_MS) * HOUR_MS);
  } else if ((params.at as number) < first || (params.at as number) > last) {
    throw new InputError(src, 'params.at', `a time within the base history (${new Date(first).toISOString()} to ${new Date(last).toISOString()})`, new Date(params.at as number).toISOString());
  }
  return { definition, params, inventory };
}

/**
 * The base history under a named scenario (docs/scenarios.md): the same rows, times and
 * symbols, with index, mark and funding values changed as the scenario documents. Bad parameters
 * are an InputError naming the scenario and the parameter. Pure.
 */
export function applyScenario(base: SeriesTable, spec: ScenarioSpec): SeriesTable {
  const { definition, params, inventory } = prepareScenario(base, spec);
  const src = scenarioSource(spec.name);
  return applyPriceTransform(base, definition.buildTransform(params, inventory, src), src);
}

/** The parameters as one line: `asset=BTC drop=0.3 … at=2024-03-08T12:00:00.000Z`. */
export function formatScenarioParams(p: PreparedScenario): string {
  return p.definition.params.map((s) => {
    const v = p.params[s.name];
    if (s.kind === 'time') return `${s.name}=${new Date(v as number).toISOString()}`;
    if (s.kind === 'list') return `${s.name}=${(v as readonly string[]).length === 0 ? 'all' : (v as readonly string[]).join(',')}`;
    if (s.kind === 'betas') return `${s.name}=${[...(v as ReadonlyMap<string, number>)].map(([a, b]) => `${a}=${b}`).join(',') || 'none'}`;
    if (v === undefined) return `${s.name}=(${describeDefault(s)})`;
    return `${s.name}=${String(v)}`;
  }).join(' ');
}

/** `pmbt scenario --list`: every scenario, what it does, its parameters and defaults. */
export function formatScenarioList(): string {
  const out: string[] = [];
  for (const d of Object.values(SCENARIOS)) {
    out.push(`${d.name}\n  ${d.title}`);
    for (const s of d.params) out.push(`    ${s.name.padEnd(14)}${s.description} [default: ${describeDefault(s)}]`);
    out.push('');
  }
  return out.join('\n');
}
