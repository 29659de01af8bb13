// report.html in a real browser: Debian's Chromium driven by playwright-core (`npm test` installs it
// through scripts/ensure-test-tools.mjs; PMBT_CHROMIUM names another binary).
// A missing Chromium fails this test; it is never skipped.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_STORES, locateLocal as locate } from '../helpers/stores.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { openJobOutputs } from '../../src/batch/merge.js';
import { loadReportData } from '../../src/report/html/load.js';
import { isMarkerEvent } from '../../src/report/html/render.js';
import type { ReportData } from '../../src/report/html/types.js';
import { writeSmallJob } from '../helpers/job-files.js';

const CHROMIUM = process.env.PMBT_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

interface ChartStat { series: number; markers: number; points: number }
interface PageReport { ready: boolean; charts: Record<string, ChartStat>; heatMaps: Record<string, { tables: number; cells: number }> }

let files: ReturnType<typeof writeSmallJob>;
let data: ReportData;
let context: BrowserContext | undefined;
let page: Page;
let userDataDir: string;
const problems: string[] = [];

beforeAll(async () => {
  files = writeSmallJob();
  // risk.distance: the start distance, and the worst portfolios' risk at the start (chart, heat maps).
  await runJobLocally(parseJobSpec({ ...files.job, risk: { distance: true } }), { workers: 1, ...LOCAL_STORES });
  const { store, key } = locate(join(files.dir, 'out', 'small'));
  data = await loadReportData(openJobOutputs(store, key));
  if (!existsSync(CHROMIUM)) return;
  userDataDir = mkdtempSync(join(tmpdir(), 'pmbt-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`); });
  await page.goto(pathToFileURL(join(files.dir, 'out', 'small', 'report.html')).href);
  await page.waitForFunction('window.__pmbtReport && window.__pmbtReport.ready === true', null, { timeout: 15_000 });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  rmSync(files.dir, { recursive: true, force: true });
});

// Browser-side code is given as text: the project's TypeScript has no DOM types.
const readReport = () => page.evaluate('window.__pmbtReport') as Promise<PageReport>;
/** Visible canvases with (almost) nothing drawn on them. */
const BLANK_CANVASES = `[...document.querySelectorAll('canvas')].filter((c) => c.offsetParent !== null).map((c) => {
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let inked = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
  return inked;
}).filter((n) => n < 500).length`;
const markersOf = (ranks: number[]) => ranks.reduce((n, r) => n + data.worst[r]!.events.filter((e) => isMarkerEvent(e, data)).length, 0);

describe('report.html in headless Chromium', () => {
  it('finds Chromium', () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: run npm test, whose scripts/ensure-test-tools.mjs installs it, or set PMBT_CHROMIUM`).toBe(true);
  });

  it('draws every chart with the expected series and markers, logging no errors and fetching nothing', async () => {
    expect(context, 'Chromium did not start').toBeDefined();
    const r = await readReport();
    const zones = new Set(data.distribution.map((b) => b.zone)).size;
    expect(r.charts.distribution).toMatchObject({ series: zones, points: data.distribution.length });
    expect(r.charts.status).toMatchObject({ series: 5, points: data.grid.times.length });
    expect(data.worst.length).toBeGreaterThan(3);
    expect(r.charts.worst).toMatchObject({ series: data.worst.length, points: data.grid.times.length, markers: markersOf(data.worst.map((_, i) => i)) });
    expect(r.charts.worst!.markers).toBeGreaterThan(data.worst.length);
    // the worst portfolio's drill-down is open from the start
    expect(r.charts['portfolio-0-unimmr']).toMatchObject({ series: 1, markers: markersOf([0]) });
    expect(r.charts['portfolio-0-equity']).toMatchObject({ series: 3 });
    // uniMMR against the shock at the start: a line per worst portfolio on the 81-point grid; the
    // selected portfolio's two 9 × 9 risk matrices as tables coloured by status.
    expect(r.charts.startRisk).toMatchObject({ series: data.worst.length, points: 81, markers: 0 });
    expect(r.heatMaps['0']).toEqual({ tables: 2, cells: 162 });
    expect(await page.locator('#heat-p0 table.heat').count()).toBe(2);
    expect(await page.locator('#heat-p0 td.hm-FORCE_LIQUIDATION').count()).toBeGreaterThan(0);
    // the same counts on the elements, and pixels on every canvas
    expect(await page.getAttribute('#chart-worst', 'data-series')).toBe(String(data.worst.length));
    expect(await page.getAttribute('#chart-worst', 'data-markers')).toBe(String(markersOf(data.worst.map((_, i) => i))));
    expect(await page.evaluate(BLANK_CANVASES)).toBe(0);
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(5);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'report.png'), fullPage: true });
    expect(existsSync(join(OUTPUT, 'report.png'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('opens another portfolio’s detail from the table, and redraws on the full-range switch', async () => {
    expect(context, 'Chromium did not start').toBeDefined();
    await page.click('#worst tr[data-rank="2"]');
    await page.waitForFunction("window.__pmbtReport.charts['portfolio-2-equity'] !== undefined");
    expect(await page.isVisible('#portfolio-2')).toBe(true);
    expect(await page.isVisible('#portfolio-0')).toBe(false);
    expect((await readReport()).charts['portfolio-2-unimmr']).toMatchObject({ series: 1, markers: markersOf([2]) });
    expect((await readReport()).heatMaps['2']).toEqual({ tables: 2, cells: 162 });
    await page.check('#full-range');
    await page.waitForTimeout(100);
    expect((await readReport()).charts.worst).toMatchObject({ series: data.worst.length, markers: markersOf(data.worst.map((_, i) => i)) });
    expect((await readReport()).charts.startRisk).toMatchObject({ series: data.worst.length, points: 81 });
    expect(problems).toEqual([]);
  });
});
