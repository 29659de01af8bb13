import { InputError, isInputError } from '../domain/errors.js';
import { describeValue, findTooDeepField, MAX_JSON_DEPTH, parseJsonText, readObject } from '../domain/json-fields.js';
import { parseMarketSnapshot } from '../io/json/market.js';
import { parsePortfolio } from '../io/json/portfolio.js';
import { readDefaultRuleDocuments } from '../io/rules-files.js';
import { calculateRiskDistances, DEFAULT_RISK_OPTIONS, type RiskOptions } from '../risk/distances.js';
import { calculateRiskMatrices, type RiskMatrixOptions } from '../risk/matrix.js';
import { renderRiskJson } from '../risk/render.js';
import { isStablecoin } from '../risk/shock.js';
import {
  DEPEG_EXPECTED, gridPointsBound, isLeaderAsset, LEADER_EXPECTED, MATRIX_RANGE_PCT_BOUND, matrixPointsBound, RANGE_PCT_BOUND, readBetas, readShockFamilies, type OptionBound,
} from '../risk/option-bounds.js';
import { buildRules } from '../rules/build.js';
import { HttpError, json, parseHttpRequest, readBody, type HttpResponse } from './http-api.js';

// POST /risk (docs/serverless.md "HTTP API", docs/risk.md "In the report and the API"): `pmbt risk`
// for one account now, synchronously. Body { portfolio, market, rules?, options? } → the same JSON
// document as `pmbt risk`. Its own Lambda (handlers/risk.ts) with no AWS permission: it reads and
// writes nothing but the request and the answer.

/** A portfolio with its market and a few saved Binance rule responses; far above any real account. */
export const MAX_RISK_BODY_BYTES = 1024 * 1024;
/**
 * Bounds that keep one request well inside API Gateway's 30 s: `pmbt risk` allows a grid of 100,001
 * points and 101 × 101 matrices, a synchronous request 1,001 and 51 × 51.
 */
export const RISK_API_LIMITS = { grid: 1001, matrixPoints: 51, rulesDocuments: 16 } as const;

const BODY_KEYS = new Set(['portfolio', 'market', 'rules', 'options']);
const OPTION_KEYS = new Set(['families', 'leader', 'betas', 'rangePct', 'grid', 'matrix']);
const MATRIX_KEYS = new Set(['points', 'rangePct', 'depeg']);

function refuseUnknown(o: Record<string, unknown>, known: ReadonlySet<string>, where: string): void {
  for (const k of Object.keys(o)) if (!known.has(k)) throw new InputError('request body', where === '' ? k : `${where}.${k}`, `one of ${[...known].join(', ')}`, `an unknown field ${JSON.stringify(k)}`);
}

function readNumber(v: unknown, path: string, bound: OptionBound): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !bound.accepts(v)) throw new InputError('request body', path, bound.expected, describeValue(v));
  return v;
}

/** `pmbt risk`'s options as the body gives them; every bound is the CLI's (option-bounds.ts) but grid and matrix (RISK_API_LIMITS). */
export function readRiskApiOptions(v: unknown): { risk: RiskOptions; matrix: RiskMatrixOptions | undefined } {
  const o = v === undefined ? {} : readObject('request body', 'options', v);
  refuseUnknown(o, OPTION_KEYS, 'options');
  const leader = o.leader === undefined ? DEFAULT_RISK_OPTIONS.leader : o.leader;
  if (typeof leader !== 'string' || !isLeaderAsset(leader)) throw new InputError('request body', 'options.leader', LEADER_EXPECTED, describeValue(o.leader));
  const risk: RiskOptions = {
    ...DEFAULT_RISK_OPTIONS,
    families: o.families === undefined ? DEFAULT_RISK_OPTIONS.families : readShockFamilies('request body', 'options.families', o.families),
    leader,
    betas: o.betas === undefined ? new Map() : readBetas('request body', 'options.betas', o.betas),
    rangePct: o.rangePct === undefined ? DEFAULT_RISK_OPTIONS.rangePct : readNumber(o.rangePct, 'options.rangePct', RANGE_PCT_BOUND),
    gridPoints: o.grid === undefined ? DEFAULT_RISK_OPTIONS.gridPoints : readNumber(o.grid, 'options.grid', gridPointsBound(RISK_API_LIMITS.grid)),
  };
  if (o.matrix === undefined) return { risk, matrix: undefined };
  const m = readObject('request body', 'options.matrix', o.matrix);
  refuseUnknown(m, MATRIX_KEYS, 'options.matrix');
  const points = readNumber(m.points, 'options.matrix.points', matrixPointsBound(RISK_API_LIMITS.matrixPoints));
  const rangePct = m.rangePct === undefined ? 20 : readNumber(m.rangePct, 'options.matrix.rangePct', MATRIX_RANGE_PCT_BOUND);
  const depeg = m.depeg === undefined ? 'USDT' : m.depeg;
  if (typeof depeg !== 'string' || !isStablecoin(depeg)) throw new InputError('request body', 'options.matrix.depeg', DEPEG_EXPECTED, describeValue(m.depeg));
  return { risk, matrix: { leader: risk.leader, betas: risk.betas, points, rangePct, stablecoin: depeg } };
}

/** The `pmbt risk` document for the request's body. */
export async function calculateRiskResponse(text: string): Promise<Record<string, unknown>> {
  const body = readObject('request body', '', parseJsonText('request body', text));
  refuseUnknown(body, BODY_KEYS, '');
  // Bounded before anything walks the documents recursively.
  const deep = findTooDeepField(body);
  if (deep !== undefined) throw new InputError('request body', deep, `at most ${MAX_JSON_DEPTH} levels of nesting`, 'deeper');
  const options = readRiskApiOptions(body.options);
  if (body.rules !== undefined && !(Array.isArray(body.rules) && body.rules.length <= RISK_API_LIMITS.rulesDocuments)) throw new InputError('request body', 'rules', `a list of at most ${RISK_API_LIMITS.rulesDocuments} rule documents or saved Binance responses`, describeValue(body.rules));
  const userRules = ((body.rules as unknown[] | undefined) ?? []).map((doc, i) => ({ name: `request body: rules[${i}]`, doc }));
  if (body.portfolio === undefined) throw new InputError('request body', 'portfolio', 'a portfolio (JSON object)', 'nothing');
  if (body.market === undefined) throw new InputError('request body', 'market', 'a market snapshot (JSON object)', 'nothing');
  const rules = buildRules([...(await readDefaultRuleDocuments()), ...userRules]);
  const portfolio = parsePortfolio(body.portfolio, rules, 'request body: portfolio');
  const market = parseMarketSnapshot(body.market, 'request body: market');
  try {
    const out = renderRiskJson(calculateRiskDistances(portfolio, market, rules, options.risk));
    if (options.matrix !== undefined) out.matrices = calculateRiskMatrices(portfolio, market, rules, options.matrix, options.risk.engine);
    out.warnings = [];
    return out;
  } catch (e) {
    // The engine names the document kind (market, portfolio, rules): say which part of the body.
    if (e instanceof InputError && (e.source === 'market' || e.source === 'portfolio')) throw e.withSource(`request body: ${e.source}`);
    if (e instanceof InputError && e.source === 'options') throw new InputError('request body', `options.${e.path}`, e.expected, e.got);
    throw e;
  }
}

/** POST /risk; every failure is a JSON `{ "error": … }`: 400 for bad input (one line naming the field), 413 for a body too large. */
export async function handleRiskRequest(raw: unknown): Promise<HttpResponse> {
  try {
    const req = parseHttpRequest(raw);
    const route = req.routeKey !== '$default' ? req.routeKey : `${req.method} ${req.path.replace(/\/$/, '')}`;
    if (route.endsWith(' /risk') && route !== 'POST /risk') return json(405, { error: `${req.method} is not allowed on ${req.path}` });
    if (route !== 'POST /risk') return json(404, { error: `no route ${req.method} ${req.path}` });
    return json(200, await calculateRiskResponse(readBody(req, MAX_RISK_BODY_BYTES, '{ portfolio, market, rules?, options? } (a JSON object)')));
  } catch (e) {
    if (e instanceof HttpError) return json(e.statusCode, { error: e.message });
    if (isInputError(e)) return json(400, { error: e.message });
    console.error(e);
    return json(500, { error: 'internal error' });
  }
}
