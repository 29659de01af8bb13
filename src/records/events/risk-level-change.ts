import type { Dec } from '../../domain/decimal.js';
import type { AccountStatus } from '../../domain/types.js';
import { defineEventType, formatUniMMR } from './record.js';

/** The account's status changed (`from` null: the first status of the replay). */
export interface RiskLevelChangeEvent { type: 'riskLevelChange'; time: number; from: AccountStatus | null; to: AccountStatus; uniMMR: Dec | null }

export const riskLevelChange = defineEventType<RiskLevelChangeEvent>({
  type: 'riskLevelChange',
  required: ['to', 'uniMMR'],
  optional: ['from'],
  render(e, r) {
    if (e.from !== null) r.from = e.from;
    r.to = e.to;
    r.uniMMR = formatUniMMR(e.uniMMR);
  },
});
