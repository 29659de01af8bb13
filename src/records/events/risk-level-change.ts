import type { Dec } from '../../domain/decimal.js';
import type { AccountStatus } from '../../domain/types.js';
import { defineEventType, formatUniMMR, INTRABAR_DETAIL } from './record.js';

/**
 * The account's status changed (`from` null: the first status of the replay); `intrabar`: at the
 * bar's adverse extreme, not its close (the record's detail says `intrabar`).
 */
export interface RiskLevelChangeEvent { type: 'riskLevelChange'; time: number; from: AccountStatus | null; to: AccountStatus; uniMMR: Dec | null; intrabar?: true }

export const riskLevelChange = defineEventType<RiskLevelChangeEvent>({
  type: 'riskLevelChange',
  required: ['to', 'uniMMR'],
  optional: ['from', 'detail'],
  render(e, r) {
    if (e.from !== null) r.from = e.from;
    r.to = e.to;
    r.uniMMR = formatUniMMR(e.uniMMR);
    if (e.intrabar === true) r.detail = INTRABAR_DETAIL;
  },
});
