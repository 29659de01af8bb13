import type { Dec } from '../domain/decimal.js';
import type { ReplayEvent } from '../replay/events.js';
import { formatBinanceDecimal as f } from './binance-format.js';

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

export const EVENT_RECORD_FIELDS = ['portfolioId', 'time', 'type', 'from', 'to', 'uniMMR', 'subject', 'amount', 'rate', 'price', 'feesUSD', 'lossUSD', 'detail'] as const;

const mmr = (u: Dec | null) => (u === null ? 'null' : f(u));

export function renderEventRecord(portfolioId: string, e: ReplayEvent): EventRecord {
  const base = { portfolioId, time: e.time, type: e.type };
  switch (e.type) {
    case 'riskLevelChange':
      return { ...base, ...(e.from === null ? {} : { from: e.from }), to: e.to, uniMMR: mmr(e.uniMMR) };
    case 'ordersCancelled':
      return { ...base, uniMMR: mmr(e.uniMMR), detail: `${e.count} open orders cancelled` };
    case 'liquidationCancelled':
      return { ...base, uniMMR: mmr(e.uniMMR) };
    case 'liquidation':
      return {
        ...base,
        uniMMR: mmr(e.uniMMRAfter),
        feesUSD: f(e.feesUSD),
        detail: JSON.stringify({
          policy: e.policy,
          uniMMRBefore: mmr(e.uniMMRBefore),
          legs: e.legs.map((l) => ({ kind: l.kind, name: l.name, quantity: f(l.quantity), price: f(l.price), realizedPnl: f(l.realizedPnl), feeUSD: f(l.feeUSD) })),
        }),
      };
    case 'bankruptcy':
      return { ...base, lossUSD: f(e.deficitUSD) };
    case 'funding':
      return { ...base, subject: e.symbol, amount: f(e.amount), rate: e.rate.toString(), price: f(e.markPrice), detail: e.asset };
    case 'interest':
      return { ...base, subject: e.asset, amount: f(e.amount), detail: e.kind };
    case 'action':
      return { ...base, subject: e.action, detail: e.detail };
    case 'actionRefused':
      return { ...base, subject: e.action, detail: e.reason };
    case 'priceGap':
      return { ...base, subject: e.series, detail: e.lastTime === undefined ? e.reason : `${e.reason} (last ${new Date(e.lastTime).toISOString()})` };
    case 'priceGapEnd':
      return base;
  }
}

/** One events.jsonl line (fields in EVENT_RECORD_FIELDS order, time also as ISO-8601). */
export function renderEventLine(r: EventRecord): string {
  const out: Record<string, unknown> = {};
  for (const k of EVENT_RECORD_FIELDS) {
    if (r[k] !== undefined) out[k] = r[k];
    if (k === 'time') out.at = new Date(r.time).toISOString();
  }
  return JSON.stringify(out);
}
