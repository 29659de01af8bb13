import { InputError } from '../../domain/errors.js';
import { describeJson } from '../lines.js';
import { action } from './action.js';
import { actionRefused } from './action-refused.js';
import { bankruptcy } from './bankruptcy.js';
import { funding } from './funding.js';
import { interest } from './interest.js';
import { liquidation } from './liquidation.js';
import { liquidationCancelled } from './liquidation-cancelled.js';
import { ordersCancelled } from './orders-cancelled.js';
import { priceGap } from './price-gap.js';
import { priceGapEnd } from './price-gap-end.js';
import type { EventDetailField, EventRecord, EventType } from './record.js';
import { riskLevelChange } from './risk-level-change.js';

export { EVENT_RECORD_FIELDS, type EventDetailField, type EventRecord, type EventType } from './record.js';
export type { LiquidatedLeg, LiquidationDetail } from './liquidation.js';

/**
 * The registry: every event type the replay reports, in the order docs/formats.md lists them.
 * Adding a type is its module (src/records/events/<type>.ts) and its line here
 * (docs/architecture.md "Adding an event type"); the union below and the readers follow.
 */
export const EVENT_TYPES = [riskLevelChange, ordersCancelled, liquidationCancelled, liquidation, bankruptcy, funding, interest, action, actionRefused, priceGap, priceGapEnd] as const;

type EventOf<T> = T extends EventType<infer E> ? E : never;

/**
 * Everything a replay reports besides the timeline. Amounts are exact decimals in the unit named;
 * `time` is when it happened (a funding row's own time, jitter included).
 */
export type ReplayEvent = EventOf<(typeof EVENT_TYPES)[number]>;
export type ReplayEventType = ReplayEvent['type'];

const BY_TYPE: ReadonlyMap<string, EventType<ReplayEvent>> = new Map(EVENT_TYPES.map((t) => [t.type, t as EventType<ReplayEvent>]));

/** The module of a registered type, or undefined. */
export const findEventType = (type: string): EventType<ReplayEvent> | undefined => BY_TYPE.get(type);

/** A record with every field present (absent ones undefined): one object shape for all events. */
export const blankEventRecord = (portfolioId: string, time: number, type: string): EventRecord => ({
  portfolioId, time, type, from: undefined, to: undefined, uniMMR: undefined, subject: undefined, amount: undefined, rate: undefined, price: undefined, feesUSD: undefined, lossUSD: undefined, detail: undefined,
});

export function renderEventRecord(portfolioId: string, e: ReplayEvent): EventRecord {
  const r = blankEventRecord(portfolioId, e.time, e.type);
  BY_TYPE.get(e.type)!.render(e, r);
  return r;
}

const EVENT_TYPE_NAMES = EVENT_TYPES.map((t) => t.type).join(', ');
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * A record read back (an events.jsonl line's object or an events.arrow row, absent fields
 * undefined or null), checked against its type's module: a registered type, every field it always
 * fills present, no field it never fills, text where text belongs. Throws an InputError naming
 * `file` and `where` (line or row, counted from 1); `extra` keys (the JSON line's `at`) are the
 * caller's to check.
 */
export function checkEventRecord(o: Readonly<Record<string, unknown>>, file: string, where: string, extra: ReadonlySet<string> = new Set()): EventRecord {
  if (typeof o.portfolioId !== 'string') throw new InputError(file, `${where}.portfolioId`, 'a string', describeJson(o.portfolioId));
  if (!isTime(o.time)) throw new InputError(file, `${where}.time`, 'a time in ms (a whole number ≥ 0)', describeJson(o.time));
  if (typeof o.type !== 'string') throw new InputError(file, `${where}.type`, `an event type (${EVENT_TYPE_NAMES})`, describeJson(o.type));
  const t = BY_TYPE.get(o.type);
  if (t === undefined) throw new InputError(file, `${where}.type`, `an event type (${EVENT_TYPE_NAMES})`, describeJson(o.type));
  const r = blankEventRecord(o.portfolioId, o.time, o.type);
  const allowed = new Set<string>([...t.required, ...t.optional]);
  for (const [key, value] of Object.entries(o)) {
    if (key === 'portfolioId' || key === 'time' || key === 'type' || extra.has(key) || value === undefined || value === null) continue;
    if (!allowed.has(key)) throw new InputError(file, `${where}.${key}`, `no such field in a ${t.type} event (its fields: ${[...allowed].join(', ') || 'none'})`, describeJson(value));
    if (typeof value !== 'string') throw new InputError(file, `${where}.${key}`, 'a string', describeJson(value));
    r[key as EventDetailField] = value;
  }
  for (const key of t.required) if (r[key] === undefined) throw new InputError(file, `${where}.${key}`, `a ${t.type} event's ${key}`, 'nothing');
  return r;
}
