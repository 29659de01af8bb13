import { loadReportData, type DatasetReportOptions } from './load.js';
import { renderReportHtml } from './render.js';
import type { JobOutputFiles } from './types.js';

export { loadReportData, type DatasetReportOptions } from './load.js';
export { renderReportHtml } from './render.js';
export type { JobOutputFiles, ReportData } from './types.js';

/** report.html of a finished job, read from its outputs; its status bands are the thresholds the job recorded. */
export async function buildReportHtml(files: JobOutputFiles, options: DatasetReportOptions = {}): Promise<string> {
  return renderReportHtml(await loadReportData(files, options));
}
