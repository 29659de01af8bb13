import { InputError } from '../domain/errors.js';
import { readTime } from '../domain/json-fields.js';
import { describeValue } from '../domain/json-fields.js';

/**
 * Scenario parameters: each documented with its default, read from JSON (numbers or decimal
 * strings, as data/stress-tests.json writes them) or from `--param k=v` text, and checked. A bad
 * or unknown parameter is an InputError naming the scenario and the parameter.
 */

export type ParamValue = number | string | readonly string[] | ReadonlyMap<string, number>;

interface ParamBase {
  name: string;
  description: string;
}

/** A plain number within [min, max] (bounds optional; `exclusive` makes them strict). */
export interface NumberParam extends ParamBase {
  kind: 'number';
  /** Undefined when the scenario derives the default (see defaultText). */
  default: number | undefined;
  defaultText?: string;
  min?: number;
  max?: number;
  exclusive?: boolean;
  unit?: string;
}

/** A time: ISO-8601 with a zone, or ms since 1970. Defaults to a documented point of the base history. */
export interface TimeParam extends ParamBase {
  kind: 'time';
  /** How the default is chosen (resolved against the base history by the scenario). */
  defaultText: string;
}

/** An asset name (upper-case letters and digits). */
export interface AssetParam extends ParamBase {
  kind: 'asset';
  default: string;
}

/** A list of names: `"all"`, a comma-separated string, or a JSON array. Empty list = all. */
export interface ListParam extends ParamBase {
  kind: 'list';
  defaultText: string;
}

/** Per-asset numbers: `"SOL=2.5,ETH=1.2"` or a JSON object `{"SOL": 2.5}`. */
export interface BetasParam extends ParamBase {
  kind: 'betas';
  default: string;
}

export type ParamSpec = NumberParam | TimeParam | AssetParam | ListParam | BetasParam;

/** Parameters as read: `at` (and numbers without a fixed default) are undefined when left out. */
export type ReadParams = Record<string, ParamValue | undefined>;

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NAME = /^[A-Z0-9][A-Z0-9_]{0,31}$/;

export function scenarioSource(scenario: string): string {
  return `scenario ${scenario}`;
}

function readNumber(src: string, path: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && NUMBER_TEXT.test(v.trim())) return Number(v.trim());
  throw new InputError(src, path, 'a number', describeValue(v));
}

function describeRange(p: NumberParam): string {
  const lo = p.min === undefined ? '' : `${p.exclusive ? '>' : '≥'} ${p.min}`;
  const hi = p.max === undefined ? '' : `${p.exclusive ? '<' : '≤'} ${p.max}`;
  return [lo, hi].filter((s) => s !== '').join(' and ');
}

function readName(src: string, path: string, v: unknown, what: string): string {
  if (typeof v === 'string' && NAME.test(v.trim().toUpperCase())) return v.trim().toUpperCase();
  throw new InputError(src, path, what, describeValue(v));
}

/** Reads one parameter's value (from JSON or command-line text) and checks it. */
export function readParam(scenario: string, spec: ParamSpec, v: unknown): ParamValue {
  const src = scenarioSource(scenario);
  const path = `params.${spec.name}`;
  switch (spec.kind) {
    case 'number': {
      const n = readNumber(src, path, v);
      const low = spec.min !== undefined && (spec.exclusive ? n <= spec.min : n < spec.min);
      const high = spec.max !== undefined && (spec.exclusive ? n >= spec.max : n > spec.max);
      if (low || high) throw new InputError(src, path, `a number ${describeRange(spec)}${spec.unit ? ` (${spec.unit})` : ''}`, describeValue(v));
      return n;
    }
    case 'time':
      return readTime(src, path, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
    case 'asset':
      return readName(src, path, v, 'an asset name such as "BTC"');
    case 'list': {
      const items = Array.isArray(v) ? v : typeof v === 'string' ? (v.trim().toLowerCase() === 'all' ? [] : v.split(',')) : undefined;
      if (items === undefined) throw new InputError(src, path, '"all", a comma-separated list of names or a JSON array', describeValue(v));
      return items.map((x, i) => readName(src, `${path}[${i}]`, x, 'a symbol or asset name'));
    }
    case 'betas': {
      const out = new Map<string, number>();
      let entries: [string, unknown][];
      if (typeof v === 'string') {
        entries = v.trim() === '' ? [] : v.split(',').map((pair) => {
          const eq = pair.indexOf('=');
          if (eq < 0) throw new InputError(src, path, 'ASSET=BETA pairs separated by commas, e.g. "SOL=2.5,ETH=1.2"', describeValue(v));
          return [pair.slice(0, eq), pair.slice(eq + 1)];
        });
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        entries = Object.entries(v);
      } else {
        throw new InputError(src, path, 'ASSET=BETA pairs separated by commas, or an object {"SOL": 2.5}', describeValue(v));
      }
      for (const [k, b] of entries) {
        const asset = readName(src, path, k, 'an asset name such as "SOL"');
        const beta = readNumber(src, `${path}.${asset}`, b);
        if (beta < 0) throw new InputError(src, `${path}.${asset}`, 'a beta ≥ 0', describeValue(b));
        out.set(asset, beta);
      }
      return out;
    }
  }
}

/**
 * Reads the parameters of a scenario: every key must be one of its parameters; those left out take
 * their defaults (time parameters stay undefined for the scenario to resolve).
 */
export function readParams(scenario: string, specs: readonly ParamSpec[], raw: Record<string, unknown> | undefined): ReadParams {
  const src = scenarioSource(scenario);
  const given = raw ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new InputError(src, 'params', 'an object of parameters', describeValue(given));
  for (const k of Object.keys(given)) {
    if (!specs.some((s) => s.name === k)) throw new InputError(src, `params.${k}`, `one of the parameters of ${scenario}: ${specs.map((s) => s.name).join(', ')}`, 'an unknown parameter');
  }
  const out: ReadParams = {};
  for (const spec of specs) {
    const v = given[spec.name];
    if (v !== undefined) out[spec.name] = readParam(scenario, spec, v);
    else if (spec.kind === 'number' || spec.kind === 'asset') out[spec.name] = spec.default;
    else if (spec.kind === 'betas') out[spec.name] = readParam(scenario, spec, spec.default);
    else if (spec.kind === 'list') out[spec.name] = [];
    else out[spec.name] = undefined;
  }
  return out;
}

/** How a parameter's default reads in --list and the README. */
export function describeDefault(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'number':
      return spec.default === undefined ? (spec.defaultText ?? 'derived') : String(spec.default);
    case 'asset':
      return spec.default;
    case 'betas':
      return spec.default === '' ? 'none' : spec.default;
    case 'time':
    case 'list':
      return spec.defaultText;
  }
}

export const num = (p: ReadParams, name: string): number => p[name] as number;
export const str = (p: ReadParams, name: string): string => p[name] as string;
export const list = (p: ReadParams, name: string): readonly string[] => p[name] as readonly string[];
export const betas = (p: ReadParams, name: string): ReadonlyMap<string, number> => p[name] as ReadonlyMap<string, number>;
