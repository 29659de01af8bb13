import { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import { describeValue, readArray, readObject } from '../domain/json-fields.js';
import type { StatusThresholds } from '../domain/types.js';
import { parseJsonAt } from './lines.js';
import { checkPortfolioSummary, type PortfolioSummary } from './portfolio-summary.js';

// summary.json (docs/formats.md "Outputs"): the head (the job as run, inputs, rules, thresholds,
// window), the totals and, in the single-file form `pmbt export` writes (version 1), one portfolio a
// line; and what a batch's partial says of its run (PartRun). Writers and readers live here, so the
// shape is declared once (summary.json version 2, the dataset form: src/records/dataset.ts).

export interface InputChecksum {
  uri: string;
  bytes: number;
  sha256: string;
}

/** The status thresholds the job ran with (its rules as of the start), for the report's bands. */
export interface JobThresholds {
  marginCall: number;
  reduceOnly: number;
  liquidation: number;
  /** Where they come from, in words. */
  source: string;
}

/** The job's fields the report reads; the rest of the job as run (defaults filled in) is kept as written. */
export interface SummaryJob {
  jobId: string;
  prices: string;
  portfolios: string;
  rules: string[];
  timeline: { resolution: number };
  liquidation: { policy: string; slippage: string; target: string };
  [field: string]: unknown;
}

export interface JobTotals {
  portfolios: number;
  ok: number;
  failed: number;
  liquidated: number;
  bankrupt: number;
  worstStatus: Record<string, number>;
  liquidationFeesUSD: string;
  bankruptcyLossUSD: string;
  portfolioSteps: number;
  worst: { portfolioId: string; minUniMMR: string; time: string | null } | null;
}

/** summary.json without its portfolio lines. `thresholds` is absent in outputs written before it was recorded. */
export interface SummaryHead {
  version: 1;
  job: SummaryJob;
  inputs: { prices: InputChecksum; portfolios: InputChecksum; rules: InputChecksum[] };
  rulesSources: string[];
  thresholds?: JobThresholds;
  /**
   * Whether the price history carried bar highs and lows in the window, so the replay evaluated
   * each bar's adverse extreme too (docs/margin-rules.md §7); absent in outputs written before it.
   */
  intrabar?: boolean;
  window: { from: string; to: string; steps: number };
  totals: JobTotals;
}

/** What the merge knows when it starts writing summary.json (times in ms). */
export interface SummaryFacts {
  job: Readonly<Record<string, unknown>>;
  inputs: SummaryHead['inputs'];
  rulesSources: readonly string[];
  thresholds: JobThresholds | undefined;
  intrabar: boolean | undefined;
  window: { from: number; to: number; steps: number };
}

export function renderJobThresholds(t: StatusThresholds, ruleUris: readonly string[]): JobThresholds {
  return {
    marginCall: t.marginCall.toNumber(), reduceOnly: t.reduceOnly.toNumber(), liquidation: t.liquidation.toNumber(),
    source: ruleUris.length === 0 ? 'data/rules/ (defaults)' : `the job's rules (${ruleUris.join(', ')})`,
  };
}

// The layout: the head, one field a line, `"portfolios": [`, one portfolio a line, `]`, the totals.
// readSummary streams it line by line; any other layout of the same JSON is read whole.
const PORTFOLIOS_OPEN = '"portfolios": [';

/** summary.json up to and including the line that opens the portfolio list. */
export function renderSummaryOpening(s: SummaryFacts): string {
  const window = { from: new Date(s.window.from).toISOString(), to: new Date(s.window.to).toISOString(), steps: s.window.steps };
  return `{\n"version": 1,\n"job": ${JSON.stringify(s.job)},\n"inputs": ${JSON.stringify(s.inputs)},\n"rulesSources": ${JSON.stringify(s.rulesSources)},\n`
    + (s.thresholds === undefined ? '' : `"thresholds": ${JSON.stringify(s.thresholds)},\n`)
    + (s.intrabar === undefined ? '' : `"intrabar": ${s.intrabar},\n`)
    + `"window": ${JSON.stringify(window)},\n${PORTFOLIOS_OPEN}\n`;
}

/** One portfolio's line (`first`: no comma before it). */
export const renderSummaryPortfolio = (p: PortfolioSummary, first: boolean) => `${first ? '' : ',\n'}${JSON.stringify(p)}`;

export const renderSummaryClosing = (totals: JobTotals) => `\n],\n"totals": ${JSON.stringify(totals)}\n}\n`;

export const emptyJobTotals = (): JobTotals => ({ portfolios: 0, ok: 0, failed: 0, liquidated: 0, bankrupt: 0, worstStatus: {}, liquidationFeesUSD: '0.00000000', bankruptcyLossUSD: '0.00000000', portfolioSteps: 0, worst: null });

const decimalSum = (a: string, b: string) => new Dec(a).plus(b).toFixed(8);

/** Counts one portfolio's line into the totals (in input order: the first of equal minima stays). */
export function addToJobTotals(t: JobTotals, p: PortfolioSummary): void {
  t.portfolios++;
  if (!p.ok) {
    t.failed++;
    return;
  }
  t.ok++;
  if (p.liquidations > 0) t.liquidated++;
  if (p.bankrupt) t.bankrupt++;
  if (p.worstStatus !== null) t.worstStatus[p.worstStatus] = (t.worstStatus[p.worstStatus] ?? 0) + 1;
  t.liquidationFeesUSD = decimalSum(t.liquidationFeesUSD, p.liquidationFeesUSD);
  t.bankruptcyLossUSD = decimalSum(t.bankruptcyLossUSD, p.bankruptcyLossUSD);
  if (p.minUniMMR !== null && (t.worst === null || new Dec(p.minUniMMR).lt(t.worst.minUniMMR))) {
    t.worst = { portfolioId: p.portfolioId, minUniMMR: p.minUniMMR, time: p.minUniMMRTime };
  }
}

/**
 * Adds totals `b` (of later portfolios) into `a`: the same result as counting b's portfolios into
 * `a` one by one, so batches' totals reduce in any grouping as long as batch order is kept.
 */
export function addJobTotals(a: JobTotals, b: JobTotals): void {
  a.portfolios += b.portfolios;
  a.ok += b.ok;
  a.failed += b.failed;
  a.liquidated += b.liquidated;
  a.bankrupt += b.bankrupt;
  for (const [status, n] of Object.entries(b.worstStatus)) a.worstStatus[status] = (a.worstStatus[status] ?? 0) + n;
  a.liquidationFeesUSD = decimalSum(a.liquidationFeesUSD, b.liquidationFeesUSD);
  a.bankruptcyLossUSD = decimalSum(a.bankruptcyLossUSD, b.bankruptcyLossUSD);
  a.portfolioSteps += b.portfolioSteps;
  if (b.worst !== null && (a.worst === null || new Dec(b.worst.minUniMMR).lt(a.worst.minUniMMR))) a.worst = { ...b.worst };
}

/** Reads totals back (a batch's partial), checking each field's kind. */
export function readJobTotals(v: unknown, file: string, path: string): JobTotals {
  const o = readObject(file, path, v);
  for (const key of ['portfolios', 'ok', 'failed', 'liquidated', 'bankrupt', 'portfolioSteps'] as const) {
    if (typeof o[key] !== 'number' || !Number.isSafeInteger(o[key]) || (o[key] as number) < 0) throw new InputError(file, `${path}.${key}`, 'a count', describeValue(o[key]));
  }
  for (const key of ['liquidationFeesUSD', 'bankruptcyLossUSD'] as const) {
    if (typeof o[key] !== 'string' || !/^-?\d+\.\d{8}$/.test(o[key] as string)) throw new InputError(file, `${path}.${key}`, 'an 8-decimal amount', describeValue(o[key]));
  }
  const worstStatus = readObject(file, `${path}.worstStatus`, o.worstStatus);
  for (const [k, n] of Object.entries(worstStatus)) if (typeof n !== 'number') throw new InputError(file, `${path}.worstStatus.${k}`, 'a count', describeValue(n));
  if (o.worst !== null) {
    const w = readObject(file, `${path}.worst`, o.worst);
    if (typeof w.portfolioId !== 'string' || typeof w.minUniMMR !== 'string') throw new InputError(file, `${path}.worst`, '{portfolioId, minUniMMR, time} or null', describeValue(o.worst));
  }
  return o as unknown as JobTotals;
}

/** Checks the head's fields the readers use, naming the file and the field it rejects. */
export function checkSummaryHead(v: unknown, file: string): SummaryHead {
  const o = readObject(file, '', v);
  if (o.version !== 1) throw new InputError(file, 'version', '1', describeValue(o.version));
  const job = readObject(file, 'job', o.job);
  for (const key of ['jobId', 'prices', 'portfolios'] as const) if (typeof job[key] !== 'string') throw new InputError(file, `job.${key}`, 'a string', describeValue(job[key]));
  readArray(file, 'job.rules', job.rules);
  if (typeof readObject(file, 'job.timeline', job.timeline).resolution !== 'number') throw new InputError(file, 'job.timeline.resolution', 'a number of ms', describeValue((job.timeline as { resolution?: unknown }).resolution));
  readObject(file, 'job.liquidation', job.liquidation);
  const inputs = readObject(file, 'inputs', o.inputs);
  readObject(file, 'inputs.prices', inputs.prices);
  readArray(file, 'inputs.rules', inputs.rules);
  readArray(file, 'rulesSources', o.rulesSources);
  if (o.thresholds !== undefined) checkThresholds(o.thresholds, file, 'thresholds');
  if (o.intrabar !== undefined && typeof o.intrabar !== 'boolean') throw new InputError(file, 'intrabar', 'true or false', describeValue(o.intrabar));
  const window = readObject(file, 'window', o.window);
  if (!Number.isFinite(Date.parse(String(window.from))) || !Number.isFinite(Date.parse(String(window.to))) || typeof window.steps !== 'number') throw new InputError(file, 'window', '{from, to, steps} with ISO-8601 times', describeValue(o.window));
  readObject(file, 'totals', o.totals);
  return o as unknown as SummaryHead;
}

/**
 * Reads recorded thresholds (summary.json, a part, the plan's job.json). Missing ones are an error
 * naming the field: a report drawn with other bands than the job ran with would mislead.
 */
export function readJobThresholds(v: unknown, file: string, path: string): JobThresholds {
  if (v === undefined) throw new InputError(file, path, 'the status thresholds the job ran with ({marginCall, reduceOnly, liquidation, source}); written by a version that did not record them: run the job again', 'none');
  return checkThresholds(v, file, path);
}

function checkThresholds(v: unknown, file: string, path: string): JobThresholds {
  const t = readObject(file, path, v);
  for (const key of ['marginCall', 'reduceOnly', 'liquidation'] as const) if (typeof t[key] !== 'number' || !(t[key] > 0)) throw new InputError(file, `${path}.${key}`, 'a number > 0', describeValue(t[key]));
  if (typeof t.source !== 'string') throw new InputError(file, `${path}.source`, 'a string', describeValue(t.source));
  return t as unknown as JobThresholds;
}

/**
 * Reads summary.json as a stream, handing each portfolio line to `visit` and returning the rest:
 * the layout the merge writes is read line by line (memory holds one line), any other layout of
 * the same JSON is parsed whole. Anything it cannot read throws, naming the file and the line
 * (counted from 1) or field.
 */
export async function readSummary(lines: AsyncIterable<string>, file: string, visit: (p: PortfolioSummary) => void): Promise<SummaryHead> {
  const headLines: string[] = [];
  let state: 'head' | 'portfolios' | 'tail' = 'head';
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (state === 'portfolios') {
      if (line === ']' || line === '],') {
        state = 'tail';
        headLines.push(line);
        continue;
      }
      const text = line.endsWith(',') ? line.slice(0, -1) : line;
      const where = `line ${lineNumber}`;
      if (text.trim() !== '') visit(checkPortfolioSummary(parseJsonAt(text, file, where, 'a portfolio summary (a JSON object)'), file, where));
      continue;
    }
    if (state === 'head' && line === PORTFOLIOS_OPEN) state = 'portfolios';
    headLines.push(line);
  }
  const whole = readObject(file, '', parseJsonAt(headLines.join('\n'), file, '', 'summary.json (a JSON object)'));
  if (state === 'head') readArray(file, 'portfolios', whole.portfolios).forEach((p, i) => visit(checkPortfolioSummary(p, file, `portfolios[${i}]`)));
  delete whole.portfolios;
  return checkSummaryHead(whole, file);
}

/**
 * Which run wrote a part, from which inputs (their SHA-256s; the portfolios' when the writer knew
 * it — a local run writes parts before it has read the whole portfolio file). The merge accepts a
 * part only if this matches its own run.
 */
export interface PartRun {
  runId: string;
  inputs: { prices: string; rules: string[]; portfolios?: string };
}

/**
 * How a part differs from run `runId` reading `inputs`: `'run'` (another run wrote it), `'inputs'`
 * (made from other prices, rules or — when the part knows it — portfolios), or undefined (it is that run's).
 */
export function findPartRunMismatch(part: PartRun, runId: string, inputs: SummaryHead['inputs']): 'run' | 'inputs' | undefined {
  if (part.runId !== runId) return 'run';
  const sameInputs = part.inputs.prices === inputs.prices.sha256
    && part.inputs.rules.length === inputs.rules.length && part.inputs.rules.every((r, i) => r === inputs.rules[i]!.sha256)
    && (part.inputs.portfolios === undefined || part.inputs.portfolios === inputs.portfolios.sha256);
  return sameInputs ? undefined : 'inputs';
}

export function readPartRun(v: unknown, file: string): PartRun {
  const o = readObject(file, 'run', v);
  const inputs = readObject(file, 'run.inputs', o.inputs);
  const sha = (x: unknown, path: string) => {
    if (typeof x !== 'string' || !/^[0-9a-f]{64}$/.test(x)) throw new InputError(file, path, 'a SHA-256 in hex', describeValue(x));
    return x;
  };
  if (typeof o.runId !== 'string') throw new InputError(file, 'run.runId', 'the run id of the run that wrote the part', describeValue(o.runId));
  return {
    runId: o.runId,
    inputs: {
      prices: sha(inputs.prices, 'run.inputs.prices'),
      rules: readArray(file, 'run.inputs.rules', inputs.rules).map((r, i) => sha(r, `run.inputs.rules[${i}]`)),
      ...(inputs.portfolios === undefined ? {} : { portfolios: sha(inputs.portfolios, 'run.inputs.portfolios') }),
    },
  };
}

