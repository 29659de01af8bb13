import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatUniMMR, INTRABAR_DETAIL } from './record.js';

/** Cancelling the open orders lifted uniMMR above the liquidation threshold: no liquidation. */
export interface LiquidationCancelledEvent { type: 'liquidationCancelled'; time: number; uniMMR: Dec | null; /** At the bar's adverse extreme (detail `intrabar`). */ intrabar?: true }

export const liquidationCancelled = defineEventType<LiquidationCancelledEvent>({
  type: 'liquidationCancelled',
  required: ['uniMMR'],
  optional: ['detail'],
  render(e, r) {
    r.uniMMR = formatUniMMR(e.uniMMR);
    if (e.intrabar === true) r.detail = INTRABAR_DETAIL;
  },
});
