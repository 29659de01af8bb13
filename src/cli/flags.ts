import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

// One declaration per command: its flags (name, value, description, default, repeatable, required)
// from which both the parser options and the --help text are made, so they cannot drift apart.
// test/cli/flags.test.ts checks every command's help against its parser.

export interface FlagSpec {
  name: string;
  /** The value's placeholder in the help (`URI`, `N`); absent for a switch. */
  value?: string;
  /** One string per help line; `{default}` stands for the default. */
  description: string | readonly string[];
  /** Used when the flag is absent; the help shows it (in place of `{default}`, else at the end). */
  default?: string;
  repeatable?: boolean;
  required?: boolean;
  /** Other spellings of the value, each with its own help row (e.g. FILE:SYMBOL:KIND). */
  forms?: readonly { value: string; description: string | readonly string[] }[];
}

export interface CommandSpec {
  /** How to call it, one line each. */
  synopsis: readonly string[];
  /** The paragraph between the synopsis and the options. */
  about?: string;
  /** A line above the options, e.g. `Options (each overrides the job file's field):`. */
  heading?: string;
  flags: readonly FlagSpec[];
  /** Where descriptions start, counted from the line's start. */
  column: number;
  /** Text after the options. */
  footer?: string;
}

type ValueOf<F> = F extends { value: string } ? (F extends { repeatable: true } ? string[] : string) : boolean;
/** What parseFlags returns for a declaration: flags with a default, and required ones, are always present. */
export type FlagValues<F extends readonly FlagSpec[]> = {
  [K in F[number] as K['name']]: K extends { default: string } | { required: true } ? ValueOf<K> : ValueOf<K> | undefined;
};

/** node:util parseArgs options for the flags. */
export function toParseArgsOptions(flags: readonly FlagSpec[]): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string }> {
  return Object.fromEntries(flags.map((f) => [f.name, {
    type: f.value === undefined ? 'boolean' as const : 'string' as const,
    ...(f.repeatable ? { multiple: true } : {}),
    ...(f.default !== undefined ? { default: f.default } : {}),
  }]));
}

/**
 * Parses argv strictly against the declaration: an unknown flag, a missing value or a missing
 * required flag is a usage error (exit 2).
 */
export function parseFlags<const F extends readonly FlagSpec[]>(flags: F, argv: string[], options: { positionals?: boolean } = {}): { values: FlagValues<F>; positionals: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: toParseArgsOptions(flags), strict: true, allowPositionals: options.positionals ?? false });
  for (const f of flags) {
    const v = (values as Record<string, unknown>)[f.name];
    if (f.required && (v === undefined || (Array.isArray(v) && v.length === 0))) throw new UsageError(`--${f.name} is required`);
  }
  return { values: values as FlagValues<F>, positionals };
}

const lines = (d: string | readonly string[]): readonly string[] => (typeof d === 'string' ? [d] : d);

/** One flag's help rows: `  --name VALUE   description`, continuation lines under the description. */
function renderFlag(f: FlagSpec, column: number): string[] {
  const rows: string[] = [];
  const described = (label: string, description: readonly string[]) => {
    const head = `  ${label}`;
    const indent = ' '.repeat(column);
    // A label too long for its column gets the description on the lines below it.
    if (head.length + 1 > column) rows.push(head, ...description.map((l) => `${indent}${l}`));
    else rows.push(`${head.padEnd(column)}${description[0] ?? ''}`, ...description.slice(1).map((l) => `${indent}${l}`));
  };
  const flag = `--${f.name}`;
  let description = lines(f.description);
  if (f.default !== undefined) {
    const all = description.join('\n');
    description = (all.includes('{default}') ? all.replaceAll('{default}', f.default) : `${all} (default ${f.default})`).split('\n');
  }
  described(f.value === undefined ? flag : `${flag} ${f.value}`, description);
  for (const form of f.forms ?? []) described(`${flag} ${form.value}`, lines(form.description));
  return rows;
}

/** The --help text of a command. */
export function renderUsage(spec: CommandSpec): string {
  const parts = [spec.synopsis.join('\n')];
  if (spec.about !== undefined) parts.push(spec.about);
  const options = spec.flags.flatMap((f) => renderFlag(f, spec.column));
  parts.push([...(spec.heading === undefined ? [] : [spec.heading]), ...options].join('\n'));
  if (spec.footer !== undefined) parts.push(spec.footer);
  return parts.join('\n\n');
}

/** Every `--flag` a help text mentions, for the check that the parser accepts them all. */
export function findMentionedFlags(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!))].sort();
}
