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
import { axisShocksPct } from '../../src/report/html/start-risk.js';
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
  // risk.distance: the start distance, and the worst portfolios' risk at the start (chart, heat maps).
  await runJobLocally(parseJobSpec({ ...files.job, risk: { distance: true } }), { workers: 1, ...LOCAL_STORES });
  const { store, key } = locate(join(files.dir, 'out', 'small'));
  data = await loadReportData(openJobOutputs(store, key));
  html = renderReportHtml(data);
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

/** A worst portfolio's start risk as the page script reads it. */
interface EmbeddedStartRisk {
  curve: { rangePct: number; points: number; uniMMR: (number | null)[] };
  matrices: { rangePct: number; points: number; leaderOthers: EmbeddedMatrix; leaderDepeg: EmbeddedMatrix };
}
interface EmbeddedMatrix { rows: string; cols: string; uniMMR: (number | null)[][]; status: string }
const startRiskOf = (page: string, rank: number) => (embedded(page) as unknown as { worst: { startRisk: EmbeddedStartRisk }[] }).worst[rank]!.startRisk;

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
    const withoutStartRisk = renderReportHtml({ ...data, worst: data.worst.map((w) => ({ ...w, startRisk: null })) });
    expect(Buffer.byteLength(withoutStartRisk)).toBeLessThan(150_000);
    // The start risk (issue 17) is bounded per worst portfolio: 81 curve points and 2 × 81 matrix
    // cells of 4 significant digits, statuses one digit each, plus the chart's and heat map's text.
    expect(Buffer.byteLength(html) - Buffer.byteLength(withoutStartRisk)).toBeLessThan(2_500 * data.worst.length);
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

describe('the worst portfolios\' risk at the start (issue 17)', () => {
  it('charts uniMMR against the shock from the batch\'s start risk, whose unshocked point is the replay\'s start uniMMR', () => {
    expect(html).toContain('id="chart-start-risk"');
    data.worst.forEach((w, i) => {
      const c = startRiskOf(html, i).curve;
      // 81 points from −50 % to +50 % (a step of 100 / 80 = 1.25 %), uniMMR to 4 significant digits.
      expect(c).toMatchObject({ rangePct: 50, points: 81 });
      expect(c.uniMMR).toHaveLength(81);
      expect(axisShocksPct(c.rangePct, c.points).filter((_, k) => [0, 1, 40, 80].includes(k))).toEqual([-50, -48.75, 0, 50]);
      // The start market and rules are the replay's first step's: the same account as initialUniMMR.
      expect(c.uniMMR[40]).toBe(w.initialUniMMR === null ? null : Number(Number(w.initialUniMMR).toPrecision(4)));
    });
  });
  it('embeds each worst portfolio\'s two risk matrices for its heat maps, the middle cell the start', () => {
    const w = data.worst[0]!;
    const article = html.slice(html.indexOf('id="portfolio-0"'), html.indexOf('id="portfolio-1"'));
    expect(article).toContain('Risk matrix at the start, 2024-03-12 00:00 UTC');
    expect(article).toContain('<div class="cols heatmaps" id="heat-p0"></div>');
    expect(html).toContain('risk matrix at the start</b>: uniMMR in each cell after two moves');
    const m = startRiskOf(html, 0).matrices;
    // 9 × 9 cells each; the axes run −20 % … +20 % in 5 % steps.
    expect(axisShocksPct(m.rangePct, m.points)).toEqual([-20, -15, -10, -5, 0, 5, 10, 15, 20]);
    for (const x of [m.leaderOthers, m.leaderDepeg]) {
      expect(x.uniMMR.flat()).toHaveLength(81);
      expect(x.status).toMatch(/^[0-4]{81}$/);
      expect(x.uniMMR[4]![4]).toBe(Number(Number(w.initialUniMMR).toPrecision(4)));
    }
    expect([m.leaderOthers.rows, m.leaderOthers.cols, m.leaderDepeg.cols]).toEqual(['leader:BTC', 'others:BTC', 'depeg:USDT']);
    // The worst portfolio is the most leveraged long BTC: a 20 % fall of BTC liquidates it (row 0),
    // the start is normal or margin call, and a 20 % rise is normal (row 8).
    expect(m.leaderOthers.status.slice(0, 9)).toBe('333333333');
    expect(m.leaderOthers.status.slice(72)).toBe('000000000');
  });
  it('puts "—" in the start-distance columns of lines without them (the top-up is on by default)', () => {
    const page = renderReportHtml({ ...data, worst: data.worst.map((w) => ({ ...w, startDistance: null })) });
    const table = page.slice(page.indexOf('<table class="worst-table">'), page.indexOf('</table>', page.indexOf('<table class="worst-table">')));
    expect(table).toContain('Down to liquidation at start');
    expect(table).toContain('Top-up to survive');
    expect(data.worst.every((w) => w.startDistance !== null && w.topUp !== null)).toBe(true);
    expect(table.match(/<td>—<\/td>/g)).toHaveLength(2 * data.worst.length);
  });
  it('renders the summary line\'s startDistance and topUp (the shared contract\'s shape, written by hand)', async () => {
    // Two summary lines as the distance and top-up helpers write them.
    const lines = [
      { startDistance: { family: 'all', rangePct: 50, down: { marginCall: '-12.34567891', reduceOnly: '-15.00000000', liquidation: '-23.45678901', zeroEquity: '-30.00000001' }, up: {} },
        topUp: { asset: 'USDT', threshold: '1.05', amount: '1234.50000000', decidingTime: '2024-03-12T03:00:00.000Z', atFirstMarginCall: { time: '2024-03-12T02:30:00.000Z', amount: '2000.00000000' } } },
      { startDistance: { family: 'all', rangePct: 50, down: {}, up: { liquidation: '7.50000000' } },
        topUp: { asset: 'USDT', threshold: '1.05', amount: null, decidingTime: '2024-03-12T03:00:00.000Z', atFirstMarginCall: null } },
    ];
    const worst = [{ ...data.worst[0]!, ...lines[0]! }, { ...data.worst[1]!, ...lines[1]! }];
    const page = renderReportHtml({ ...data, worst });
    const row = (rank: number) => page.slice(page.indexOf(`data-rank="${rank}"`), page.indexOf('</tr>', page.indexOf(`data-rank="${rank}"`)));
    expect(row(0)).toContain('<td>−23.46 %</td>');
    expect(row(0)).toContain('none within +50 %');
    expect(row(0)).toContain('1234.50000000 USDT');
    expect(row(1)).toContain('none within −50 %');
    expect(row(1)).toContain('<td>+7.50 %</td>');
    expect(row(1)).toContain('no amount suffices');
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
