import { readJobThresholds, type SummaryHead } from '../../records/summary.js';
import type { ReportThresholds } from './types.js';

/**
 * The thresholds for the report's bands: `override` when given, else those the job wrote into
 * summary.json (its rules as of the start). There is no fallback to default thresholds: bands
 * other than the job's would misstate its risk, so a summary.json without them is an error naming
 * the field (`file` is its URI).
 */
export function findReportThresholds(head: SummaryHead, file: string, override?: ReportThresholds): ReportThresholds {
  if (override !== undefined) return override;
  return readJobThresholds(head.thresholds, file, 'thresholds');
}
