import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatAmount as f, INTRABAR_DETAIL } from './record.js';

/** Equity still below zero after liquidation: the insurance fund loses `deficitUSD`. */
export interface BankruptcyEvent { type: 'bankruptcy'; time: number; deficitUSD: Dec; /** After a liquidation at the bar's adverse extreme (detail `intrabar`). */ intrabar?: true }

export const bankruptcy = defineEventType<BankruptcyEvent>({
  type: 'bankruptcy',
  required: ['lossUSD'],
  optional: ['detail'],
  render(e, r) {
    r.lossUSD = f(e.deficitUSD);
    if (e.intrabar === true) r.detail = INTRABAR_DETAIL;
  },
});
