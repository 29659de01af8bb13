import type { ObjectStore } from '../../io/store/types.js';
import { loadReportData, type LoadReportOptions } from './load.js';
import { renderReportHtml } from './render.js';
import { findJobThresholds } from './thresholds.js';

export { loadReportData, type LoadReportOptions } from './load.js';
export { renderReportHtml } from './render.js';
export { findJobThresholds } from './thresholds.js';
export type { ReportData } from './types.js';

/** report.html of the finished job under `jobKey`, its status bands from the job's own rules (found through `locate`). */
export async function buildReportHtml(store: ObjectStore, jobKey: string, locate: Parameters<typeof findJobThresholds>[1], options: LoadReportOptions = {}): Promise<string> {
  return renderReportHtml(await loadReportData(store, jobKey, { thresholds: (ruleUris) => findJobThresholds(ruleUris, locate), ...options }));
}
