import { Dec, ZERO } from '../domain/decimal.js';
import { InvariantError } from '../domain/errors.js';
import type { AccountSnapshot, AccountStatus, Action, Portfolio, RulesTimeline } from '../domain/types.js';
import { createFastBatch, findPortfolioCapacity } from '../engine/fast/batch.js';
import { findFastKernelRefusal } from '../engine/fast/refusal.js';
import type { FlatTables } from '../engine/fast/tables.js';
import { findRulesAt } from '../rules/build.js';
import { findCollateralTiers } from '../rules/resolve.js';
import { clonePortfolio, addToBalance } from '../replay/account.js';
import { applyAction, describeAction, statusSeverity } from '../replay/actions.js';
import { CheckpointKeeper, type ReplayCheckpoint } from '../replay/checkpoint.js';
import { findFirstAtOrAfter, hasIntrabarExtremes } from '../replay/market-timeline.js';
import { replayPortfolio, type FastSlot, type PortfolioReplay, type ReplayOptions, type ReplayStart } from '../replay/replay-portfolio.js';
import type { ExactPriceBook } from '../replay/step-market.js';
import { formatBinanceDecimal } from '../records/binance-format.js';
import type { PortfolioTopUp } from '../records/portfolio-summary.js';
import { AMOUNT_STEP, findAmountForGain, findAmountWithinSurplus } from './topup-equity.js';
import type { TopUpRequest } from './topup-request.js';

export { DEFAULT_TOP_UP, type TopUpRequest, type TopUpThreshold } from './topup-request.js';

// Top-up to survive (docs/risk.md "Top-up to survive"): the smallest amount of one asset that,
// added to the account, keeps uniMMR above a threshold at every step of a replayed path, the
// portfolio held as it was (the replay with liquidation switched off, ReplayOptions.hold).

/** The status a named threshold starts: a step in it, or worse, is below the threshold. */
const STATUS_OF: Record<'liquidation' | 'reduceOnly' | 'marginCall', AccountStatus> = { liquidation: 'FORCE_LIQUIDATION', reduceOnly: 'REDUCE_ONLY', marginCall: 'MARGIN_CALL' };

/** The replayed path: what replayPortfolio takes, and the fast kernel's tables when it may run. */
export interface TopUpPath {
  book: ExactPriceBook;
  rules: RulesTimeline;
  options: ReplayOptions;
  /** The kernel's flattened tables and series ids: held replays then run as the job's do (exact decisions, fast quiet steps). */
  fast?: { tables: FlatTables; seriesId: FastSlot['seriesId'] };
}

/** One answer: the smallest amount (null: none suffices), and the step that decides it. */
export interface TopUpAnswer {
  amount: Dec | null;
  /** The first step below the threshold with 10⁻⁸ less than `amount` (undefined when amount is 0 or null). */
  decidingTime: number | undefined;
}

export interface TopUp extends TopUpAnswer {
  asset: string;
  /** The threshold as a number (a name resolved with the rules at the start). */
  threshold: Dec;
  /** The same, for a top-up made at the first margin call (undefined: the path has none). */
  atFirstMarginCall: (TopUpAnswer & { time: number }) | undefined;
  /** Held replays the search ran (its cost). */
  replays: number;
}

/** Amounts of 10¹² or more are not searched (the fast kernel refuses them; no account needs them). */
const MAX_AMOUNT = new Dec('1e12');
/** A search ends well before this; more means a bug, not a hard portfolio (bisection from 10¹² to 10⁻⁸ takes 67). */
const MAX_REPLAYS = 100;

/**
 * The portfolio with `amount` of `asset` transferred in from outside at `time`, into its USDⓈ-M
 * wallet (where a negative balance is charged interest: the top-up repays it first), as a scheduled
 * transfer placed after every action due by then and before the rest.
 */
export function addTopUp(portfolio: Portfolio, asset: string, amount: Dec, time: number, first = false): Portfolio {
  const action: Action = { time, type: 'transfer', asset, amount, from: 'external', to: 'um' };
  const at = first ? portfolio.actions.findIndex((a) => a.time >= time) : portfolio.actions.findIndex((a) => a.time > time);
  const actions = [...portfolio.actions];
  actions.splice(at < 0 ? actions.length : at, 0, action);
  return { ...portfolio, actions };
}

/** An amount to try next: from the closed form at the step of `time` (`provable`: on the held path), or a hint. */
interface Candidate {
  amount: Dec;
  time: number;
  provable: boolean;
}

/** Where a replay first went below the threshold. */
interface Failure {
  time: number;
}

/**
 * The checkpoints the top-up's replays start from (docs/risk.md "Top-up to survive", "Cost in a
 * job"): the account before the first step in margin call or worse, and before the first step
 * below a named threshold. Pass it to the ordinary replay (replayPortfolio's `at.keep`), then its
 * `kept` to findTopUp.
 */
export function createTopUpKeeper(request: TopUpRequest): CheckpointKeeper {
  return new CheckpointKeeper(typeof request.threshold === 'string' ? ['MARGIN_CALL', STATUS_OF[request.threshold]] : ['MARGIN_CALL']);
}

/**
 * Finds the top-up to survive the path, and the one at the first margin call. `replayed`, when
 * given, is the path's ordinary replay (with liquidation, the job's options): up to its first
 * liquidation it is the held path, so it saves the first held replay when it never liquidated, and
 * its minimum gives the first amount to try; `kept`, the checkpoints it kept (createTopUpKeeper),
 * where the held replays then start.
 */
export function findTopUp(portfolio: Portfolio, path: TopUpPath, request: TopUpRequest, replayed?: PortfolioReplay, kept?: ReadonlyMap<AccountStatus, ReplayCheckpoint>): TopUp {
  const thresholds = path.rules.base.thresholds;
  const threshold = typeof request.threshold === 'string' ? thresholds[request.threshold] : request.threshold;
  const search = new TopUpSearch(portfolio, path, request, threshold);
  // The ordinary replay is the held one up to its first FORCE_LIQUIDATION; for a named threshold its
  // first step below it comes no later, so it answers for the held path (a number needs exact replays).
  const ordinary = replayed !== undefined && typeof request.threshold === 'string';
  const base = ordinary ? replayed : search.replay(undefined);
  if (ordinary && kept !== undefined) search.adoptCheckpoints(base, kept);
  const start = search.findAmount(base, path.book.timeline.from, true);
  const marginCall = findFirstTimeAtOrWorse(base, 'MARGIN_CALL');
  // On an affine path an amount added at the margin call moves every step from then on as the same
  // amount added at the start does, and the steps before it are above the threshold already.
  const same = search.affine && start.decidingTime !== undefined && marginCall !== undefined && start.decidingTime >= marginCall;
  // Otherwise the start's amount is the first one tried (on most paths it is the answer, or close).
  const hint = start.amount !== null && !start.amount.isZero() ? start.amount : undefined;
  const atFirstMarginCall = marginCall === undefined ? undefined : { time: marginCall, ...(same ? start : search.findAmount(base, marginCall, false, hint)) };
  return { asset: request.asset, threshold, ...start, atFirstMarginCall, replays: search.replays };
}

/**
 * On this path the held replay with δ more of the asset differs from the one without by δ in the
 * asset's net at every later step and in nothing else (docs/risk.md "Top-up to survive"): nothing
 * the replay does reads that balance but the evaluation — no scheduled actions (their acceptance
 * reads the status and the wallets), no negative-balance interest in force in the window, no bar
 * extremes (which extreme is worse reads the equity), no dated rules, and no open orders unless the
 * asset's collateral is one flat rate (open loss reads its marginal rate). Then the closed form at
 * a step is that step's answer, exactly.
 */
function isAffinePath(portfolio: Portfolio, path: TopUpPath, asset: string): boolean {
  const tl = path.book.timeline;
  const rules = path.rules.base;
  const charged = rules.negativeBalanceInterest;
  const last = tl.stepTimes.length === 0 ? tl.from : tl.stepTimes[tl.stepTimes.length - 1]!;
  return portfolio.actions.length === 0 && path.rules.changes.length === 0 && !hasIntrabarExtremes(tl)
    && (charged.dailyRate.isZero() || charged.effectiveFrom > last)
    && (portfolio.marginOpenOrders.length === 0 || (rules.collateral.get(asset)?.length ?? 0) <= 1);
}

/**
 * The actions from `from` on, taken on `account`, read neither the status nor the top-up's amount
 * (docs/risk.md "Top-up to survive"): repays, transfers but withdrawals and those out of the
 * asset's USDⓈ-M wallet, and trades that reduce a leg without crossing 0, one trade a leg (whether
 * a trade reduces reads the leg as the trades before it left it). A borrow, a withdrawal or a trade
 * that adds reads the status; a transfer out of the wallet the amount is in reads the amount.
 */
function takeSameWhateverStatus(account: Portfolio, actions: readonly Action[], from: number, asset: string): boolean {
  const legs = new Set<string>();
  for (let i = from; i < actions.length; i++) {
    const a = actions[i]!;
    if (a.type === 'repay') continue;
    if (a.type === 'transfer') {
      if (a.to === 'external' || (a.from === 'um' && a.asset === asset)) return false;
      continue;
    }
    if (a.type !== 'trade') return false;
    const leg = `${a.market} ${a.symbol} ${a.positionSide}`;
    if (legs.has(leg)) return false;
    legs.add(leg);
    const old = (a.market === 'UM' ? account.umPositions : account.cmPositions).find((x) => x.symbol === a.symbol && x.positionSide === a.positionSide)?.positionAmt ?? ZERO;
    const next = a.side === 'BUY' ? old.plus(a.qty) : old.minus(a.qty);
    if (next.abs().gt(old.abs()) || (!next.isZero() && next.isNegative() !== old.isNegative())) return false;
  }
  return true;
}

/** The first time a replay was in `status` or worse (intrabar included), or undefined. */
function findFirstTimeAtOrWorse(r: PortfolioReplay, status: AccountStatus): number | undefined {
  let first: number | undefined;
  for (const [s, t] of Object.entries(r.firstTimeIn) as [AccountStatus, number][]) if (statusSeverity(s) >= statusSeverity(status) && (first === undefined || t < first)) first = t;
  return first;
}

class TopUpSearch {
  replays = 0;
  /** The replays this search ran (held), as against an ordinary replay it was given. */
  readonly held = new WeakSet<PortfolioReplay>();
  /** The held path moves with the amount added and nothing else (isAffinePath, or adoptCheckpoints). */
  affine: boolean;
  /** Where a replay with the amount added at the first margin call starts (undefined: at the window's start). */
  private atMarginCall: ReplayCheckpoint | undefined;
  /** Where a replay with the amount added at the start starts, when nothing before it reads the amount (canStartLate). */
  private atFailure: ReplayCheckpoint | undefined;
  /** The rules with every status threshold at the named one (undefined: not for this path); see replayRules. */
  private readonly oneThreshold: RulesTimeline | undefined;
  constructor(private readonly portfolio: Portfolio, private readonly path: TopUpPath, private readonly request: TopUpRequest, private readonly threshold: Dec) {
    this.affine = isAffinePath(portfolio, path, request.asset);
    const base = path.rules.base;
    this.oneThreshold = typeof request.threshold === 'string' && path.rules.changes.length === 0
      ? { base: { ...base, thresholds: { marginCall: threshold, reduceOnly: threshold, liquidation: threshold } }, changes: [] }
      : undefined;
  }

  /**
   * The rules a held replay with the top-up runs on. A held replay reports the status and nothing
   * else reads it but a scheduled action's acceptance; with none left to take, only the named
   * threshold matters, and the rules with all three thresholds at it give the same steps at or below
   * it (uniMMR ≤ T, or adjusted equity below 0: FORCE_LIQUIDATION) — while the kernel no longer
   * stops, for the exact engine, at every crossing of the thresholds above it (a held path near its
   * least top-up crosses them back and forth: most of such a replay's exact steps).
   */
  private replayRules(p: Portfolio, at: ReplayStart): RulesTimeline {
    if (this.oneThreshold === undefined) return this.path.rules;
    const statusFree = at.from === undefined ? takeSameWhateverStatus(p, p.actions, 0, this.request.asset) : takeSameWhateverStatus(at.from.account, p.actions, at.from.nextAction, this.request.asset);
    return statusFree ? this.oneThreshold : this.path.rules;
  }

  /** The held replay with `amount` added at `time` (none: as it was). */
  replay(topUp: { amount: Dec; time: number; first: boolean } | undefined): PortfolioReplay {
    this.replays++;
    const p = topUp === undefined ? this.portfolio : addTopUp(this.portfolio, this.request.asset, topUp.amount, topUp.time, topUp.first);
    const keeper = topUp === undefined ? createTopUpKeeper(this.request) : undefined;
    const at: ReplayStart = keeper !== undefined ? { keep: keeper } : this.findStart(p, topUp!);
    const options = { ...this.path.options, hold: true };
    // A number is compared with the replay's minimum uniMMR, which the kernel reports in float64: those replays are exact.
    const fast = this.path.fast;
    const capacity = findPortfolioCapacity(p);
    const slot = fast === undefined || typeof this.request.threshold !== 'string' || findFastKernelRefusal(p, this.path.rules) !== undefined
      ? undefined
      : { batch: createFastBatch(fast.tables, [capacity]), index: 0, capacity, seriesId: fast.seriesId };
    const rules = topUp === undefined ? this.path.rules : this.replayRules(p, at);
    const r = replayPortfolio(p, this.path.book, rules, options, slot, at);
    this.held.add(r);
    if (keeper !== undefined) this.adoptCheckpoints(r, keeper.kept);
    return r;
  }

  /**
   * The checkpoints of the held path without a top-up (`base`: it, or the ordinary replay, the same
   * up to its first liquidation, which no checkpoint here comes after).
   */
  adoptCheckpoints(base: PortfolioReplay, kept: ReadonlyMap<AccountStatus, ReplayCheckpoint>): void {
    this.atMarginCall = kept.get('MARGIN_CALL');
    const failure = typeof this.request.threshold === 'string' ? kept.get(STATUS_OF[this.request.threshold]) : undefined;
    this.atFailure = failure !== undefined && this.canStartLate(base, failure) ? failure : undefined;
    // The actions before the first step below do the same with more, those after read neither the
    // status nor the amount: the path is affine as one without actions is (isAffinePath).
    const cp = this.atFailure;
    if (cp !== undefined && !this.affine && takeSameWhateverStatus(cp.account, this.portfolio.actions, cp.nextAction, this.request.asset)) {
      this.affine = isAffinePath({ ...this.portfolio, actions: [] }, this.path, this.request.asset);
    }
  }

  /**
   * A replay with the amount added at the start may start at the held path's first step below the
   * threshold, from its account there plus the amount, when nothing before that step reads the
   * amount and no step before it can be lower with more: every action taken by then does the same
   * with more (takeSameWithMore), no transfer-in limit on the asset (the top-up's own acceptance),
   * no negative-balance interest charged on the asset by then (the amount would lower it), no price
   * gap by then (takeSameWithMore reads each step's status), no bar extremes (which extremes combine
   * reads the equity), and no open orders unless the asset's collateral is one flat rate
   * (docs/risk.md "Adding collateral never lowers uniMMR"). Every earlier step is then above the
   * threshold with the amount too.
   */
  private canStartLate(base: PortfolioReplay, at: ReplayCheckpoint): boolean {
    const tl = this.path.book.timeline;
    const time = tl.stepTimes[at.k]!;
    const asset = this.request.asset;
    const limited = [this.path.rules.base, ...this.path.rules.changes.map((c) => c.rules)].some((r) => r.transferInLimits.has(asset));
    return !limited && this.takeSameWithMore(base, at.nextAction) && !hasIntrabarExtremes(tl) && !base.events.some((e) => e.type === 'priceGap' && e.time <= time)
      && (this.portfolio.marginOpenOrders.length === 0 || (this.path.rules.base.collateral.get(asset)?.length ?? 0) <= 1)
      && !base.events.some((e) => e.type === 'interest' && e.kind === 'negativeBalance' && e.asset === asset && e.time <= time);
  }

  /**
   * The first `count` actions did in `base` what they do with any amount more of the asset added at
   * the start (docs/risk.md "Top-up to survive"): a refusal could become an acceptance, so none was
   * refused (but for being before the window); a transfer in from outside reads the asset's
   * transfer-in limit (canStartLate asks for none on the top-up's asset); a withdrawal, a trade or a borrow reads the status it would leave — the
   * account after it is no worse with more (nothing else differs), so where it left the account no
   * worse than its bar (NORMAL for a withdrawal, MARGIN_CALL for the others) it is accepted with
   * more too. That status is read from `base`: the action at a step's time and the last thing due
   * there, the status the step was evaluated to (riskLevelChange events). A repay, or a transfer
   * between wallets, reads no status and no wallet the amount is in once accepted.
   */
  private takeSameWithMore(base: PortfolioReplay, count: number): boolean {
    const actions = this.portfolio.actions;
    const outcomes = base.events.filter((e) => e.type === 'action' || e.type === 'actionRefused');
    const stepTimes = this.path.book.timeline.stepTimes;
    for (let i = 0; i < count; i++) {
      const a = actions[i]!;
      const outcome = outcomes[i];
      if (outcome === undefined || outcome.action !== describeAction(a)) return false;
      if (outcome.type === 'actionRefused') {
        if (a.time >= this.path.book.timeline.from) return false;
        continue;
      }
      if (a.type === 'repay' || (a.type === 'transfer' && a.from !== 'external' && a.to !== 'external')) continue;
      if (a.type === 'transfer' && a.from === 'external') {
        continue;
      }
      // A withdrawal, a trade or a borrow: the status the account was left in.
      const k = findFirstAtOrAfter(stepTimes, a.time);
      if (stepTimes[k] !== a.time || actions[i + 1]?.time === a.time) return false;
      let after: AccountStatus | undefined;
      for (const e of base.events) if (e.type === 'riskLevelChange' && e.time <= a.time) after = e.to;
      const bar: AccountStatus = a.type === 'transfer' ? 'NORMAL' : 'MARGIN_CALL';
      if (after === undefined || statusSeverity(after) > statusSeverity(bar)) return false;
    }
    return true;
  }

  /**
   * Where the held replay of `p` (this portfolio with the top-up) starts: at a checkpoint, the
   * top-up's transfer applied there as the replay from the start would have (its acceptance, its
   * event); else at the window's start.
   */
  private findStart(p: Portfolio, topUp: { amount: Dec; time: number; first: boolean }): ReplayStart {
    const book = this.path.book;
    const transfer: Action = { time: topUp.time, type: 'transfer', asset: this.request.asset, amount: topUp.amount, from: 'external', to: 'um' };
    const cp = topUp.first ? this.atFailure : this.atMarginCall;
    if (cp === undefined) return {};
    if (topUp.first) {
      // Taken at the first step (no transfer-in limit: canStartLate), then at the checkpoint the same amount in the same wallet.
      const applied = applyAction(this.portfolio, transfer, book.marketAt(0), findRulesAt(this.path.rules, topUp.time), 'NORMAL');
      const account = clonePortfolio(cp.account);
      if (applied.event.type === 'action') addToBalance(account, this.request.asset, 'umWalletBalance', topUp.amount);
      return { from: { ...cp, account, nextAction: cp.nextAction + 1, events: [applied.event] } };
    }
    // At the margin call's step, after everything else due there (addTopUp puts it after the actions due by then).
    if (book.timeline.stepTimes[cp.k] !== topUp.time || p.actions[cp.nextAction]?.type !== 'transfer' || p.actions[cp.nextAction]?.time !== topUp.time) return {};
    const applied = applyAction(cp.account, transfer, book.marketAt(cp.k), findRulesAt(this.path.rules, topUp.time), cp.status ?? 'NORMAL');
    return { from: { ...cp, account: applied.state, nextAction: cp.nextAction + 1, events: [applied.event] } };
  }

  /** The first step of the replay below the threshold, or undefined when it stays above. */
  findFailure(r: PortfolioReplay): Failure | undefined {
    if (typeof this.request.threshold === 'string') {
      const time = findFirstTimeAtOrWorse(r, STATUS_OF[this.request.threshold]);
      return time === undefined ? undefined : { time };
    }
    // A number: the (exact) minimum at or below it, or adjusted equity below 0 with no margin (uniMMR null).
    let time = r.minUniMMR !== null && r.minUniMMR.lte(this.threshold) ? r.minUniMMRTime : undefined;
    for (const e of r.events) if (e.type === 'riskLevelChange' && e.to === 'FORCE_LIQUIDATION' && e.uniMMR === null && (time === undefined || e.time < time)) time = e.time;
    return time === undefined ? undefined : { time };
  }

  /**
   * The smallest amount added at `time` that keeps the held path above the threshold from then on.
   * `base` is the held path without it (or the ordinary replay up to its first liquidation).
   */
  findAmount(base: PortfolioReplay, time: number, first: boolean, hint?: Dec): TopUpAnswer {
    const baseFailure = this.findFailure(base);
    if (baseFailure === undefined) return { amount: ZERO, decidingTime: undefined };
    // Below the threshold before the top-up arrives: nothing added then can undo it.
    if (baseFailure.time < time) return { amount: null, decidingTime: baseFailure.time };
    let lo = ZERO;
    let loFailure = baseFailure;
    let hi: Dec | undefined;
    let ceiling = MAX_AMOUNT;
    let triedBelowHi = false;
    let next: Candidate | undefined = hint === undefined ? this.findNextAbove(base, lo, time) : { amount: hint, time, provable: false };
    while (hi === undefined || hi.minus(lo).gt(AMOUNT_STEP)) {
      if (this.replays >= MAX_REPLAYS) throw new InvariantError(`top-up search did not converge in ${MAX_REPLAYS} replays (portfolio ${this.portfolio.id})`);
      let c = next?.amount;
      if (hi !== undefined && (c === undefined || c.gte(hi))) {
        // The closed form says hi is the least: confirm with 10⁻⁸ less, once; then bisect.
        c = !triedBelowHi ? hi.minus(AMOUNT_STEP) : lo.plus(hi).div(2).toDecimalPlaces(8, Dec.ROUND_FLOOR);
        triedBelowHi = true;
      } else if (c === undefined || c.lte(lo)) {
        c = hi === undefined ? Dec.max(lo.times(2), new Dec(1)) : lo.plus(hi).div(2).toDecimalPlaces(8, Dec.ROUND_FLOOR);
      }
      if (c.lte(lo)) c = lo.plus(AMOUNT_STEP);
      if (c.gte(ceiling)) {
        if (hi === undefined) return { amount: null, decidingTime: loFailure.time };
        c = lo.plus(hi).div(2).toDecimalPlaces(8, Dec.ROUND_FLOOR);
      }
      const fromClosedForm = next !== undefined && c.eq(next.amount) ? next : undefined;
      const r = this.replay({ amount: c, time, first });
      if (this.isRefused(r, c, time)) {
        // The rules' transfer-in limit: this amount and every larger one is refused.
        ceiling = c;
        next = undefined;
        continue;
      }
      const failure = this.findFailure(r);
      if (failure !== undefined) {
        lo = c;
        loFailure = failure;
        next = this.findNextAbove(r, lo, time);
        continue;
      }
      hi = c;
      // On an affine path, 10⁻⁸ less than the closed form's amount is at or below the threshold at
      // its step (findAmountForGain's least), so the surviving amount is the least: no replay to confirm.
      if (fromClosedForm?.provable === true && this.affine) return { amount: hi, decidingTime: fromClosedForm.time };
      next = this.findNextBelow(r, hi, time);
    }
    return { amount: hi, decidingTime: loFailure.time };
  }

  /** The top-up transfer was refused in this replay. */
  private isRefused(r: PortfolioReplay, amount: Dec, time: number): boolean {
    const name = describeAction({ time, type: 'transfer', asset: this.request.asset, amount, from: 'external', to: 'um' });
    return r.events.some((e) => e.type === 'actionRefused' && e.action === name);
  }

  /**
   * The amount the replay's lowest step needs on top of `added`, from the closed form there
   * (undefined when it gives none); `provable`: that step is one of the held path's (an ordinary
   * replay's lowest step may come after its first liquidation).
   */
  private findNextAbove(r: PortfolioReplay, added: Dec, from: number): Candidate | undefined {
    const s = r.worstSnapshot;
    const time = r.minUniMMRTime;
    if (s === undefined || time === undefined || time < from) return undefined;
    const at = this.describeAsset(s, r.minUniMMRTime);
    if (at === undefined) return undefined;
    const margin = s.accountMaintMargin;
    const strict = !margin.isZero();
    const need = this.threshold.times(margin).minus(s.adjustedEquity);
    if (!need.isPositive() || need.isZero()) return undefined;
    const more = findAmountForGain(at.tiers, at.price, at.net, need, strict);
    const liquidated = r.firstTimeIn.FORCE_LIQUIDATION;
    return { amount: more === null ? MAX_AMOUNT : added.plus(more), time, provable: more !== null && (this.held.has(r) || liquidated === undefined || time <= liquidated) };
  }

  /** The amount a surviving replay's lowest step could do without, taken from `added` (undefined: none). */
  private findNextBelow(r: PortfolioReplay, added: Dec, from: number): Candidate | undefined {
    const s = r.worstSnapshot;
    if (s === undefined || s.accountMaintMargin.isZero() || r.minUniMMRTime === undefined || r.minUniMMRTime < from) return undefined;
    const at = this.describeAsset(s, r.minUniMMRTime);
    if (at === undefined) return undefined;
    const less = findAmountWithinSurplus(at.tiers, at.price, at.net, s.adjustedEquity.minus(this.threshold.times(s.accountMaintMargin)));
    return less.isZero() ? undefined : { amount: added.minus(less), time: r.minUniMMRTime, provable: false };
  }

  /** The asset's net, index price and collateral tiers at a snapshot (its price from the book when the account did not read it). */
  private describeAsset(s: AccountSnapshot, time: number | undefined) {
    if (time === undefined) return undefined;
    const rules = findRulesAt(this.path.rules, time);
    const tiers = findCollateralTiers(rules, this.request.asset);
    const row = s.assets.find((a) => a.asset === this.request.asset);
    if (row !== undefined) return { tiers, price: row.indexPrice, net: row.net };
    const tl = this.path.book.timeline;
    const price = this.path.book.marketAt(findFirstAtOrAfter(tl.stepTimes, time)).indexPrices.get(this.request.asset);
    return price === undefined ? undefined : { tiers, price, net: ZERO };
  }
}

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
const renderAmount = (a: Dec | null) => (a === null ? null : a.isZero() ? '0' : formatBinanceDecimal(a));

/** The summary line's `topUp` (records/portfolio-summary.ts, docs/formats.md "Outputs"). */
export function renderTopUp(t: TopUp): PortfolioTopUp {
  const m = t.atFirstMarginCall;
  return {
    asset: t.asset,
    threshold: t.threshold.toString(),
    amount: renderAmount(t.amount),
    decidingTime: t.amount !== null && t.amount.isZero() ? null : iso(t.decidingTime),
    atFirstMarginCall: m === undefined ? null : { time: iso(m.time)!, amount: renderAmount(m.amount) },
  };
}
