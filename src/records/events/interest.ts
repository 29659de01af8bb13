import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatAmount as f } from './record.js';

/** Interest charged on a margin loan or a negative futures balance (`amount` in `asset`). */
export interface InterestEvent { type: 'interest'; time: number; asset: string; kind: 'loan' | 'negativeBalance'; amount: Dec }

export const interest = defineEventType<InterestEvent>({
  type: 'interest',
  required: ['subject', 'amount', 'detail'],
  optional: [],
  render(e, r) {
    r.subject = e.asset;
    r.amount = f(e.amount);
    r.detail = e.kind;
  },
});
