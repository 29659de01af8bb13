import type { Dec } from '../../domain/decimal.js';
import type { AccountStatus, StatusThresholds } from '../../domain/types.js';

/**
 * The status ladder of docs/margin-rules.md §3–§4. Negative adjusted equity liquidates even with no maintenance
 * margin; with no margin and non-negative equity there is nothing to call.
 */
export function findAccountStatus(adjustedEquity: Dec, uniMMR: Dec | null, thresholds: StatusThresholds): AccountStatus {
  if (adjustedEquity.isNegative() && !adjustedEquity.isZero()) return 'FORCE_LIQUIDATION';
  if (uniMMR === null) return 'NORMAL';
  if (uniMMR.lte(thresholds.liquidation)) return 'FORCE_LIQUIDATION';
  if (uniMMR.lte(thresholds.reduceOnly)) return 'REDUCE_ONLY';
  if (uniMMR.lte(thresholds.marginCall)) return 'MARGIN_CALL';
  return 'NORMAL';
}
