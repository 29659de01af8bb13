import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatUniMMR } from './record.js';

/** Cancelling the open orders lifted uniMMR above the liquidation threshold: no liquidation. */
export interface LiquidationCancelledEvent { type: 'liquidationCancelled'; time: number; uniMMR: Dec | null }

export const liquidationCancelled = defineEventType<LiquidationCancelledEvent>({
  type: 'liquidationCancelled',
  required: ['uniMMR'],
  optional: [],
  render(e, r) {
    r.uniMMR = formatUniMMR(e.uniMMR);
  },
});
