import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatUniMMR } from './record.js';

/** Open orders cancelled at the liquidation threshold; `uniMMR` after cancelling them. */
export interface OrdersCancelledEvent { type: 'ordersCancelled'; time: number; count: number; uniMMR: Dec | null; /** At the bar's adverse extreme (detail ends ` (intrabar)`). */ intrabar?: true }

export const ordersCancelled = defineEventType<OrdersCancelledEvent>({
  type: 'ordersCancelled',
  required: ['uniMMR', 'detail'],
  optional: [],
  render(e, r) {
    r.uniMMR = formatUniMMR(e.uniMMR);
    r.detail = `${e.count} open orders cancelled${e.intrabar === true ? ' (intrabar)' : ''}`;
  },
});
