import { createHash } from 'node:crypto';
import { openJobOutputs, renderSuccessMarker, SUCCESS_MARKER } from '../batch/merge.js';
import { buildReportHtml } from '../report/html/index.js';
import { InputError } from '../domain/errors.js';
import { joinKey } from '../io/store/keys.js';
import { locateUri } from './stores.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { UsageError } from './usage.js';

export const REPORT_COMMAND = {
  synopsis: ['pmbt report OUTPUT_DIR [--out FILE] [--worst N]'],
  about: `Writes report.html for a finished job (the folder pmbt run wrote: OUTPUT/JOBID, local or s3://)
from its summary.json and the batches' partials (reading only the worst portfolios' batch files): one self-contained page (no network needed
to view it) with the distribution of the lowest uniMMR across portfolios, when portfolios were at
risk, the uniMMR timelines of the worst ones with the status bands and liquidation markers, and a
drill-down per portfolio. pmbt run already writes it; use this to remake it (e.g. with more
portfolios in detail). Written into the job folder, the page's entry in _SUCCESS is updated.`,
  column: 17,
  flags: [
    { name: 'out', value: 'FILE', description: 'where to write it (default OUTPUT_DIR/report.html)' },
    { name: 'worst', value: 'N', description: 'portfolios with a timeline and a drill-down (default {default}, at most 50)', default: '10' },
  ],
} as const satisfies CommandSpec;

export const REPORT_USAGE = renderUsage(REPORT_COMMAND);

export async function runReport(argv: string[]): Promise<string> {
  const { values, positionals } = parseFlags(REPORT_COMMAND.flags, argv, { positionals: true });
  if (positionals.length !== 1) throw new UsageError('give exactly one job output folder: pmbt report OUTPUT/JOBID');
  const worstCount = Number(values.worst);
  if (!/^\d+$/.test(values.worst) || worstCount < 1 || worstCount > 50) throw new UsageError(`--worst must be a whole number from 1 to 50, got ${values.worst}`);
  const folder = positionals[0]!;
  const { store, key: jobKey } = locateUri(folder);
  const markerKey = joinKey(jobKey, SUCCESS_MARKER);
  if (!(await store.exists(markerKey))) {
    throw new InputError(store.uriOf(jobKey), SUCCESS_MARKER, 'a finished job folder (pmbt run writes _SUCCESS last)', (await store.exists(joinKey(jobKey, 'summary.json'))) ? 'no _SUCCESS: the job did not finish' : 'no summary.json or _SUCCESS');
  }
  const html = await buildReportHtml(openJobOutputs(store, jobKey), { worstCount });
  const bytes = new TextEncoder().encode(html);
  const target = values.out === undefined ? { store, key: joinKey(jobKey, 'report.html') } : locateUri(values.out);
  await target.store.write(target.key, bytes);
  if (values.out === undefined) {
    // Keep the manifest true to the files beside it.
    const marker = JSON.parse(new TextDecoder().decode(await store.read(markerKey, { maxBytes: 1024 * 1024 }))) as { files?: Record<string, { bytes: number; sha256: string }> };
    marker.files = { ...marker.files, 'report.html': { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } };
    await store.write(markerKey, renderSuccessMarker(marker));
  }
  return `wrote ${target.store.uriOf(target.key)} (${(bytes.length / 1024).toFixed(0)} KiB; open it in a browser)\n`;
}
