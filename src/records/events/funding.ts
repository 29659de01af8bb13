import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatAmount as f } from './record.js';

/** A funding payment of a perpetual (`amount` in its margin asset, signed as received). */
export interface FundingEvent { type: 'funding'; time: number; symbol: string; asset: string; rate: Dec; markPrice: Dec; amount: Dec }

export const funding = defineEventType<FundingEvent>({
  type: 'funding',
  required: ['subject', 'amount', 'rate', 'price', 'detail'],
  optional: [],
  render(e, r) {
    r.subject = e.symbol;
    r.amount = f(e.amount);
    // The rate as given: funding rates have more than 8 decimals.
    r.rate = e.rate.toString();
    r.price = f(e.markPrice);
    r.detail = e.asset;
  },
});
