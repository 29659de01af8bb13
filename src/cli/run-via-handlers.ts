import { renderJobSpec } from '../batch/job.js';
import { handleMergeEvent, handlePlanEvent, handleReplayBatchEvent } from '../batch/lambda-steps.js';
import { MAP_DEFAULTS, runStateMachineLocally } from '../batch/local-state-machine.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { JOB_FLAGS, JOB_FLAGS_HEADING, readJobSpecWithFlags } from './job-flags.js';
import { readCliStepEnvironment } from './stores.js';
import { UsageError } from './usage.js';

export const RUN_VIA_HANDLERS_COMMAND = {
  synopsis: ['pmbt run-via-handlers JOB.json [options]'],
  about: `Runs a job the way the deployed stack does (docs/serverless.md), on this machine: the plan,
replayBatch and merge Lambda steps with the state machine's events, the Distributed Map emulated
(the plan's manifest, items grouped like the ItemBatcher, at most --max-concurrency groups at once,
retries with backoff, no tolerated failure, merge last). Works on local paths and s3:// (with
PMBT_S3_ENDPOINT for an S3-compatible store). The reports are the same bytes as pmbt run's; the
job's folder also keeps _plan/ (batch files, manifest, job.json).`,
  heading: JOB_FLAGS_HEADING,
  column: 23,
  flags: [
    ...JOB_FLAGS,
    { name: 'max-concurrency', value: 'N', description: 'groups of batches in flight (default {default}; one process, so this overlaps I/O only)', default: '4' },
    { name: 'items-per-batch', value: 'N', description: 'manifest items per replayBatch invocation', default: String(MAP_DEFAULTS.itemsPerBatch) },
    { name: 'quiet', description: 'no per-batch lines on stderr' },
  ],
} as const satisfies CommandSpec;

export const RUN_VIA_HANDLERS_USAGE = renderUsage(RUN_VIA_HANDLERS_COMMAND);


function readCount(flag: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, got ${v}`);
  return n;
}

export async function runRunViaHandlers(argv: string[]): Promise<string> {
  const { values, positionals } = parseFlags(RUN_VIA_HANDLERS_COMMAND.flags, argv, { positionals: true });
  if (positionals.length !== 1) throw new UsageError('give exactly one job file: pmbt run-via-handlers JOB.json');
  const jobFile = positionals[0]!;
  const spec = await readJobSpecWithFlags(jobFile, values);
  const maxConcurrency = readCount('max-concurrency', values['max-concurrency'], 1000);
  const itemsPerBatch = readCount('items-per-batch', values['items-per-batch'], 100);
  const log = (line: string) => { if (!values.quiet) process.stderr.write(`${line}\n`); };

  const env = readCliStepEnvironment();
  const run = await runStateMachineLocally(
    { job: renderJobSpec(spec) },
    { plan: (e) => handlePlanEvent(e, env), replayBatch: (e) => handleReplayBatchEvent(e, env), merge: (e) => handleMergeEvent(e, env) },
    env.locate,
    {
      maxConcurrency,
      itemsPerBatch,
      onGroupDone: (items) => log(`replayBatch ${items.map((i) => i.batch).join(',')} done`),
      onGroupFailed: (items, attempt, e) => log(`replayBatch ${items.map((i) => i.batch).join(',')} failed (attempt ${attempt + 1}): ${e instanceof Error ? e.message : String(e)}`),
    },
  );
  const t = run.merge.totals;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows: [string, string][] = [
    ['job', `${spec.jobId} → ${run.merge.jobUri}`],
    ['portfolios', `${t.portfolios} (ok ${t.ok}, failed ${t.failed})`],
    ['liquidated', `${t.liquidated} (bankrupt ${t.bankrupt})`],
    ['worst uniMMR', t.worst === null ? 'none (no maintenance margin)' : `${t.worst.minUniMMR} ${t.worst.portfolioId} at ${t.worst.time}`],
    ['batches', `${run.plan.batches} in ${Math.ceil(run.plan.batches / itemsPerBatch)} replayBatch events (${run.invocations} invocations), manifest ${run.plan.manifest.uri}`],
    ['wall time', `${s(run.timings.totalMs)} (plan ${s(run.timings.planMs)}, map ${s(run.timings.mapMs)}, merge ${s(run.timings.mergeMs)})`],
    ['reports', `${run.merge.jobUri}/{summary.json, timeline.arrow, events.arrow, events.jsonl, _SUCCESS}`],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n')}\n`;
}
