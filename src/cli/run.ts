import { availableParallelism } from 'node:os';
import { runJobLocally, type LocalRunResult } from '../batch/local-runner.js';
import { streamPortfolioDocuments } from '../batch/inputs.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { JOB_FLAGS, JOB_FLAGS_HEADING, readJobSpecWithFlags } from './job-flags.js';
import { createProgressPrinter } from './progress.js';
import { locateUri, readCliStoreSettings } from './stores.js';
import { EXIT_SOME_FAILED, UsageError, type CommandOutput } from './usage.js';

export const RUN_COMMAND = {
  synopsis: ['pmbt run JOB.json [options]'],
  about: `Runs a backtest job (docs/formats.md "Job spec") on this machine: replays every portfolio through the
price history across CPU cores and writes report.html, timeline.arrow, events.arrow, events.jsonl,
summary.json and _SUCCESS (last) under OUTPUT/JOBID/. Progress goes to stderr, a summary table to stdout.
Exit code 0 when every portfolio was replayed, 3 when some failed (the reports are still written;
summary.json says why each failed), 2 bad input or usage, 1 internal error.`,
  heading: JOB_FLAGS_HEADING,
  column: 23,
  flags: [
    ...JOB_FLAGS,
    { name: 'workers', value: 'N', description: 'worker threads (default: the number of CPU cores)' },
    { name: 'quiet', description: 'no progress on stderr' },
  ],
} as const satisfies CommandSpec;

export const RUN_USAGE = renderUsage(RUN_COMMAND);


export async function runRun(argv: string[]): Promise<CommandOutput> {
  const { values, positionals } = parseFlags(RUN_COMMAND.flags, argv, { positionals: true });
  if (positionals.length !== 1) throw new UsageError('give exactly one job file: pmbt run JOB.json');
  const jobFile = positionals[0]!;
  const spec = await readJobSpecWithFlags(jobFile, values);
  const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers must be a whole number from 1 to 256, got ${values.workers}`);

  // Count first (one quick pass) so the progress bar can show an ETA.
  let total: number | undefined;
  if (!values.quiet && !spec.portfolios.startsWith('s3://')) {
    total = 0;
    for await (const _ of streamPortfolioDocuments(locateUri, spec.portfolios).items) total++;
  }
  const progress = createProgressPrinter(process.stderr, () => total);
  let result: LocalRunResult;
  try {
    result = await runJobLocally(spec, { workers, onProgress: values.quiet ? undefined : progress.update, storeSettings: readCliStoreSettings(), locate: locateUri });
  } finally {
    progress.end();
  }
  return { stdout: renderRunTable(spec.jobId, result), exitCode: findRunExitCode(result) };
}

/** 0 only when every portfolio succeeded: a failed portfolio is a result a script must not miss. */
export const findRunExitCode = (r: LocalRunResult): number => (r.totals.failed > 0 ? EXIT_SOME_FAILED : 0);

const usd = (s: string) => Number(s).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The compact table `pmbt run` ends with. */
export function renderRunTable(jobId: string, r: LocalRunResult): string {
  const t = r.totals;
  const order = ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED'];
  const statuses = order.filter((s) => t.worstStatus[s] !== undefined).map((s) => `${s} ${t.worstStatus[s]}`).join(' · ');
  const perSec = r.timings.replayMs > 0 ? Math.round((t.portfolioSteps * 1000) / r.timings.replayMs) : 0;
  const rows: [string, string][] = [
    ['job', `${jobId} → ${r.jobUri}`],
    ['portfolios', `${t.portfolios} (ok ${t.ok}, failed ${t.failed})${t.failed > 0 ? ` · exit code ${EXIT_SOME_FAILED}: some portfolios failed, see summary.json` : ''}`],
    ['liquidated', `${t.liquidated} (bankrupt ${t.bankrupt})`],
    ['worst uniMMR', t.worst === null ? 'none (no maintenance margin)' : `${t.worst.minUniMMR} ${t.worst.portfolioId} at ${t.worst.time}`],
    ['worst status', statuses || 'none'],
    ['fees / loss', `${usd(t.liquidationFeesUSD)} USD liquidation fees · ${usd(t.bankruptcyLossUSD)} USD insurance-fund loss`],
    ['wall time', `${(r.timings.totalMs / 1000).toFixed(1)} s (load ${(r.timings.loadMs / 1000).toFixed(1)} s, replay ${(r.timings.replayMs / 1000).toFixed(1)} s, finish ${(r.timings.mergeMs / 1000).toFixed(1)} s) · ${r.timings.workers} workers · peak RSS ${r.timings.peakRssMB} MB`],
    ['throughput', `${perSec.toLocaleString('en-US')} portfolio-steps/s (${t.portfolioSteps.toLocaleString('en-US')} steps)`],
    ['reports', `${r.jobUri}/report.html (open it in a browser); data: summary.json, portfolios/, timeline/, events/ (one file per batch; pmbt export for single files), _SUCCESS`],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n')}\n`;
}
