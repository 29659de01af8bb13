import { Dec } from '../domain/decimal.js';
import { calculateRiskDistances, DEFAULT_RISK_OPTIONS, RISK_ENGINES, type RiskEngine, type RiskOptions } from '../risk/distances.js';
import { renderRiskJson } from '../risk/render.js';
import { SHOCK_FAMILY_KINDS, type ShockFamilyKind } from '../risk/shock.js';
import {
  BETA_TEXT, gridPointsBound, isLeaderAsset, isShockFamilyKind, LEADER_EXPECTED, MATRIX_RANGE_PCT_BOUND, matrixPointsBound, RANGE_PCT_BOUND, type OptionBound,
} from '../risk/option-bounds.js';
import { parseFlags, renderUsage, type CommandSpec } from './flags.js';
import { loadAccountInputs, SNAPSHOT_COMMAND } from './snapshot.js';
import { UsageError } from './usage.js';
import { readPricesBytes } from '../batch/inputs.js';
import { readSeriesArrow } from '../io/arrow/series.js';
import { parseDuration } from '../io/convert/time-text.js';
import { estimateBetas, type BetaEstimationOptions } from '../risk/betas.js';
import type { MarketSnapshot } from '../domain/types.js';
import { locateUri } from './stores.js';
import { calculateRiskMatrices, type RiskMatrixOptions } from '../risk/matrix.js';

export const RISK_COMMAND = {
  synopsis: [
    'pmbt risk --portfolio P --market M [--market M2 ...] [--rules R ...]',
    '          [--families all,leader,single,depeg] [--leader BTC] [--beta ETH=1.2,...] [--range 50] [--grid 81]',
    '          [--betas-from PRICES.arrow] [--beta-window 30d] [--beta-interval 1h] [--engine fast|exact]',
    '          [--matrix N] [--matrix-range 20] [--depeg USDT]',
    'pmbt risk --binance F [--binance F2 ...] --market M ... (as pmbt snapshot)',
  ],
  about: `Distance to each threshold: per shock family and direction, the smallest price move that takes
uniMMR to the margin-call, reduce-only and liquidation thresholds and adjusted equity to zero (the
first crossing: a grid scan, then bisection to 1e-8 %, on the fast kernel with every decision it
cannot take and every crossing confirmed by the exact engine), with the prices there, as JSON on
stdout (docs/risk.md).`,
  column: 23,
  flags: [
    ...SNAPSHOT_COMMAND.flags,
    { name: 'families', value: 'LIST', description: ['shock families, comma-separated: all, leader, single, depeg', '(default {default})'], default: 'all,leader,single,depeg' },
    { name: 'leader', value: 'ASSET', description: 'the leader family\'s asset', default: 'BTC' },
    { name: 'beta', value: 'A=B,...', description: ['betas of the other assets in the leader family (an asset neither given', 'nor estimated: 1)'] },
    { name: 'betas-from', value: 'PRICES', description: ['estimate the betas from a price history (Arrow, as pmbt run\'s): each index\'s', 'log returns regressed on the leader\'s; --beta overrides an estimate'] },
    { name: 'beta-window', value: 'DUR', description: 'the estimation window, ending at the market\'s time (default {default})', default: '30d' },
    { name: 'beta-interval', value: 'DUR', description: 'the returns\' sampling interval (default {default})', default: '1h' },
    { name: 'range', value: 'PCT', description: 'search shocks up to ±PCT % (default {default}; less where a price would reach 0)', default: '50' },
    { name: 'grid', value: 'N', description: 'grid points over [−range, +range] scanned before narrowing', default: '81' },
    { name: 'engine', value: 'E', description: ['fast: the kernel, the exact engine where its proven bound cannot decide or', 'fix the printed digits; exact: the exact engine throughout'], default: 'fast' },
    { name: 'matrix', value: 'N', description: ['add the risk matrices: uniMMR and status on N × N cells (N odd) of the leader\'s', 'move × the others\' extra move, and the leader\'s move × a depeg'] },
    { name: 'matrix-range', value: 'PCT', description: 'the matrices\' axes run over ±PCT % (default {default})', default: '20' },
    { name: 'depeg', value: 'ASSET', description: 'the stablecoin of the depeg matrix (default {default})', default: 'USDT' },
  ],
} as const satisfies CommandSpec;

export const RISK_USAGE = renderUsage(RISK_COMMAND);

function readFamilies(text: string): ShockFamilyKind[] {
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const k of kinds) if (!isShockFamilyKind(k)) throw new UsageError(`--families: unknown family "${k}" (known: ${SHOCK_FAMILY_KINDS.join(', ')})`);
  if (kinds.length === 0) throw new UsageError('--families: give at least one family');
  return [...new Set(kinds as ShockFamilyKind[])];
}

function readBetas(text: string | undefined): Map<string, Dec> {
  const betas = new Map<string, Dec>();
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Z0-9]+)=(.*)$/.exec(item);
    if (m === null || !BETA_TEXT.test(m[2]!)) throw new UsageError(`--beta: expected ASSET=NUMBER (e.g. ETH=1.2), got "${item}"`);
    betas.set(m[1]!, new Dec(m[2]!));
  }
  return betas;
}

function readNumber(flag: string, text: string, bound: OptionBound): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !bound.accepts(n)) throw new UsageError(`--${flag} must be ${bound.expected}, got ${text}`);
  return n;
}

function readEngine(text: string): RiskEngine {
  if (!(RISK_ENGINES as readonly string[]).includes(text)) throw new UsageError(`--engine must be one of ${RISK_ENGINES.join(', ')}, got ${text}`);
  return text as RiskEngine;
}

export function readRiskOptions(values: { families: string; leader: string; beta?: string; range: string; grid: string; engine: string }): RiskOptions {
  if (!isLeaderAsset(values.leader)) throw new UsageError(`--leader must be ${LEADER_EXPECTED}, got ${values.leader}`);
  return {
    ...DEFAULT_RISK_OPTIONS,
    families: readFamilies(values.families),
    leader: values.leader,
    betas: readBetas(values.beta),
    rangePct: readNumber('range', values.range, RANGE_PCT_BOUND),
    gridPoints: readNumber('grid', values.grid, gridPointsBound()),
    engine: readEngine(values.engine),
  };
}

/** The matrices' options when --matrix is given; read before any file, like every other flag. */
function readMatrixOptions(values: { matrix?: string; 'matrix-range': string; depeg: string }, risk: RiskOptions): RiskMatrixOptions | undefined {
  if (values.matrix === undefined) return undefined;
  const points = readNumber('matrix', values.matrix, matrixPointsBound());
  const rangePct = readNumber('matrix-range', values['matrix-range'], MATRIX_RANGE_PCT_BOUND);
  return { leader: risk.leader, betas: risk.betas, points, rangePct, stablecoin: values.depeg };
}

/** --beta-window and --beta-interval, read before any file. */
function readBetaWindow(values: { 'beta-window': string; 'beta-interval': string }): Omit<BetaEstimationOptions, 'leader' | 'end'> {
  const windowMs = parseDuration(values['beta-window']);
  if (windowMs === undefined) throw new UsageError(`--beta-window must be a duration such as 30d or 12h, got ${values['beta-window']}`);
  const intervalMs = parseDuration(values['beta-interval']);
  if (intervalMs === undefined || intervalMs > windowMs / 10) throw new UsageError(`--beta-interval must be a duration of at most a tenth of --beta-window (${values['beta-window']}), got ${values['beta-interval']}`);
  return { windowMs, intervalMs, window: values['beta-window'], interval: values['beta-interval'] };
}

/** The betas estimated from --betas-from (window ending at the market's time, else at the history's end), then --beta's over them. */
async function addEstimatedBetas(options: RiskOptions, file: string, window: Omit<BetaEstimationOptions, 'leader' | 'end'>, market: MarketSnapshot): Promise<RiskOptions> {
  const series = readSeriesArrow((await readPricesBytes(locateUri, file)).bytes, file);
  const end = market.time ?? series.times[series.times.length - 1] ?? 0;
  const estimation = estimateBetas(series, file, { ...window, leader: options.leader, end });
  const betas = new Map([...[...estimation.estimates].map(([a, e]) => [a, e.beta] as const), ...options.betas]);
  return { ...options, betas, betaEstimation: estimation };
}

export async function runRisk(argv: string[]): Promise<string> {
  const { values } = parseFlags(RISK_COMMAND.flags, argv);
  let options = readRiskOptions(values);
  const matrixOptions = readMatrixOptions(values, options);
  const betaWindow = readBetaWindow(values);
  const { portfolio, market, rules, warnings, nameInputFile } = await loadAccountInputs(values);
  if (values['betas-from'] !== undefined) options = await addEstimatedBetas(options, values['betas-from'], betaWindow, market);
  try {
    const out = renderRiskJson(calculateRiskDistances(portfolio, market, rules, options));
    if (matrixOptions !== undefined) out.matrices = calculateRiskMatrices(portfolio, market, rules, { ...matrixOptions, betas: options.betas }, options.engine);
    out.warnings = warnings;
    return `${JSON.stringify(out, null, 2)}\n`;
  } catch (e) {
    throw nameInputFile(e);
  }
}
