import { MapFailureError } from '../batch/local-state-machine.js';
import { isInputError } from '../domain/errors.js';
import { CONVERT_USAGE, runConvert } from './convert.js';
import { EVENTS_USAGE, runEvents } from './events.js';
import { EXPORT_USAGE, runExport } from './export.js';
import { FETCH_USAGE, runFetch } from './fetch.js';
import { IMPORT_USAGE, runImport } from './import.js';
import { REPORT_USAGE, runReport } from './report.js';
import { runRun, RUN_USAGE } from './run.js';
import { runRunViaHandlers, RUN_VIA_HANDLERS_USAGE } from './run-via-handlers.js';
import { runSample, SAMPLE_USAGE } from './sample.js';
import { runScenario, SCENARIO_USAGE } from './scenario.js';
import { runRisk, RISK_USAGE } from './risk.js';
import { runSnapshot, SNAPSHOT_USAGE } from './snapshot.js';
import { runTopUp, TOPUP_USAGE } from './topup.js';
import { UsageError, type CommandOutput } from './usage.js';
import { JobLeaseError } from '../batch/lease.js';

const USAGE = `pmbt — Binance Portfolio Margin backtester

Commands:
  pmbt run        replay portfolios through a price history (a job) and write the reports
  pmbt report     (re)make report.html, the page of charts, for a finished job
  pmbt export     a finished job's reports as single files (timeline.arrow, events, summary.json)
  pmbt events     print a finished job's events as JSON lines (--portfolio ID, --type TYPE)
  pmbt scenario   apply a named stress scenario (shock, bleed, depeg, crash replay) to a price history
  pmbt run-via-handlers  the same job through the serverless steps (plan → batches → merge), locally
  pmbt fetch      download Binance's public mark, index and funding history into a price history
  pmbt convert    turn CSV, JSON and other tools' Arrow/Feather files into pmbt's tables
  pmbt sample     generate the synthetic sample market and portfolios (data/sample/)
  pmbt snapshot   evaluate one account at one instant (uniMMR, equity, maintenance margin, status)
  pmbt risk       distance to each status threshold: the smallest price shock per family and direction
  pmbt topup      top-up to survive: the least collateral added that keeps a job's path above a threshold
  pmbt import     turn saved Binance responses into portfolio documents and a market snapshot

Run "pmbt <command> --help" for a command's options.`;

const COMMANDS: Record<string, { usage: string; run: (argv: string[]) => Promise<string | CommandOutput> }> = {
  run: { usage: RUN_USAGE, run: runRun },
  report: { usage: REPORT_USAGE, run: runReport },
  export: { usage: EXPORT_USAGE, run: runExport },
  events: { usage: EVENTS_USAGE, run: runEvents },
  scenario: { usage: SCENARIO_USAGE, run: runScenario },
  'run-via-handlers': { usage: RUN_VIA_HANDLERS_USAGE, run: runRunViaHandlers },
  convert: { usage: CONVERT_USAGE, run: runConvert },
  fetch: { usage: FETCH_USAGE, run: runFetch },
  sample: { usage: SAMPLE_USAGE, run: runSample },
  snapshot: { usage: SNAPSHOT_USAGE, run: runSnapshot },
  risk: { usage: RISK_USAGE, run: runRisk },
  topup: { usage: TOPUP_USAGE, run: runTopUp },
  import: { usage: IMPORT_USAGE, run: (argv) => runImport(argv) },
};

/** Runs the CLI; returns the exit code (0 ok, 2 bad input or usage, 1 internal error, 3 `pmbt run` with failed portfolios, 4 the job is held by another run). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`pmbt: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    const out = await command.run(rest);
    if (typeof out === 'string') {
      process.stdout.write(out);
      return 0;
    }
    process.stdout.write(out.stdout);
    return out.exitCode;
  } catch (e) {
    // run-via-handlers fails as the deployed map does; a child's bad input is still bad input (2).
    if (e instanceof MapFailureError) {
      process.stderr.write(`pmbt ${name}: ${e.name}: ${oneLine(e.message)}\n`);
      return isInputError(e.cause) ? 2 : e.cause instanceof JobLeaseError ? 4 : 1;
    }
    if (isInputError(e)) {
      process.stderr.write(`pmbt ${name}: ${oneLine(e.message)}\n`);
      return 2;
    }
    if (e instanceof JobLeaseError) {
      process.stderr.write(`pmbt ${name}: ${oneLine(e.message)}\n`);
      return 4;
    }
    // parseArgs reports unknown or malformed flags with these codes.
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      process.stderr.write(`pmbt ${name}: ${oneLine((e as Error).message)} (see pmbt ${name} --help)\n`);
      return 2;
    }
    process.stderr.write(`pmbt ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
