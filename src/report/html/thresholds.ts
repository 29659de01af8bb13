import type { SummaryHead } from '../../records/summary.js';
import type { ReportThresholds } from './types.js';

export const DEFAULT_THRESHOLDS: ReportThresholds = { marginCall: 1.5, reduceOnly: 1.2, liquidation: 1.05, source: 'docs/margin-rules.md defaults' };

/**
 * The thresholds for the report's bands: `override` when given, else those the job wrote into
 * summary.json (its rules as of the start). Outputs written before summary.json recorded them fall
 * back to docs/margin-rules.md's defaults, and the report says so.
 */
export function findReportThresholds(head: SummaryHead, override?: ReportThresholds): ReportThresholds {
  if (override !== undefined) return override;
  if (head.thresholds !== undefined) return head.thresholds;
  return { ...DEFAULT_THRESHOLDS, source: 'docs/margin-rules.md defaults (this summary.json does not record the thresholds the job ran with: it was written by an older version)' };
}
