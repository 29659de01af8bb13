// The flag declarations against the help they generate: every flag a command accepts is in its
// --help, and every flag its --help mentions is one the parser accepts.
import { describe, expect, it } from 'vitest';
import { CONVERT_PORTFOLIOS_COMMAND, CONVERT_SERIES_COMMAND, CONVERT_USAGE } from '../../src/cli/convert.js';
import { FETCH_COMMAND, FETCH_USAGE } from '../../src/cli/fetch.js';
import { IMPORT_COMMAND, IMPORT_USAGE } from '../../src/cli/import.js';
import { findMentionedFlags, parseFlags, renderUsage, type CommandSpec, type FlagSpec } from '../../src/cli/flags.js';
import { REPORT_COMMAND, REPORT_USAGE } from '../../src/cli/report.js';
import { RUN_COMMAND, RUN_USAGE } from '../../src/cli/run.js';
import { RUN_VIA_HANDLERS_COMMAND, RUN_VIA_HANDLERS_USAGE } from '../../src/cli/run-via-handlers.js';
import { SAMPLE_COMMAND, SAMPLE_USAGE } from '../../src/cli/sample.js';
import { SCENARIO_COMMAND, SCENARIO_USAGE } from '../../src/cli/scenario.js';
import { RISK_COMMAND, RISK_USAGE } from '../../src/cli/risk.js';
import { SNAPSHOT_COMMAND, SNAPSHOT_USAGE } from '../../src/cli/snapshot.js';
import { TOPUP_COMMAND, TOPUP_USAGE } from '../../src/cli/topup.js';
import { UsageError } from '../../src/cli/usage.js';

const COMMANDS: [string, string, CommandSpec[]][] = [
  ['run', RUN_USAGE, [RUN_COMMAND]],
  ['run-via-handlers', RUN_VIA_HANDLERS_USAGE, [RUN_VIA_HANDLERS_COMMAND]],
  ['report', REPORT_USAGE, [REPORT_COMMAND]],
  ['scenario', SCENARIO_USAGE, [SCENARIO_COMMAND]],
  ['sample', SAMPLE_USAGE, [SAMPLE_COMMAND]],
  ['snapshot', SNAPSHOT_USAGE, [SNAPSHOT_COMMAND]],
  ['risk', RISK_USAGE, [RISK_COMMAND]],
  ['topup', TOPUP_USAGE, [TOPUP_COMMAND]],
  ['import', IMPORT_USAGE, [IMPORT_COMMAND]],
  ['convert', CONVERT_USAGE, [CONVERT_SERIES_COMMAND, CONVERT_PORTFOLIOS_COMMAND]],
  ['fetch', FETCH_USAGE, [FETCH_COMMAND]],
];

/** Whether some parser of the command takes `--flag` (with a value if it needs one). */
function isAccepted(specs: CommandSpec[], flag: string): boolean {
  return specs.some((spec) => {
    const declared = spec.flags.find((f) => f.name === flag);
    const argv = declared?.value === undefined ? [`--${flag}`] : [`--${flag}`, 'x'];
    try {
      // Required flags are given so that only the flag under test can fail.
      const required = spec.flags.filter((f) => f.required && f.name !== flag).flatMap((f) => [`--${f.name}`, 'x']);
      parseFlags(spec.flags, [...argv, ...required], { positionals: true });
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return false;
      throw e;
    }
  });
}

describe.each(COMMANDS)('pmbt %s --help', (_name, usage, specs) => {
  it('lists every flag the parser accepts', () => {
    const declared = [...new Set(specs.flatMap((s) => s.flags.map((f) => f.name)))].sort();
    expect(findMentionedFlags(usage)).toEqual(declared);
  });
  it('mentions no flag the parser rejects, and the parser rejects one it does not mention', () => {
    for (const flag of findMentionedFlags(usage)) expect(isAccepted(specs, flag), flag).toBe(true);
    expect(isAccepted(specs, 'no-such-flag')).toBe(false);
  });
});

describe('renderUsage and parseFlags', () => {
  const flags = [
    { name: 'out', value: 'DIR', description: 'output folder (default {default}; made if missing)', default: 'out' },
    { name: 'count', value: 'N', description: 'how many', default: '3' },
    { name: 'rules', value: 'URI', description: ['rules files,', 'applied in order'], repeatable: true },
    { name: 'input', value: 'FILE', description: 'the input', required: true, forms: [{ value: 'FILE:SYMBOL:KIND', description: 'one series of it' }] },
    { name: 'quiet', description: 'no progress' },
  ] as const satisfies readonly FlagSpec[];

  it('aligns descriptions at the column, fills in defaults and puts long labels on a line of their own', () => {
    expect(renderUsage({ synopsis: ['pmbt x [options]'], about: 'Does x.', heading: 'Options:', column: 16, flags })).toBe([
      'pmbt x [options]',
      '',
      'Does x.',
      '',
      'Options:',
      '  --out DIR     output folder (default out; made if missing)',
      '  --count N     how many (default 3)',
      '  --rules URI   rules files,',
      '                applied in order',
      '  --input FILE  the input',
      '  --input FILE:SYMBOL:KIND',
      '                one series of it',
      '  --quiet       no progress',
    ].join('\n'));
  });

  it('applies defaults, collects repeated flags and refuses a missing required flag', () => {
    const { values } = parseFlags(flags, ['--input', 'a.csv', '--rules', 'r1', '--rules', 'r2', '--quiet']);
    expect(values).toEqual({ out: 'out', count: '3', rules: ['r1', 'r2'], input: 'a.csv', quiet: true });
    expect(() => parseFlags(flags, ['--count', '4'])).toThrow(new UsageError('--input is required'));
    expect(() => parseFlags(flags, ['--input', 'a', '--nope'])).toThrow(/Unknown option '--nope'/);
  });
});
