import { InputError } from '../domain/errors.js';
import { describeValue, readObject } from '../domain/json-fields.js';
import { parseJsonAt } from './lines.js';
import { checkPortfolioSummary, type PortfolioSummary } from './portfolio-summary.js';
import { checkSummaryHead, type SummaryHead } from './summary.js';

// A job's reports as a dataset (docs/formats.md "Outputs"): each batch writes its own share of
// every report — its portfolios' summary lines, timeline rows and events — under one folder per
// report, and a small partial the finishing step reduces; the finishing step writes only
// summary.json (head and totals), report.html and _SUCCESS. No step reads or writes every byte.
// Names and the summary's shape are declared here, so writers and readers agree.

/** A file's size and SHA-256, as the completion marker lists them. */
export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** Batch files of one report: `<folder>/batch-NNNNNN.<ext>`. */
export const DATASET_FOLDERS = {
  portfolios: { folder: 'portfolios', ext: 'jsonl' },
  timeline: { folder: 'timeline', ext: 'arrow' },
  events: { folder: 'events', ext: 'arrow' },
  eventLines: { folder: 'events', ext: 'jsonl' },
  partial: { folder: '_partials', ext: 'json' },
  // The batch's worst portfolios (REPORT_LIMITS.worstDetail) alone: their summary lines, timeline
  // rows and events, so the finishing step's report reads these instead of whole batch files.
  worstPortfolios: { folder: '_partials', ext: 'worst.jsonl' },
  worstTimeline: { folder: '_partials', ext: 'worst-timeline.arrow' },
  worstEvents: { folder: '_partials', ext: 'worst-events.arrow' },
} as const;

export type DatasetFile = keyof typeof DATASET_FOLDERS;

export const datasetFileName = (file: DatasetFile, batch: number) => `${DATASET_FOLDERS[file].folder}/batch-${String(batch).padStart(6, '0')}.${DATASET_FOLDERS[file].ext}`;

/** summary.json of a dataset job: the head, the totals and how many batches hold the rest. */
export interface DatasetSummary extends Omit<SummaryHead, 'version'> {
  version: 2;
  /** Batch files 0 … batches − 1 of each report (datasetFileName). */
  batches: number;
  /** Whether each batch also wrote its events as JSON lines (`events/batch-N.jsonl`). */
  eventLines: boolean;
}

export function renderDatasetSummary(s: DatasetSummary): string {
  const { version, job, inputs, rulesSources, thresholds, intrabar, window, totals, batches, eventLines } = s;
  return `${JSON.stringify({ version, job, inputs, rulesSources, thresholds, intrabar, window, batches, eventLines, totals }, null, 1)}\n`;
}

export function readDatasetSummary(text: string, file: string): DatasetSummary {
  const o = readObject(file, '', parseJsonAt(text, file, '', 'summary.json (a JSON object)'));
  if (o.version !== 2) {
    const hint = o.version === 1 ? 'a job written as dataset files (version 2; this is a single-file summary, as pmbt export writes)' : '2';
    throw new InputError(file, 'version', hint, describeValue(o.version));
  }
  const { batches, eventLines } = o;
  if (typeof batches !== 'number' || !Number.isSafeInteger(batches) || batches < 0) throw new InputError(file, 'batches', 'a whole number ≥ 0', describeValue(batches));
  if (typeof eventLines !== 'boolean') throw new InputError(file, 'eventLines', 'true or false', describeValue(eventLines));
  const head = checkSummaryHead({ ...o, version: 1 }, file);
  return { ...head, version: 2, batches, eventLines };
}

/** A batch's portfolio summary lines (one JSON object a line, input order). */
export function readPortfolioLines(text: string, file: string): PortfolioSummary[] {
  const out: PortfolioSummary[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `line ${i + 1}`;
    out.push(checkPortfolioSummary(parseJsonAt(line, file, where, 'a portfolio summary (a JSON object)'), file, where));
  });
  return out;
}

export const renderPortfolioLines = (portfolios: readonly PortfolioSummary[]) => portfolios.map((p) => `${JSON.stringify(p)}\n`).join('');
