import { Dec } from '../domain/decimal.js';
import { InputError } from '../domain/errors.js';
import { describeValue } from '../domain/json-fields.js';
import type { AccountSnapshot, AccountStatus } from '../domain/types.js';
import { formatBinanceDecimal as f } from './binance-format.js';
import type { ReplayEvent } from './events/index.js';

/** summary.json's line for one portfolio (docs/formats.md "Outputs"); summary.ts owns the document around the lines. */
export type PortfolioSummary =
  | {
      portfolioId: string;
      index: number;
      ok: true;
      /** Which engine evaluated the ordinary steps (decisions are always exact). */
      engine: 'fast' | 'exact';
      steps: number;
      kernelSteps: number;
      gapSteps: number;
      initialUniMMR: string | null;
      initialStatus: AccountStatus | null;
      minUniMMR: string | null;
      minUniMMRTime: string | null;
      /** The account at the minimum (null when there was none): what the report's drill-down shows. */
      worst: WorstMoment | null;
      firstTimeIn: Partial<Record<AccountStatus, string>>;
      worstStatus: AccountStatus | null;
      liquidations: number;
      liquidationFeesUSD: string;
      bankrupt: boolean;
      bankruptcyLossUSD: string;
      finalTime: string | null;
      finalStatus: AccountStatus | null;
      finalUniMMR: string | null;
      finalAccountEquity: string | null;
      finalActualEquity: string | null;
      eventCounts: Record<string, number>;
      /**
       * Funding received per symbol (negative: paid), in the asset it is paid in, and interest
       * charged per asset: each the sum of the payments as the ledger prints them (PaymentTotals).
       * Absent in lines written before they were recorded.
       */
      funding?: Record<string, string>;
      interest?: Record<string, string>;
      /**
       * Distance at the start (the job's first step's market), family 'all' (docs/risk.md "In a
       * job"); absent in lines written before it and with `risk.distance: false` (on by default).
       */
      startDistance?: StartDistance;
      /** The other families `risk.distance.families` asks for (leader, single and depeg per asset), in the search's order. */
      otherStartDistances?: StartDistance[];
      /** Top-up to survive the replayed path, held as it was (no liquidation): absent with `risk.topUp: false` (on by default). */
      topUp?: PortfolioTopUp;
      warnings: string[];
    }
  | { portfolioId: string | null; index: number; ok: false; error: string };

export const START_DISTANCE_TARGETS = ['marginCall', 'reduceOnly', 'liquidation', 'zeroEquity'] as const;
export type StartDistanceTarget = (typeof START_DISTANCE_TARGETS)[number];

/**
 * Per direction, the shock that first takes the account past each target, as `pmbt risk`'s
 * shockPct (percent, 8 decimals, e.g. "-23.45678901"); a target absent from down/up: none within
 * ±rangePct (docs/formats.md "Outputs").
 */
export interface StartDistance {
  family: string;
  rangePct: number;
  down: Partial<Record<StartDistanceTarget, string>>;
  up: Partial<Record<StartDistanceTarget, string>>;
}

/** A summary line's `topUp` (docs/formats.md "Outputs", docs/risk.md "Top-up to survive"). */
export interface PortfolioTopUp {
  /** The collateral asset added, e.g. "USDT". */
  asset: string;
  /** The uniMMR threshold kept above, decimal string, e.g. "1.05". */
  threshold: string;
  /** Smallest amount of `asset` added at the start (8-decimal string, "0" when none needed); null when no amount suffices. */
  amount: string | null;
  /** ISO time of the step that decides it (null when amount is "0"). */
  decidingTime: string | null;
  /** The same for a top-up made at the first margin call; null when the path has no margin call. */
  atFirstMarginCall: { time: string; amount: string | null } | null;
}

/**
 * The account at its minimum uniMMR, compact: totals, then per asset (index price, equity after
 * haircut and maintenance margin in USD) and per position (amount, mark price, maintenance margin
 * in USD; `positionSide` only for hedge-mode legs). Amounts are 8-decimal strings like the rest of
 * the summary.
 */
export interface WorstMoment {
  uniMMR: string | null;
  accountStatus: AccountStatus;
  accountEquity: string;
  actualEquity: string;
  accountMaintMargin: string;
  totalMarginOpenLoss: string;
  assets: { asset: string; indexPrice: string; equityUSD: string; maintMarginUSD: string }[];
  positions: { market: 'UM' | 'CM'; symbol: string; positionSide?: 'LONG' | 'SHORT'; positionAmt: string; markPrice: string; maintMarginUSD: string }[];
}

export function renderWorstMoment(s: AccountSnapshot): WorstMoment {
  return {
    uniMMR: s.uniMMR === null ? null : f(s.uniMMR),
    accountStatus: s.accountStatus,
    accountEquity: f(s.accountEquity),
    actualEquity: f(s.actualEquity),
    accountMaintMargin: f(s.accountMaintMargin),
    totalMarginOpenLoss: f(s.totalMarginOpenLoss),
    assets: s.assets.map((a) => ({ asset: a.asset, indexPrice: f(a.indexPrice), equityUSD: f(a.equityUSD), maintMarginUSD: f(a.maintMarginUSD) })),
    positions: s.positions.map((p) => ({
      market: p.market, symbol: p.symbol, ...(p.positionSide === 'BOTH' ? {} : { positionSide: p.positionSide }), positionAmt: f(p.positionAmt), markPrice: f(p.markPrice), maintMarginUSD: f(p.maintMarginUSD),
    })),
  };
}

/**
 * What a replay tells about one portfolio, as far as its summary line needs it. Declared here
 * because the records sit below the replay, whose PortfolioReplay extends it.
 */
export interface ReplayOutcome {
  portfolioId: string;
  steps: number;
  /** Of `steps`, those the fast kernel evaluated (the rest, and every decision, were exact). */
  kernelSteps: number;
  gapSteps: number;
  initial: AccountSnapshot | undefined;
  final: AccountSnapshot | undefined;
  /**
   * The final account's printed numbers, when they came from the fast kernel's floats under their
   * proven error bound (replay/final-account.ts): the summary prints these, the same strings
   * `final` gives. Absent: the summary prints `final`.
   */
  finalPrinted?: FinalPrinted;
  finalTime: number | undefined;
  minUniMMR: Dec | null;
  minUniMMRTime: number | undefined;
  /**
   * The account evaluated by the exact engine at the step of the minimum uniMMR (before any
   * liquidation at that step): the breakdown the report shows. Its uniMMR may differ from
   * `minUniMMR` within the parity tolerance when the minimum came from the fast kernel.
   */
  worstSnapshot: AccountSnapshot | undefined;
  firstTimeIn: Partial<Record<AccountStatus, number>>;
  liquidations: number;
  liquidationFeesUSD: Dec;
  bankruptcyLossUSD: Dec;
  bankrupt: boolean;
  warnings: string[];
  /** Every event the replay had, funding and interest payments included whether or not the job records them. */
  events: readonly ReplayEvent[];
}

/** The summary line's final numbers as printed (8-decimal strings) and the final status. */
export interface FinalPrinted {
  accountStatus: AccountStatus;
  uniMMR: string;
  accountEquity: string;
  actualEquity: string;
}

/** Funding per symbol and interest per asset, as 8-decimal strings (keys sorted). */
export interface PaymentTotals {
  funding: Record<string, string>;
  interest: Record<string, string>;
}

/**
 * A portfolio's funding and interest payments added up. Each payment counts as Binance prints it
 * (and as the ledger, `events.ledger`, records it): cut to 8 decimals. So the totals are exact sums
 * of the printed payments, which a reader can reconcile with the ledger to the last digit; the
 * replay's wallets moved by the uncut amounts, less than 1e-8 apart per payment.
 *
 * Added as integers of 10⁻⁸ held in float64, read from decimal.js's digit words (unitsOf): every
 * payment below 10⁷ is fewer than 10¹⁵ units and every running sum below 2⁵³ (MAX_SAFE_INTEGER) is
 * an exact integer there, so the sums are the exact sums of the printed payments — the numbers Dec
 * gives (sumPaymentsDec, the reference: its 40 digits hold them exactly). A portfolio with a larger
 * payment or sum is added by Dec instead.
 */
export function sumPayments(events: readonly ReplayEvent[]): PaymentTotals {
  const funding = new Map<string, number>();
  const interest = new Map<string, number>();
  let exact = true;
  const add = (into: Map<string, number>, key: string, amount: Dec) => {
    const units = unitsOf(amount);
    const sum = (into.get(key) ?? 0) + units;
    if (!(Math.abs(sum) <= Number.MAX_SAFE_INTEGER)) exact = false;
    into.set(key, sum);
  };
  for (const e of events) {
    if (e.type === 'funding') add(funding, e.symbol, e.amount);
    else if (e.type === 'interest') add(interest, e.asset, e.amount);
  }
  if (!exact) return sumPaymentsDec(events);
  const render = (m: Map<string, number>) => Object.fromEntries([...m.keys()].sort().map((k) => [k, formatUnits(m.get(k)!)]));
  return { funding: render(funding), interest: render(interest) };
}

// 10^n for the word arithmetic below (exact in float64 up to 10²²).
const POW10 = Array.from({ length: 16 }, (_, n) => 10 ** n);

/**
 * A payment cut toward zero to 8 decimals, in units of 10⁻⁸ (formatBinanceDecimal's digits without
 * the point), from decimal.js's words (`d`, base 10⁷, word 0's unit 10^(7·⌊e/7⌋)): NaN when the
 * payment is 10⁷ or more (its units need not be exact in float64; the caller falls back to Dec).
 * Words wholly below 10⁻⁸ are not read: they add less than one unit to the cut word's remainder.
 */
function unitsOf(d: Dec): number {
  const words = d.d;
  const e = d.e;
  if (words === null || words === undefined || e > 6) return Number.NaN;
  if (e < -8) return 0;
  let units = 0;
  // The power of ten, in units, of word i's unit: at most 8 (e ≤ 6), so each term is below 10¹⁵.
  let place = 7 * Math.floor(e / 7) + 8;
  for (let i = 0; i < words.length && place > -7; i++, place -= 7) {
    const w = words[i]!;
    units += place >= 0 ? w * POW10[place]! : Math.floor(w / POW10[-place]!);
  }
  return d.s < 0 ? -units : units;
}

/** An integer of 10⁻⁸ units (below 2⁵³) printed as formatBinanceDecimal prints the same number. */
function formatUnits(units: number): string {
  const digits = String(Math.abs(units)).padStart(9, '0');
  return `${units < 0 ? '-' : ''}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** sumPayments in decimal.js: each printed payment parsed and added by Dec.plus (40 significant digits). */
export function sumPaymentsDec(events: readonly ReplayEvent[]): PaymentTotals {
  const funding = new Map<string, Dec>();
  const interest = new Map<string, Dec>();
  const add = (into: Map<string, Dec>, key: string, amount: Dec) => into.set(key, (into.get(key) ?? new Dec(0)).plus(f(amount)));
  for (const e of events) {
    if (e.type === 'funding') add(funding, e.symbol, e.amount);
    else if (e.type === 'interest') add(interest, e.asset, e.amount);
  }
  const render = (m: Map<string, Dec>) => Object.fromEntries([...m.keys()].sort().map((k) => [k, f(m.get(k)!)]));
  return { funding: render(funding), interest: render(interest) };
}

const WORST_FIRST: AccountStatus[] = ['BANKRUPTED', 'FORCE_LIQUIDATION', 'REDUCE_ONLY', 'MARGIN_CALL', 'NORMAL'];
const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

/** The final account's fields of a summary line: from the kernel's proven strings when the replay has them. */
function renderFinal(r: ReplayOutcome): { finalStatus: AccountStatus | null; finalUniMMR: string | null; finalAccountEquity: string | null; finalActualEquity: string | null } {
  const printed = r.finalPrinted;
  if (printed !== undefined) return { finalStatus: r.bankrupt ? 'BANKRUPTED' : printed.accountStatus, finalUniMMR: printed.uniMMR, finalAccountEquity: printed.accountEquity, finalActualEquity: printed.actualEquity };
  const final = r.final;
  return {
    finalStatus: r.bankrupt ? 'BANKRUPTED' : (final?.accountStatus ?? null),
    finalUniMMR: final?.uniMMR == null ? null : f(final.uniMMR),
    finalAccountEquity: final === undefined ? null : f(final.accountEquity),
    finalActualEquity: final === undefined ? null : f(final.actualEquity),
  };
}

export function renderPortfolioSummary(r: ReplayOutcome, index: number, engine: 'fast' | 'exact'): PortfolioSummary {
  const eventCounts: Record<string, number> = {};
  for (const e of r.events) eventCounts[e.type] = (eventCounts[e.type] ?? 0) + 1;
  const firstTimeIn: Partial<Record<AccountStatus, string>> = {};
  for (const s of [...WORST_FIRST].reverse()) if (r.firstTimeIn[s] !== undefined) firstTimeIn[s] = iso(r.firstTimeIn[s])!;
  return {
    portfolioId: r.portfolioId,
    index,
    ok: true,
    engine,
    steps: r.steps,
    kernelSteps: r.kernelSteps,
    gapSteps: r.gapSteps,
    initialUniMMR: r.initial?.uniMMR == null ? null : f(r.initial.uniMMR),
    initialStatus: r.initial?.accountStatus ?? null,
    minUniMMR: r.minUniMMR === null ? null : f(r.minUniMMR),
    minUniMMRTime: iso(r.minUniMMRTime),
    worst: r.worstSnapshot === undefined ? null : renderWorstMoment(r.worstSnapshot),
    firstTimeIn,
    worstStatus: WORST_FIRST.find((s) => r.firstTimeIn[s] !== undefined) ?? null,
    liquidations: r.liquidations,
    liquidationFeesUSD: f(r.liquidationFeesUSD),
    bankrupt: r.bankrupt,
    bankruptcyLossUSD: f(r.bankruptcyLossUSD),
    finalTime: iso(r.finalTime),
    ...renderFinal(r),
    eventCounts,
    ...sumPayments(r.events),
    warnings: r.warnings,
  };
}

type FieldKind = 'string' | 'string|null' | 'number' | 'boolean' | 'object' | 'object|null' | 'array';

const OK_FIELDS: Readonly<Record<string, FieldKind>> = {
  portfolioId: 'string', index: 'number', engine: 'string', steps: 'number', kernelSteps: 'number', gapSteps: 'number', initialUniMMR: 'string|null', initialStatus: 'string|null',
  minUniMMR: 'string|null', minUniMMRTime: 'string|null', worst: 'object|null', firstTimeIn: 'object', worstStatus: 'string|null', liquidations: 'number', liquidationFeesUSD: 'string',
  bankrupt: 'boolean', bankruptcyLossUSD: 'string', finalTime: 'string|null', finalStatus: 'string|null', finalUniMMR: 'string|null', finalAccountEquity: 'string|null',
  finalActualEquity: 'string|null', eventCounts: 'object', warnings: 'array',
};
/** Fields of a replayed portfolio's line that lines written before them lack. */
const OK_OPTIONAL_FIELDS: Readonly<Record<string, FieldKind>> = { funding: 'object', interest: 'object' };
const FAILED_FIELDS: Readonly<Record<string, FieldKind>> = { portfolioId: 'string|null', index: 'number', error: 'string' };

function isKind(v: unknown, kind: FieldKind): boolean {
  if (v === null) return kind.endsWith('|null');
  if (kind === 'array') return Array.isArray(v);
  if (kind.startsWith('object')) return typeof v === 'object' && !Array.isArray(v);
  return typeof v === kind.replace('|null', '');
}

/**
 * A summary line read back: an object with `ok`, and every field of its kind (a replayed
 * portfolio's or a failed one's) of the right JSON type. Throws an InputError naming `file` and
 * `where` (a line, or a path into the document); fields are not parsed further.
 */
export function checkPortfolioSummary(v: unknown, file: string, where: string): PortfolioSummary {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(file, where, 'a portfolio summary (a JSON object)', describeValue(v));
  const o = v as Record<string, unknown>;
  if (typeof o.ok !== 'boolean') throw new InputError(file, `${where}.ok`, 'true or false', describeValue(o.ok));
  for (const [key, kind] of Object.entries(o.ok ? OK_FIELDS : FAILED_FIELDS)) {
    if (!isKind(o[key], kind)) throw new InputError(file, `${where}.${key}`, `${kind.replace('|', ' or ')}`, describeValue(o[key]));
  }
  if (o.ok) {
    checkPaymentTotals(o, file, where);
    if (o.startDistance !== undefined) checkStartDistance(o.startDistance, file, `${where}.startDistance`);
    if (o.otherStartDistances !== undefined) {
      if (!Array.isArray(o.otherStartDistances)) throw new InputError(file, `${where}.otherStartDistances`, 'a list of distances (each as startDistance)', describeValue(o.otherStartDistances));
      o.otherStartDistances.forEach((d, i) => checkStartDistance(d, file, `${where}.otherStartDistances[${i}]`));
    }
    if (o.topUp !== undefined) checkTopUp(o.topUp, file, `${where}.topUp`);
  }
  return o as unknown as PortfolioSummary;
}

const SHOCK_PCT = /^-?\d+\.\d{8}$/;

/** startDistance: family, rangePct, and down/up objects of shock percentages by target. */
function checkStartDistance(v: unknown, file: string, where: string): void {
  if (!isKind(v, 'object') || v === null) throw new InputError(file, where, 'an object with family, rangePct, down and up', describeValue(v));
  const o = v as Record<string, unknown>;
  if (typeof o.family !== 'string') throw new InputError(file, `${where}.family`, 'a string', describeValue(o.family));
  if (typeof o.rangePct !== 'number') throw new InputError(file, `${where}.rangePct`, 'a number', describeValue(o.rangePct));
  for (const dir of ['down', 'up']) {
    const d = o[dir];
    if (!isKind(d, 'object') || d === null) throw new InputError(file, `${where}.${dir}`, 'an object of shock percentages by target', describeValue(d));
    for (const [target, pct] of Object.entries(d as Record<string, unknown>)) {
      if (!(START_DISTANCE_TARGETS as readonly string[]).includes(target)) throw new InputError(file, `${where}.${dir}.${target}`, `one of ${START_DISTANCE_TARGETS.join(', ')}`, target);
      if (typeof pct !== 'string' || !SHOCK_PCT.test(pct)) throw new InputError(file, `${where}.${dir}.${target}`, 'a shock in percent with 8 decimals', describeValue(pct));
    }
  }
}

/** funding and interest, when present: objects of 8-decimal strings. */
function checkPaymentTotals(o: Record<string, unknown>, file: string, where: string): void {
  for (const [key, kind] of Object.entries(OK_OPTIONAL_FIELDS)) {
    const v = o[key];
    if (v === undefined) continue;
    if (!isKind(v, kind) || v === null) throw new InputError(file, `${where}.${key}`, 'an object of amounts', describeValue(v));
    for (const [name, amount] of Object.entries(v as Record<string, unknown>)) {
      if (typeof amount !== 'string' || !/^-?\d+\.\d{8}$/.test(amount)) throw new InputError(file, `${where}.${key}.${name}`, 'an 8-decimal amount', describeValue(amount));
    }
  }
}

const AMOUNT = /^-?\d+\.\d{8}$|^0$/;

/** topUp, when present: its fields of the right kinds (amounts 8-decimal strings or "0", times strings). */
function checkTopUp(v: unknown, file: string, where: string): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(file, where, 'an object', describeValue(v));
  const t = v as Record<string, unknown>;
  const expect = (ok: boolean, key: string, what: string, value: unknown) => {
    if (!ok) throw new InputError(file, `${where}.${key}`, what, describeValue(value));
  };
  expect(typeof t.asset === 'string', 'asset', 'a string', t.asset);
  expect(typeof t.threshold === 'string', 'threshold', 'a decimal string', t.threshold);
  expect(t.amount === null || (typeof t.amount === 'string' && AMOUNT.test(t.amount)), 'amount', 'an 8-decimal amount or null', t.amount);
  expect(t.decidingTime === null || typeof t.decidingTime === 'string', 'decidingTime', 'a time or null', t.decidingTime);
  const m = t.atFirstMarginCall;
  if (m === null) return;
  expect(typeof m === 'object' && !Array.isArray(m) && m !== undefined, 'atFirstMarginCall', 'an object or null', m);
  const mc = m as Record<string, unknown>;
  expect(typeof mc.time === 'string', 'atFirstMarginCall.time', 'a time', mc.time);
  expect(mc.amount === null || (typeof mc.amount === 'string' && AMOUNT.test(mc.amount)), 'atFirstMarginCall.amount', 'an 8-decimal amount or null', mc.amount);
}
