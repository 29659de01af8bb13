import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_STORES, locateLocal as locate } from '../helpers/stores.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { openJobOutputs } from '../../src/batch/merge.js';
import { formatDuration, formatTime, formatUniMMR, formatUSD } from '../../src/report/html/format.js';
import { loadReportData } from '../../src/report/html/load.js';
import { PAGE_SCRIPT } from '../../src/report/html/page-script.js';
import { isMarkerEvent, renderReportHtml } from '../../src/report/html/render.js';
import type { ReportData } from '../../src/report/html/types.js';
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from '../../src/report/html/vendor-uplot.js';
import { writeSmallJob } from '../helpers/job-files.js';

let files: ReturnType<typeof writeSmallJob>;
let data: ReportData;
let html: string;

beforeAll(async () => {
  files = writeSmallJob();
  await runJobLocally(parseJobSpec(files.job), { workers: 1, ...LOCAL_STORES });
  const { store, key } = locate(join(files.dir, 'out', 'small'));
  data = await loadReportData(openJobOutputs(store, key));
  html = renderReportHtml(data);
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

/** The JSON the page script reads. */
const embedded = (page: string) => JSON.parse(/<script type="application\/json" id="pmbt-data">(.*?)<\/script>/s.exec(page)![1]!) as { worst: { portfolioId: string; uniMMR: unknown[] }[] };

describe('renderReportHtml', () => {
  it('makes one self-contained page: uPlot and the data inline, nothing fetched', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(UPLOT_JS);
    expect(html).toContain(UPLOT_CSS);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img|@import|url\(/i);
    expect(html).toContain(`uPlot ${UPLOT_VERSION}`);
    expect(html).toContain('The MIT License');
    expect(embedded(html).worst.map((w) => w.portfolioId)).toEqual(data.worst.map((w) => w.portfolioId));
  });
  it('explains itself: thresholds, sections, the worst portfolios and their breakdown', () => {
    for (const text of ['How to read this report', 'above 1.5', '1.05 or below', 'How close did portfolios come?', 'When did it happen?', 'portfolios that came closest', 'Portfolio detail', 'Why: the account at its lowest point', 'By asset', 'By position', 'could not be replayed']) {
      expect(html, text).toContain(text);
    }
    for (const w of data.worst) expect(html).toContain(`id="portfolio-${data.worst.indexOf(w)}"`);
    expect(html).toContain('bad-field');
  });
  it('says in one sentence when the bars\' extremes were evaluated (summary.json intrabar), and nothing otherwise', () => {
    expect(data.intrabar).toBe(false);
    expect(html).not.toContain('Intrabar');
    const page = renderReportHtml({ ...data, intrabar: true });
    expect(page).toContain("Intrabar: the price history carries each bar's high and low, so every step was also evaluated at the bar's adverse extreme");
    expect(embedded(page)).toEqual(embedded(html));
  });
  it('is the same bytes for the same data, and small', () => {
    expect(renderReportHtml(data)).toBe(html);
    expect(Buffer.byteLength(html)).toBeLessThan(150_000);
  });
  it('numbers failed portfolios from 1, like their messages (summary.json keeps the 0-based index)', () => {
    const page = renderReportHtml({ ...data, failures: [{ index: 1, portfolioId: 'bad', error: 'desk.jsonl: portfolio 2 (id "bad"): x' }], failuresTotal: 1 });
    expect(page).toContain('<tr><td>2</td><td class="l">bad</td>');
  });
  it('escapes text from the inputs', () => {
    const evil: ReportData = { ...data, jobId: 'x<script>alert(1)</script>', failures: [{ index: 0, portfolioId: '<b>', error: '</script><script>alert(2)</script>' }], failuresTotal: 1 };
    const page = renderReportHtml(evil);
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('x&lt;script&gt;alert(1)&lt;/script&gt;');
    const worst = { ...data.worst[0]!, portfolioId: '</script><script>alert(3)</script>' };
    const page2 = renderReportHtml({ ...data, worst: [worst] });
    expect(page2).not.toContain('<script>alert');
    expect(embedded(page2).worst[0]!.portfolioId).toBe(worst.portfolioId);
  });
  it('says which events become markers', () => {
    const w = data.worst[0]!;
    const markers = w.events.filter((e) => isMarkerEvent(e, data));
    expect(markers.length).toBeGreaterThan(0);
    expect(markers.every((e) => e.uniMMR !== null && !(e.type === 'riskLevelChange' && e.from === undefined))).toBe(true);
  });
});

describe('the page assets', () => {
  it('embed the installed uPlot (run scripts/embed-report-assets.mjs after upgrading it)', () => {
    const dir = fileURLToPath(new URL('../../node_modules/uplot/', import.meta.url));
    expect(UPLOT_VERSION).toBe((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version);
    expect(UPLOT_JS).toBe(readFileSync(join(dir, 'dist/uPlot.iife.min.js'), 'utf8').trim());
    expect(UPLOT_CSS).toBe(readFileSync(join(dir, 'dist/uPlot.min.css'), 'utf8').trim());
  });
  it('ship a page script that parses', () => {
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
    expect(PAGE_SCRIPT).not.toContain('`');
  });
  it('format numbers and times without the machine’s locale or zone', () => {
    expect(formatUSD('1448361.31959327')).toBe('1,448,361.32');
    expect(formatUSD('-0.001')).toBe('0.00');
    expect(formatUSD(-1234.5)).toBe('−1,234.50');
    expect(formatUniMMR('-0.65519354')).toBe('−0.6552');
    expect(formatUniMMR('32.83785112')).toBe('32.84');
    expect(formatUniMMR(null)).toBe('–');
    expect(formatTime('2024-03-10T15:37:00.000Z')).toBe('2024-03-10 15:37 UTC');
    expect(formatTime(Date.UTC(2024, 2, 10, 15, 37, 5), false)).toBe('2024-03-10 15:37:05');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(900_000)).toBe('15m');
  });
});
