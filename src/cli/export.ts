import { exportJob, EXPORT_FILES } from '../batch/export.js';
import { SUCCESS_MARKER } from '../batch/merge.js';
import { InputError } from '../domain/errors.js';
import { joinKey } from '../io/store/keys.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { locateUri } from './stores.js';
import { UsageError } from './usage.js';

export const EXPORT_COMMAND = {
  synopsis: ['pmbt export OUTPUT_DIR --to DIR'],
  about: `Writes a finished job's reports as single files — ${EXPORT_FILES.join(', ')} (with every
portfolio's line) — into DIR, for tools that want one file per report. A job keeps its reports as
one file per batch (OUTPUT/JOBID/timeline/, events/, portfolios/; docs/formats.md "Outputs"); this
reads them once, in batch order, holding one batch at a time. Local paths or s3://.`,
  column: 12,
  flags: [{ name: 'to', value: 'DIR', description: 'the folder to write the files into (required)' }],
} as const satisfies CommandSpec;

export const EXPORT_USAGE = renderUsage(EXPORT_COMMAND);

export async function runExport(argv: string[]): Promise<string> {
  const { values, positionals } = parseFlags(EXPORT_COMMAND.flags, argv, { positionals: true });
  if (positionals.length !== 1) throw new UsageError('give exactly one job output folder: pmbt export OUTPUT/JOBID --to DIR');
  if (values.to === undefined) throw new UsageError('--to DIR is required: where to write the files');
  const { store, key: jobKey } = locateUri(positionals[0]!);
  if (!(await store.exists(joinKey(jobKey, SUCCESS_MARKER)))) {
    throw new InputError(store.uriOf(jobKey), SUCCESS_MARKER, 'a finished job folder (pmbt run writes _SUCCESS last)', 'no _SUCCESS');
  }
  const target = locateUri(values.to);
  const digests = await exportJob(store, jobKey, target.store, target.key);
  return Object.entries(digests).map(([name, d]) => `${target.store.uriOf(joinKey(target.key, name))}  ${d.bytes} bytes  sha256 ${d.sha256}\n`).join('');
}
