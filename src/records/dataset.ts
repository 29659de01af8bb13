import { InputError } from '../domain/errors.js';
import { describeValue, readObject } from '../domain/json-fields.js';
import { collectGzipText, collectText, parseJsonAt } from './lines.js';
import { ACCOUNT_STATUSES, type AccountStatus } from '../domain/types.js';
import { checkPortfolioSummary, type PortfolioSummary } from './portfolio-summary.js';
import { checkSummaryHead, type SummaryHead } from './summary.js';
import { readMovedBlock, type MovedBlock } from './moved.js';

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
  // Summary lines are gzip'd (a fifth of the bytes); jobs written before have them plain (.jsonl).
  portfolios: { folder: 'portfolios', ext: 'jsonl.gz' },
  portfoliosPlain: { folder: 'portfolios', ext: 'jsonl' },
  timeline: { folder: 'timeline', ext: 'arrow' },
  events: { folder: 'events', ext: 'arrow' },
  eventLines: { folder: 'events', ext: 'jsonl' },
  partial: { folder: '_partials', ext: 'json' },
  // The batch's worst portfolios (REPORT_LIMITS.worstDetail) alone: their summary lines, timeline
  // rows and events, so the finishing step's report reads these instead of whole batch files.
  worstPortfolios: { folder: '_partials', ext: 'worst.jsonl.gz' },
  worstPortfoliosPlain: { folder: '_partials', ext: 'worst.jsonl' },
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
  /** Whether the portfolios' summary lines are gzip'd (`.jsonl.gz`); absent, so false, in jobs written before. */
  gzipLines: boolean;
  /** With `compare.previousJob`: who moved closer to liquidation since that job (src/records/moved.ts); absent otherwise. */
  moved?: MovedBlock;
}

/** The file of a batch's summary lines (all of them, or its worst portfolios'), as the job wrote it. */
export function portfolioLinesFile(summary: Pick<DatasetSummary, 'gzipLines'>, worst: boolean, batch: number): string {
  const file: DatasetFile = worst ? (summary.gzipLines ? 'worstPortfolios' : 'worstPortfoliosPlain') : summary.gzipLines ? 'portfolios' : 'portfoliosPlain';
  return datasetFileName(file, batch);
}

/** Largest text a batch's gzip'd summary lines may decode to: a damaged or hostile file stops there. */
export const MAX_PORTFOLIO_LINES_TEXT = 512 * 1024 * 1024;

/** A summary-lines file's text: gunzipped (bounded by `maxChars`) when its name ends in .gz. */
export async function readPortfolioLinesText(chunks: AsyncIterable<Uint8Array>, file: string, maxChars = MAX_PORTFOLIO_LINES_TEXT): Promise<string> {
  if (file.endsWith('.gz')) return collectGzipText(chunks, file, maxChars);
  const text = await collectText(chunks);
  if (text.length > maxChars) throw new InputError(file, '', `JSON lines of at most ${maxChars} characters`, 'more');
  return text;
}

export function renderDatasetSummary(s: DatasetSummary): string {
  const { version, job, inputs, rulesSources, thresholds, intrabar, window, totals, batches, eventLines, gzipLines, moved } = s;
  return `${JSON.stringify({ version, job, inputs, rulesSources, thresholds, intrabar, window, batches, eventLines, gzipLines, totals, moved }, null, 1)}\n`;
}

export function readDatasetSummary(text: string, file: string): DatasetSummary {
  const o = readObject(file, '', parseJsonAt(text, file, '', 'summary.json (a JSON object)'));
  if (o.version !== 2) {
    const hint = o.version === 1 ? 'a job written as dataset files (version 2; this is a single-file summary, as pmbt export writes)' : '2';
    throw new InputError(file, 'version', hint, describeValue(o.version));
  }
  const { batches, eventLines, gzipLines = false } = o;
  if (typeof batches !== 'number' || !Number.isSafeInteger(batches) || batches < 0) throw new InputError(file, 'batches', 'a whole number ≥ 0', describeValue(batches));
  if (typeof eventLines !== 'boolean') throw new InputError(file, 'eventLines', 'true or false', describeValue(eventLines));
  if (typeof gzipLines !== 'boolean') throw new InputError(file, 'gzipLines', 'true or false', describeValue(gzipLines));
  const { moved, ...rest } = o;
  const head = checkSummaryHead({ ...rest, version: 1 }, file);
  return { ...head, version: 2, batches, eventLines, gzipLines, ...(moved === undefined ? {} : { moved: readMovedBlock(moved, file) }) };
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

/**
 * What the report shows of a worst portfolio's risk at the job's start market (docs/risk.md "In the
 * report and the API"), carried as `startRisk` on its line of `_partials/batch-N.worst.jsonl` only.
 * Small on purpose: uniMMR as floats of 6 significant digits (null without maintenance margin) for
 * plotting, and statuses as indexes into ACCOUNT_STATUSES; the exact figures are `pmbt risk`'s.
 */
export type WorstStartRisk = WorstStartRiskFigures | { time: string; error: string };

export interface WorstStartRiskFigures {
  /** The market's time (the job's first step). */
  time: string;
  /** uniMMR against the `all` family's shock over ±rangePct % in `points` equal steps. */
  curve: { family: 'all'; rangePct: number; points: number; uniMMR: (number | null)[]; status: number[] };
  /** The two risk matrices (src/risk/matrix.ts) on `points` × `points` cells over ±rangePct %. */
  matrices: { rangePct: number; points: number; leaderOthers: CompactRiskMatrix; leaderDepeg: CompactRiskMatrix };
}

export interface CompactRiskMatrix {
  /** What the rows and the columns move (leader:BTC, others:BTC, depeg:USDT). */
  rows: string;
  cols: string;
  /** [row][col], as the curve's. */
  uniMMR: (number | null)[][];
  status: number[][];
}

/** uniMMR text → a plotted float (6 significant digits); null stays null. */
export const roundForPlot = (u: string | null): number | null => (u === null ? null : Number(Number(u).toPrecision(6)));
export const statusCode = (s: AccountStatus): number => ACCOUNT_STATUSES.indexOf(s);

/** A worst portfolio's line: its summary, and its start risk when the batch computed it. */
export type WorstPortfolioLine = PortfolioSummary & { startRisk?: WorstStartRisk };

const isCode = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < ACCOUNT_STATUSES.length;
const isUniMMR = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

function checkSeries(file: string, where: string, uniMMR: unknown, status: unknown, length: number): void {
  if (!Array.isArray(uniMMR) || uniMMR.length !== length || !uniMMR.every(isUniMMR)) throw new InputError(file, `${where}.uniMMR`, `${length} numbers or nulls`, describeValue(uniMMR));
  if (!Array.isArray(status) || status.length !== length || !status.every(isCode)) throw new InputError(file, `${where}.status`, `${length} status codes (0 normal … 4 bankrupt)`, describeValue(status));
}

function checkMatrix(file: string, where: string, v: unknown, points: number): void {
  const m = readObject(file, where, v);
  if (typeof m.rows !== 'string' || typeof m.cols !== 'string') throw new InputError(file, `${where}.rows`, 'the names of the axes', describeValue(m.rows));
  if (!Array.isArray(m.uniMMR) || m.uniMMR.length !== points) throw new InputError(file, `${where}.uniMMR`, `${points} rows`, describeValue(m.uniMMR));
  if (!Array.isArray(m.status) || m.status.length !== points) throw new InputError(file, `${where}.status`, `${points} rows`, describeValue(m.status));
  for (let r = 0; r < points; r++) checkSeries(file, `${where}[${r}]`, m.uniMMR[r], m.status[r], points);
}

function readPoints(file: string, where: string, o: Record<string, unknown>): number {
  if (typeof o.points !== 'number' || !Number.isInteger(o.points) || o.points < 3 || o.points > 201) throw new InputError(file, `${where}.points`, 'a whole number from 3 to 201', describeValue(o.points));
  if (typeof o.rangePct !== 'number' || !(o.rangePct > 0)) throw new InputError(file, `${where}.rangePct`, 'a percentage above 0', describeValue(o.rangePct));
  return o.points;
}

/** A worst line's `startRisk` read back (absent in lines written before it): checked so a foreign one fails naming the field. */
export function readWorstStartRisk(v: unknown, file: string, where: string): WorstStartRisk | undefined {
  if (v === undefined) return undefined;
  const o = readObject(file, where, v);
  if (typeof o.time !== 'string') throw new InputError(file, `${where}.time`, 'an ISO time', describeValue(o.time));
  if (typeof o.error === 'string') return { time: o.time, error: o.error };
  const curve = readObject(file, `${where}.curve`, o.curve);
  if (curve.family !== 'all') throw new InputError(file, `${where}.curve.family`, '"all"', describeValue(curve.family));
  checkSeries(file, `${where}.curve`, curve.uniMMR, curve.status, readPoints(file, `${where}.curve`, curve));
  const matrices = readObject(file, `${where}.matrices`, o.matrices);
  const points = readPoints(file, `${where}.matrices`, matrices);
  checkMatrix(file, `${where}.matrices.leaderOthers`, matrices.leaderOthers, points);
  checkMatrix(file, `${where}.matrices.leaderDepeg`, matrices.leaderDepeg, points);
  return o as unknown as WorstStartRisk;
}
