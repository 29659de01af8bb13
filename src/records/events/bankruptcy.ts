import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatAmount as f } from './record.js';

/** Equity still below zero after liquidation: the insurance fund loses `deficitUSD`. */
export interface BankruptcyEvent { type: 'bankruptcy'; time: number; deficitUSD: Dec }

export const bankruptcy = defineEventType<BankruptcyEvent>({
  type: 'bankruptcy',
  required: ['lossUSD'],
  optional: [],
  render(e, r) {
    r.lossUSD = f(e.deficitUSD);
  },
});
