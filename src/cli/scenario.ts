import { readPricesBytes } from '../batch/inputs.js';
import { SERIES_KINDS, type SeriesTable } from '../domain/series.js';
import { readSeriesArrow, writeSeriesArrow } from '../io/arrow/series.js';
import { applyScenario, formatScenarioList, formatScenarioParams, prepareScenario } from '../scenarios/index.js';
import { locateUri } from './stores.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { UsageError } from './usage.js';

export const SCENARIO_COMMAND = {
  synopsis: ['pmbt scenario --base PRICES.arrow --name NAME [--param KEY=VALUE ...] --out OUT.arrow', 'pmbt scenario --list'],
  about: `Writes the base price history (local path or s3://) with a named stress scenario applied: the same
rows and times, index, mark and funding values changed as the scenario documents. Prints the
parameters used (defaults filled in) and how far each series moved. --list prints every scenario
with its parameters and defaults (docs/scenarios.md).`,
  column: 22,
  flags: [
    { name: 'base', value: 'URI', description: 'the price history to stress (Arrow, docs/formats.md)' },
    { name: 'name', value: 'NAME', description: ['instant-shock, slow-bleed, stablecoin-depeg, funding-spike, basis-blowout,', 'crash-2020-03-12, crash-2021-05-19, crash-2022-11'] },
    { name: 'param', value: 'KEY=VALUE', description: 'a parameter (repeatable), e.g. --param drop=0.3 --param at=2024-03-05T12:00:00Z', repeatable: true },
    { name: 'out', value: 'URI', description: 'where to write the stressed history (Arrow)' },
    { name: 'list', description: 'list the scenarios' },
  ],
} as const satisfies CommandSpec;

export const SCENARIO_USAGE = renderUsage(SCENARIO_COMMAND);

export async function runScenario(argv: string[]): Promise<string> {
  const { values } = parseFlags(SCENARIO_COMMAND.flags, argv);
  if (values.list) return formatScenarioList();
  if (values.base === undefined || values.name === undefined || values.out === undefined) throw new UsageError('give --base, --name and --out (or --list)');
  const params: Record<string, string> = {};
  for (const kv of values.param ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes KEY=VALUE, got ${JSON.stringify(kv)}`);
    const key = kv.slice(0, eq);
    if (Object.hasOwn(params, key)) throw new UsageError(`--param ${key} given twice`);
    params[key] = kv.slice(eq + 1);
  }
  const spec = { name: values.name, params };
  const prices = await readPricesBytes(locateUri, values.base);
  const base = readSeriesArrow(prices.bytes, values.base);
  const prepared = prepareScenario(base, spec);
  const stressed = applyScenario(base, spec);
  const bytes = writeSeriesArrow(stressed);
  const { store, key } = locateUri(values.out);
  await store.write(key, bytes);
  return [
    `${values.name}: ${formatScenarioParams(prepared)}`,
    `wrote ${store.uriOf(key)} (${stressed.times.length.toLocaleString('en-US')} rows, ${bytes.length.toLocaleString('en-US')} bytes)`,
    ...describeMoves(base, stressed),
    '',
  ].join('\n');
}

/**
 * When rows changed, then per kind the series that changed with the range of stressed/base over
 * their changed rows (prices) or how many rows changed (funding).
 */
export function describeMoves(base: SeriesTable, stressed: SeriesTable): string[] {
  const ranges = new Map<string, { kind: number; symbol: string; lo: number; hi: number; changed: number }>();
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < base.values.length; i++) {
    const b = base.values[i]!;
    const s = stressed.values[i]!;
    if (b === s) continue;
    first = Math.min(first, base.times[i]!);
    last = Math.max(last, base.times[i]!);
    const kind = base.kinds[i]!;
    const symbol = base.symbols[base.symbolIds[i]!]!;
    const k = `${kind}:${symbol}`;
    const r = ranges.get(k) ?? { kind, symbol, lo: Infinity, hi: -Infinity, changed: 0 };
    const ratio = s / b;
    r.lo = Math.min(r.lo, ratio);
    r.hi = Math.max(r.hi, ratio);
    r.changed++;
    ranges.set(k, r);
  }
  const lines: string[] = [first === Infinity ? '  no row changed' : `  rows changed from ${new Date(first).toISOString()} to ${new Date(last).toISOString()}`];
  const factor = (r: { lo: number; hi: number }) => (r.lo.toFixed(4) === r.hi.toFixed(4) ? `×${r.lo.toFixed(4)}` : `×${r.lo.toFixed(4)}…${r.hi.toFixed(4)}`);
  for (let kind = 0; kind < SERIES_KINDS.length; kind++) {
    const moved = [...ranges.values()].filter((r) => r.kind === kind).sort((a, b) => a.symbol.localeCompare(b.symbol));
    if (moved.length === 0) {
      lines.push(`  ${SERIES_KINDS[kind]!.padEnd(8)}unchanged`);
      continue;
    }
    const text = SERIES_KINDS[kind] === 'funding'
      ? moved.map((r) => `${r.symbol} ${r.changed} rows`).join(', ')
      : moved.map((r) => `${r.symbol} ${factor(r)}`).join(', ');
    lines.push(`  ${SERIES_KINDS[kind]!.padEnd(8)}${text}`);
  }
  return lines;
}
