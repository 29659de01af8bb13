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

/** A record with every field present (absent ones undefined): one object shape for all events. */
const blank = (portfolioId: string, time: number, type: string): EventRecord => ({
  portfolioId, time, type, from: undefined, to: undefined, uniMMR: undefined, subject: undefined, amount: undefined, rate: undefined, price: undefined, feesUSD: undefined, lossUSD: undefined, detail: undefined,
});

export function renderEventRecord(portfolioId: string, e: ReplayEvent): EventRecord {
  const r = blank(portfolioId, e.time, e.type);
  switch (e.type) {
    case 'riskLevelChange':
      if (e.from !== null) r.from = e.from;
      r.to = e.to;
      r.uniMMR = mmr(e.uniMMR);
      break;
    case 'ordersCancelled':
      r.uniMMR = mmr(e.uniMMR);
      r.detail = `${e.count} open orders cancelled`;
      break;
    case 'liquidationCancelled':
      r.uniMMR = mmr(e.uniMMR);
      break;
    case 'liquidation':
      r.uniMMR = mmr(e.uniMMRAfter);
      r.feesUSD = f(e.feesUSD);
      r.detail = JSON.stringify({
        policy: e.policy,
        uniMMRBefore: mmr(e.uniMMRBefore),
        legs: e.legs.map((l) => ({ kind: l.kind, name: l.name, quantity: f(l.quantity), price: f(l.price), realizedPnl: f(l.realizedPnl), feeUSD: f(l.feeUSD) })),
      });
      break;
    case 'bankruptcy':
      r.lossUSD = f(e.deficitUSD);
      break;
    case 'funding':
      r.subject = e.symbol;
      r.amount = f(e.amount);
      r.rate = e.rate.toString();
      r.price = f(e.markPrice);
      r.detail = e.asset;
      break;
    case 'interest':
      r.subject = e.asset;
      r.amount = f(e.amount);
      r.detail = e.kind;
      break;
    case 'action':
      r.subject = e.action;
      r.detail = e.detail;
      break;
    case 'actionRefused':
      r.subject = e.action;
      r.detail = e.reason;
      break;
    case 'priceGap':
      r.subject = e.series;
      r.detail = e.lastTime === undefined ? e.reason : `${e.reason} (last ${new Date(e.lastTime).toISOString()})`;
      break;
    case 'priceGapEnd':
      break;
  }
  return r;
}

// A portfolio's funding payments come in runs with one time: the ISO text is made once a run.
let lastTime = Number.NaN;
let lastIso = '';
const isoOf = (time: number) => (time === lastTime ? lastIso : ((lastTime = time), (lastIso = new Date(time).toISOString())));

/**
 * One events.jsonl line: fields in EVENT_RECORD_FIELDS order with the time also as ISO-8601 (`at`)
 * after it; JSON.stringify leaves the undefined ones out.
 */
export function renderEventLine(r: EventRecord): string {
  return JSON.stringify({
    portfolioId: r.portfolioId, time: r.time, at: isoOf(r.time), type: r.type, from: r.from, to: r.to, uniMMR: r.uniMMR, subject: r.subject,
    amount: r.amount, rate: r.rate, price: r.price, feesUSD: r.feesUSD, lossUSD: r.lossUSD, detail: r.detail,
  });
}
