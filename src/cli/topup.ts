import { buildBatchContext, type BatchContext } from '../batch/context.js';
import { readPricesBytes, readRuleDocuments, streamPortfolioDocuments } from '../batch/inputs.js';
import { describeInternalFailure, describePortfolioFailure, type BatchItem } from '../batch/run-batch.js';
import { InputError } from '../domain/errors.js';
import type { Portfolio } from '../domain/types.js';
import { createFastBatch, findPortfolioCapacity } from '../engine/fast/batch.js';
import { findFastKernelRefusal } from '../engine/fast/refusal.js';
import { parsePortfolio } from '../io/json/portfolio.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import { replayPortfolio } from '../replay/replay-portfolio.js';
import { createTopUpKeeper, findTopUp, renderTopUp, type TopUpPath } from '../risk/topup.js';
import type { CheckpointKeeper } from '../replay/checkpoint.js';
import { parseTopUpThreshold, type TopUpRequest } from '../risk/topup-request.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { JOB_FLAGS, readJobSpecWithFlags } from './job-flags.js';
import { locateUri } from './stores.js';
import { EXIT_SOME_FAILED, UsageError, type CommandOutput } from './usage.js';

export const TOPUP_COMMAND = {
  synopsis: ['pmbt topup JOB.json [--asset USDT] [--threshold liquidation|reduceOnly|marginCall|U] [--portfolio ID ...] [job options]'],
  about: `Top-up to survive: for each portfolio of the job, the smallest amount of --asset added at the start
(and, separately, at the first margin call) that keeps uniMMR above the threshold at every step of
the job's path, the portfolio held as it was (no liquidation). Exact: held replays with the exact
engine deciding, to 1e-8 of the asset. One JSON line per portfolio on stdout (docs/risk.md
"Top-up to survive"). Exit code 0, or 3 when some portfolio failed (its line says why).`,
  heading: "Options (the job options override the job file's field, as in pmbt run):",
  column: 23,
  flags: [
    { name: 'asset', value: 'ASSET', description: 'the collateral asset added (default {default})', default: 'USDT' },
    { name: 'threshold', value: 'T', description: ['the uniMMR to stay above: liquidation, reduceOnly, marginCall (the rules\'', 'thresholds) or a number such as 1.1 (default {default})'], default: 'liquidation' },
    { name: 'portfolio', value: 'ID', description: 'only this portfolio (repeatable; default: every one)', repeatable: true },
    ...JOB_FLAGS,
  ],
} as const satisfies CommandSpec;

export const TOPUP_USAGE = renderUsage(TOPUP_COMMAND);

export async function runTopUp(argv: string[]): Promise<CommandOutput> {
  const { values, positionals } = parseFlags(TOPUP_COMMAND.flags, argv, { positionals: true });
  if (positionals.length !== 1) throw new UsageError('give exactly one job file: pmbt topup JOB.json');
  const threshold = parseTopUpThreshold(values.threshold);
  if (threshold === undefined) throw new UsageError(`--threshold must be liquidation, reduceOnly, marginCall or a uniMMR above 0, got ${values.threshold}`);
  const request: TopUpRequest = { asset: values.asset, threshold };
  const wanted = values.portfolio === undefined ? undefined : new Set(values.portfolio);
  const spec = await readJobSpecWithFlags(positionals[0]!, values);
  const prices = await readPricesBytes(locateUri, spec.prices);
  const rules = await readRuleDocuments(locateUri, spec.rules);
  const ctx = buildBatchContext(spec, prices.bytes, rules.documents);
  const lines: string[] = [];
  let failed = 0;
  for await (const item of streamPortfolioDocuments(locateUri, spec.portfolios).items) {
    if (wanted !== undefined && !wanted.has(String(item.doc?.id))) continue;
    const line = describeTopUp(ctx, request, item);
    if (line.error !== undefined) failed++;
    lines.push(`${JSON.stringify(line)}\n`);
  }
  if (wanted !== undefined && lines.length < wanted.size) throw new InputError(spec.portfolios, '', `portfolios with the ids given (${[...wanted].join(', ')})`, `${lines.length} of them`);
  return { stdout: lines.join(''), exitCode: failed > 0 ? EXIT_SOME_FAILED : 0 };
}

/** One portfolio's line: its id, the top-up (as in a summary line) and the search's cost; or why it failed. */
function describeTopUp(ctx: BatchContext, request: TopUpRequest, item: BatchItem | { index: number; error: InputError; doc?: undefined }): Record<string, unknown> & { error?: string } {
  const id = typeof item.doc?.id === 'string' ? item.doc.id : null;
  if (item.doc === undefined) return { portfolioId: id, index: item.index, error: item.error instanceof InputError ? item.error.message : String(item.error) };
  const batchItem: BatchItem = { index: item.index, doc: item.doc };
  try {
    const portfolio = parsePortfolio(item.doc, ctx.rules.base, ctx.spec.portfolios);
    const fast = ctx.spec.engine !== 'exact' && findFastKernelRefusal(portfolio, ctx.rules) === undefined;
    // As in a job: the ordinary replay keeps the accounts the held replays start from.
    const keep = createTopUpKeeper(request);
    const replayed = replayOrdinary(ctx, portfolio, fast, keep);
    const path: TopUpPath = { book: ctx.book, rules: ctx.rules, options: ctx.options, ...(fast ? { fast: { tables: ctx.flatTables, seriesId: ctx.seriesId } } : {}) };
    const t = findTopUp(portfolio, path, request, replayed, keep.kept);
    const m = t.atFirstMarginCall;
    return {
      portfolioId: portfolio.id,
      index: item.index,
      minUniMMR: replayed.minUniMMR === null ? null : formatBinanceDecimal(replayed.minUniMMR),
      liquidations: replayed.liquidations,
      topUp: renderTopUp(t),
      atFirstMarginCallDecidingTime: m?.decidingTime === undefined || m.amount?.isZero() === true ? null : new Date(m.decidingTime).toISOString(),
      heldReplays: t.replays,
    };
  } catch (e) {
    return { portfolioId: id, index: item.index, error: e instanceof InputError ? describePortfolioFailure(ctx.spec.portfolios, ctx.spec.prices, batchItem, e) : describeInternalFailure(ctx.spec.portfolios, batchItem, e) };
  }
}

/** The portfolio's ordinary replay (with liquidation), as pmbt run replays it. */
function replayOrdinary(ctx: BatchContext, portfolio: Portfolio, fast: boolean, keep: CheckpointKeeper) {
  if (!fast) return replayPortfolio(portfolio, ctx.book, ctx.rules, ctx.options, undefined, { keep });
  const capacity = findPortfolioCapacity(portfolio);
  return replayPortfolio(portfolio, ctx.book, ctx.rules, ctx.options, { batch: createFastBatch(ctx.flatTables, [capacity]), index: 0, capacity, seriesId: ctx.seriesId }, { keep });
}
