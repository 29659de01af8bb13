import { readJobEvents } from '../batch/export.js';
import { readJobSummary } from '../batch/merge.js';
import { SUCCESS_MARKER } from '../batch/merge.js';
import { InputError } from '../domain/errors.js';
import { joinKey } from '../io/store/keys.js';
import { EVENT_TYPES, type EventRecord } from '../records/events/index.js';
import { renderEventLine } from '../records/events/jsonl.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { locateUri } from './stores.js';
import { UsageError } from './usage.js';

const TYPE_NAMES: readonly string[] = EVENT_TYPES.map((t) => t.type);

export const EVENTS_COMMAND = {
  synopsis: ['pmbt events OUTPUT_DIR [--portfolio ID] [--type TYPE]'],
  about: `Prints a finished job's events as JSON lines (the events.jsonl format: each record with its
time also as ISO-8601, "at"), read from its events/batch-N.arrow files in batch order, one batch at
a time. A job writes its events as Arrow; JSON lines beside them only when its spec asks
(events.lines). Funding and interest payments are events only in a job with events.ledger true;
otherwise the portfolios' summary lines give their totals. Local paths or s3://.`,
  column: 19,
  flags: [
    { name: 'portfolio', value: 'ID', description: "only this portfolio's events" },
    { name: 'type', value: 'TYPE', description: ['only events of this type:', `${TYPE_NAMES.slice(0, 4).join(', ')},`, `${TYPE_NAMES.slice(4, 8).join(', ')},`, TYPE_NAMES.slice(8).join(', ')] },
  ],
} as const satisfies CommandSpec;

export const EVENTS_USAGE = renderUsage(EVENTS_COMMAND);

/** Payments the job did not record: asking for them is a misunderstanding worth saying, not an empty answer. */
function checkRecorded(type: string | undefined, job: Record<string, unknown>, uri: string): void {
  if (type !== 'funding' && type !== 'interest') return;
  const events = job.events as { ledger?: unknown } | undefined;
  // Jobs written before events.ledger recorded every payment.
  if (events?.ledger === false) {
    throw new InputError(uri, 'job.events.ledger', `a job run with events.ledger true to list its ${type} payments (this one has their totals per portfolio in portfolios/, and the cash flow in timeline/)`, 'false');
  }
}

/** Writes text to stdout, waiting when its buffer is full (a job's events can be gigabytes). */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

export async function runEvents(argv: string[]): Promise<string> {
  const { values, positionals } = parseFlags(EVENTS_COMMAND.flags, argv, { positionals: true });
  if (positionals.length !== 1) throw new UsageError('give exactly one job output folder: pmbt events OUTPUT/JOBID');
  const { portfolio, type } = values;
  if (type !== undefined && !TYPE_NAMES.includes(type)) throw new UsageError(`--type must be an event type (${TYPE_NAMES.join(', ')}), got ${type}`);
  const { store, key: jobKey } = locateUri(positionals[0]!);
  if (!(await store.exists(joinKey(jobKey, SUCCESS_MARKER)))) {
    throw new InputError(store.uriOf(jobKey), SUCCESS_MARKER, 'a finished job folder (pmbt run writes _SUCCESS last)', 'no _SUCCESS');
  }
  const summary = await readJobSummary(store, jobKey);
  checkRecorded(type, summary.job, store.uriOf(joinKey(jobKey, 'summary.json')));
  const keep = (e: EventRecord) => (portfolio === undefined || e.portfolioId === portfolio) && (type === undefined || e.type === type);
  // Lines are gathered into chunks of about 1 MiB: one write per chunk, not per line.
  let pending = '';
  for await (const e of readJobEvents(store, jobKey, summary, keep)) {
    pending += `${renderEventLine(e)}\n`;
    if (pending.length >= 1 << 20) {
      await writeOut(pending);
      pending = '';
    }
  }
  return pending;
}
