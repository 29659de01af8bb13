import type { Dec } from '../../domain/decimal.js';
import { formatBinanceDecimal } from '../binance-format.js';

/**
 * One event as a flat record: the row of events.arrow and the object of an events.jsonl line.
 * Amounts are 8-decimal strings cut toward zero (Binance's format); absent fields are omitted.
 */
export interface EventRecord {
  portfolioId: string;
  time: number;
  type: string;
  from?: string;
  to?: string;
  uniMMR?: string;
  /** Symbol, asset or `kind:name` price series the event is about. */
  subject?: string;
  amount?: string;
  rate?: string;
  price?: string;
  feesUSD?: string;
  lossUSD?: string;
  /** Free text or JSON with the rest (liquidated legs, an action's result, a refusal's reason). */
  detail?: string;
}

/** The record's fields in their order: events.arrow's columns and events.jsonl's keys (with `at` after `time`). */
export const EVENT_RECORD_FIELDS = ['portfolioId', 'time', 'type', 'from', 'to', 'uniMMR', 'subject', 'amount', 'rate', 'price', 'feesUSD', 'lossUSD', 'detail'] as const;

/** The fields an event type fills itself (every record has portfolioId, time and type). */
export type EventDetailField = Exclude<(typeof EVENT_RECORD_FIELDS)[number], 'portfolioId' | 'time' | 'type'>;

/**
 * What the records know about one event type: its variant of the replay's event union (`E`),
 * which record fields it fills, and how. One module per type (src/records/events/<type>.ts),
 * collected by the registry in index.ts; the readers check records against `required`/`optional`.
 */
export interface EventType<E extends { type: string; time: number }> {
  type: E['type'];
  /** Record fields every event of this type fills. */
  required: readonly EventDetailField[];
  /** Record fields it fills only sometimes. */
  optional: readonly EventDetailField[];
  /** Fills `record` (which comes with portfolioId, time and type set) from the event. */
  render(event: E, record: EventRecord): void;
}

/** Declares an event type; the identity, typed, so a module's mistakes show where it is written. */
export const defineEventType = <E extends { type: string; time: number }>(t: EventType<E>): EventType<E> => t;

export const formatAmount = formatBinanceDecimal;

/**
 * The `detail` of an event found only at a bar's adverse extreme (docs/margin-rules.md §7): such
 * events carry `intrabar: true`; events at the close leave it out (and their records unchanged).
 */
export const INTRABAR_DETAIL = 'intrabar';

/** A uniMMR as the records print it: 8 decimals, or `null` (the text) without maintenance margin. */
export const formatUniMMR = (u: Dec | null) => (u === null ? 'null' : formatBinanceDecimal(u));
