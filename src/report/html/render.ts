import type { WorstMoment } from '../../records/portfolio-summary.js';
import { describeStatus, escapeHtml, formatCount, formatDuration, formatQuantity, formatTime, formatUniMMR, formatUSD } from './format.js';
import { renderMovedSection } from './moved.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import { renderRiskMatrices, renderRiskMatrixNote, renderStartColumns, renderStartRiskSection, START_COLUMN_HEADS, selectStartRisk } from './start-risk.js';
import type { ReportData, ReportEvent, WorstPortfolio, Zone } from './types.js';
import { UPLOT_CSS, UPLOT_JS, UPLOT_LICENSE, UPLOT_VERSION } from './vendor-uplot.js';

// report.html (docs/reports.md): one self-contained page. The text, tables and numbers are
// rendered here; the charts are drawn in the browser by PAGE_SCRIPT with the inlined uPlot from
// the data embedded as JSON. Nothing depends on the clock, so the page is the same bytes for the
// same outputs.

const pct = (n: number, of: number) => (of === 0 ? '0 %' : `${((100 * n) / of).toFixed(1)} %`);
const status = (s: string | null) => (s === null ? '–' : `<span class="status ${escapeHtml(s)}">${escapeHtml(describeStatus(s))}</span>`);
const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** The events the page draws as markers on a uniMMR chart (the page script applies the same rule). */
export function isMarkerEvent(e: ReportEvent, data: ReportData): boolean {
  if (e.uniMMR === null || (e.type === 'riskLevelChange' && e.from === undefined)) return false;
  const g = data.grid;
  const i = Math.floor((e.time - g.times[0]!) / g.intervalMs);
  return i >= 0 && i < g.times.length;
}

const ZONE_LIST: { zone: Zone; label: (t: ReportData['thresholds']) => string; what: string }[] = [
  { zone: 'normal', label: (t) => `above ${t.marginCall}`, what: 'normal: trade freely' },
  { zone: 'marginCall', label: (t) => `${t.reduceOnly} – ${t.marginCall}`, what: 'margin call: Binance asks for more collateral' },
  { zone: 'reduceOnly', label: (t) => `${t.liquidation} – ${t.reduceOnly}`, what: 'reduce-only: new orders refused' },
  { zone: 'liquidation', label: (t) => `${t.liquidation} or below`, what: 'liquidation: positions are closed and collateral sold' },
];

function renderHeader(d: ReportData): string {
  const j = d.job;
  return `<header>
<h1>Backtest report: ${escapeHtml(d.jobId)}</h1>
<p class="sub">${plural(d.totals.portfolios, 'portfolio')} replayed through <code>${escapeHtml(j.prices)}</code> from ${formatTime(d.window.from)} to ${formatTime(d.window.to)}
(${formatCount(d.window.steps)} price steps; timeline resolution ${formatDuration(j.resolutionMs)}; liquidation policy <b>${escapeHtml(j.liquidation.policy)}</b> with ${Number((Number(j.liquidation.slippage) * 100).toPrecision(6))} % slippage).
Portfolios: <code>${escapeHtml(j.portfolios)}</code>.</p>
</header>
<section class="note" id="how-to-read">
<h2>How to read this report</h2>
<p><b>uniMMR</b> (Binance's unified maintenance margin ratio) is the account's equity divided by the maintenance margin its positions and loans require. The lower it is, the closer the account is to liquidation; Binance acts on it at fixed levels:</p>
<ul class="zones">${ZONE_LIST.map((z) => `<li><span class="sw ${z.zone}"></span><b>${escapeHtml(z.label(d.thresholds))}</b>&nbsp;${escapeHtml(z.what)}</li>`).join('')}</ul>
<p class="explain">Thresholds: ${escapeHtml(d.thresholds.source)}.${d.intrabar ? " Intrabar: the price history carries each bar's high and low, so every step was also evaluated at the bar's adverse extreme (per underlying, all its prices at the low or all at the high, whichever is worse), and what only that extreme reached is marked intrabar." : ''} All times are UTC. Amounts are in USD unless a column says otherwise. Charts: drag across a chart to zoom in, double-click to zoom out; click a legend entry to hide or show a line.</p>
</section>`;
}

function renderCards(d: ReportData): string {
  const t = d.totals;
  const ws = t.worstStatus;
  const mcOrWorse = (ws.MARGIN_CALL ?? 0) + (ws.REDUCE_ONLY ?? 0) + (ws.FORCE_LIQUIDATION ?? 0) + (ws.BANKRUPTED ?? 0);
  const roOrWorse = (ws.REDUCE_ONLY ?? 0) + (ws.FORCE_LIQUIDATION ?? 0) + (ws.BANKRUPTED ?? 0);
  const worst = d.worst[0];
  const card = (v: string, k: string, alert = false) => `<div class="card${alert ? ' alert' : ''}"><div class="v">${v}</div><div class="k">${k}</div></div>`;
  return `<section class="cards" id="key-numbers">
${card(formatCount(t.portfolios), `portfolios (${formatCount(t.ok)} replayed, ${formatCount(t.failed)} failed to load)`, t.failed > 0)}
${card(formatCount(mcOrWorse), `reached margin call or worse (${pct(mcOrWorse, t.ok)})`)}
${card(formatCount(roOrWorse), `reached reduce-only or worse (${pct(roOrWorse, t.ok)})`)}
${card(formatCount(t.liquidated), `were liquidated (${pct(t.liquidated, t.ok)})`, t.liquidated > 0)}
${card(formatCount(t.bankrupt), 'went bankrupt (equity below zero after liquidation)', t.bankrupt > 0)}
${card(formatUSD(t.liquidationFeesUSD), 'USD paid in liquidation fees')}
${card(formatUSD(t.bankruptcyLossUSD), 'USD lost by the insurance fund', Number(t.bankruptcyLossUSD) > 0)}
${worst === undefined ? card('–', 'no portfolio had maintenance margin') : card(formatUniMMR(worst.minUniMMR), `lowest uniMMR: ${escapeHtml(worst.portfolioId)}, ${formatTime(worst.minUniMMRTime)}`, Number(worst.minUniMMR) <= d.thresholds.liquidation)}
</section>`;
}

function renderDistribution(d: ReportData): string {
  const t = d.thresholds;
  return `<section id="distribution">
<h2>How close did portfolios come?</h2>
<p class="explain">Each bar counts the portfolios whose <b>lowest</b> uniMMR over the whole backtest fell in that range, coloured by the status that level means. Bars left of ${t.marginCall} are the portfolios that came close.${d.totals.noMaintMargin === 0 ? '' : ` ${plural(d.totals.noMaintMargin, 'portfolio')} never had any maintenance margin and ${d.totals.noMaintMargin === 1 ? 'is' : 'are'} not counted.`}</p>
<div class="chart" id="chart-distribution"></div>
</section>`;
}

function renderOverTime(d: ReportData): string {
  const folded = d.grid.intervalMs !== d.job.resolutionMs;
  return `<section id="over-time">
<h2>When did it happen?</h2>
<p class="explain">For each ${formatDuration(d.grid.intervalMs)} interval${folded ? ` (the ${formatDuration(d.job.resolutionMs)} timeline folded to keep the page small)` : ''}: how many portfolios were in margin call, reduce-only or liquidation at some point of it (lines), and how many liquidations and bankruptcies happened in it (bars). Normal portfolios are not drawn.</p>
<div class="chart" id="chart-status"></div>
</section>`;
}

const MARKER_LEGEND = `<div class="markers">
<span><svg viewBox="-6 -6 12 12"><path d="M0 -5 L5 0 L0 5 L-5 0 Z" fill="#c92a2a"/></svg>liquidation (at the uniMMR that triggered it)</span>
<span><svg viewBox="-6 -6 12 12"><rect x="-4.5" y="-4.5" width="9" height="9" fill="#000"/></svg>bankruptcy</span>
<span><svg viewBox="-6 -6 12 12"><path d="M-5 -4 L5 -4 L0 5 Z" fill="#e8590c"/></svg>risk level worse (e.g. normal → margin call)</span>
<span><svg viewBox="-6 -6 12 12"><path d="M-5 4 L5 4 L0 -5 Z" fill="#2b8a3e"/></svg>risk level better (recovered)</span>
<span><svg viewBox="-6 -6 12 12"><circle r="4" fill="#5b6576"/></svg>orders cancelled / liquidation cancelled</span>
</div>`;

function renderWorstSection(d: ReportData): string {
  if (d.worst.length === 0) return `<section id="worst"><h2>The portfolios that came closest</h2><p>No portfolio had maintenance margin, so there is no uniMMR to chart.</p></section>`;
  const bands = `${d.thresholds.marginCall} / ${d.thresholds.reduceOnly} / ${d.thresholds.liquidation}`;
  const rows = d.worst.map((p, i) => `<tr class="pick" data-rank="${i}" title="Show the detail of ${escapeHtml(p.portfolioId)}">
<td>${i + 1}</td><td class="l"><a href="#drilldown">${escapeHtml(p.portfolioId)}</a></td><td>${formatUniMMR(p.initialUniMMR)}</td><td><b>${formatUniMMR(p.minUniMMR)}</b></td><td>${formatTime(p.minUniMMRTime, false)}</td>
<td class="l">${status(p.worstStatus)}</td><td>${p.liquidations}</td><td>${formatUSD(p.liquidationFeesUSD)}</td><td>${formatUSD(p.bankruptcyLossUSD)}</td><td>${formatUSD(p.finalAccountEquity)}</td>${renderStartColumns(p)}</tr>`).join('\n');
  return `<section id="worst">
<h2>The ${d.worst.length} portfolios that came closest</h2>
<p class="explain">uniMMR over time of the ${plural(d.worst.length, 'portfolio')} with the lowest minimum. Each step of a line is the lowest uniMMR within that ${formatDuration(d.grid.intervalMs)} interval, so short dips are never hidden. Shaded bands and dashed lines mark the status thresholds (${bands}); markers show what happened, at the time it happened. By default the axis runs from −1 (or 0) to ${Math.max(3, d.thresholds.marginCall * 2)}: above that an account is far from any threshold, below −1 its equity is long gone; markers beyond are pinned to the edge (tick the box to see the whole range). A line that stops means the account had no maintenance margin left (everything closed) or went bankrupt.</p>
<div class="controls"><label><input type="checkbox" id="full-range"> show the full uniMMR range (compressed, log-like scale)</label></div>
<div class="chart" id="chart-worst"></div>
<p class="explain" id="zoom-worst"></p>
${MARKER_LEGEND}
<p class="explain">Click a row for the portfolio's detail below.</p>
<div class="scroll"><table class="worst-table">
<thead><tr><th>#</th><th class="l">Portfolio</th><th>Start uniMMR</th><th>Lowest uniMMR</th><th>When (UTC)</th><th class="l">Worst status</th><th>Liquida&shy;tions</th><th>Fees (USD)</th><th>Insurance loss (USD)</th><th>Final equity (USD)</th>${START_COLUMN_HEADS}</tr></thead>
<tbody>
${rows}
</tbody></table></div>
${renderStartRiskSection(d)}
</section>`;
}

function renderWorstMoment(p: WorstPortfolio): string {
  const w: WorstMoment | null = p.worstMoment;
  if (w === null) return `<p class="explain">No breakdown at the lowest point was recorded for this portfolio.</p>`;
  const totalMM = Number(w.accountMaintMargin);
  const share = (mm: string) => {
    const f = totalMM > 0 ? Number(mm) / totalMM : 0;
    return `<span class="bar" style="width:${Math.max(0, Math.round(f * 90))}px"></span> ${(f * 100).toFixed(1)} %`;
  };
  const assets = [...w.assets].sort((a, b) => Number(b.maintMarginUSD) - Number(a.maintMarginUSD) || Number(b.equityUSD) - Number(a.equityUSD));
  const positions = [...w.positions].sort((a, b) => Number(b.maintMarginUSD) - Number(a.maintMarginUSD));
  const openLoss = Number(w.totalMarginOpenLoss) > 0 ? ` (after ${formatUSD(w.totalMarginOpenLoss)} USD of open-order loss)` : '';
  return `<h4>Why: the account at its lowest point, ${formatTime(p.minUniMMRTime)}</h4>
<p>Account equity <b>${formatUSD(w.accountEquity)} USD</b>${openLoss} against maintenance margin <b>${formatUSD(w.accountMaintMargin)} USD</b>: uniMMR = ${formatUSD(w.accountEquity)} ÷ ${formatUSD(w.accountMaintMargin)} = <b>${formatUniMMR(w.uniMMR)}</b>, status ${status(w.accountStatus)}. Actual equity (before collateral haircuts) ${formatUSD(w.actualEquity)} USD.</p>
<div class="cols">
<div><h4>By asset</h4>
<table><thead><tr><th class="l">Asset</th><th>Index price (USD)</th><th>Equity after haircut (USD)</th><th>Maintenance margin (USD)</th><th class="l">Share of maintenance margin</th></tr></thead><tbody>
${assets.map((a) => `<tr><td>${escapeHtml(a.asset)}</td><td>${formatQuantity(a.indexPrice)}</td><td>${formatUSD(a.equityUSD)}</td><td>${formatUSD(a.maintMarginUSD)}</td><td class="l">${share(a.maintMarginUSD)}</td></tr>`).join('\n')}
</tbody></table></div>
<div><h4>By position</h4>
${positions.length === 0 ? '<p class="explain">No futures positions: the maintenance margin is that of the margin loans.</p>' : `<table><thead><tr><th class="l">Position</th><th class="l">Market</th><th>Amount</th><th>Mark price</th><th>Maintenance margin (USD)</th><th class="l">Share of maintenance margin</th></tr></thead><tbody>
${positions.map((x) => `<tr><td>${escapeHtml(x.symbol)}${x.positionSide === undefined ? '' : ` ${escapeHtml(x.positionSide)}`}</td><td class="l">${x.market === 'UM' ? 'USD-M' : 'COIN-M'}</td><td>${formatQuantity(x.positionAmt)}</td><td>${formatQuantity(x.markPrice)}</td><td>${formatUSD(x.maintMarginUSD)}</td><td class="l">${share(x.maintMarginUSD)}</td></tr>`).join('\n')}
</tbody></table>
<p class="explain">Amounts in base units (USD-M, negative = short) or contracts (COIN-M); mark prices in the contract's quote. The maintenance margin of margin loans is in the asset table.</p>`}
</div></div>`;
}

function describeOutcome(p: WorstPortfolio): string {
  const parts = [`Started at uniMMR <b>${formatUniMMR(p.initialUniMMR)}</b>; lowest <b>${formatUniMMR(p.minUniMMR)}</b> on ${formatTime(p.minUniMMRTime)}; worst status ${status(p.worstStatus)}.`];
  if (p.liquidations > 0) parts.push(`Liquidated ${p.liquidations === 1 ? 'once' : `${p.liquidations} times`}, ${formatUSD(p.liquidationFeesUSD)} USD in fees.`);
  else parts.push('Never liquidated.');
  if (p.bankrupt) parts.push(`<b>Bankrupt</b>: the insurance fund lost ${formatUSD(p.bankruptcyLossUSD)} USD.`);
  parts.push(`Final account equity ${formatUSD(p.finalAccountEquity)} USD, status ${status(p.finalStatus)}.`);
  return parts.join(' ');
}

function renderEvents(p: WorstPortfolio): string {
  if (p.events.length === 0) return '<p class="explain">No risk-level changes or liquidations.</p>';
  return `<table><thead><tr><th class="l">Time (UTC)</th><th class="l">What happened</th></tr></thead><tbody>
${p.events.map((e) => `<tr><td>${formatTime(e.time, false)}</td><td class="wrap">${escapeHtml(e.text)}</td></tr>`).join('\n')}
</tbody></table>${p.eventsOmitted > 0 ? `<p class="explain">${plural(p.eventsOmitted, 'more event')} of the same kinds left out; pmbt events prints them all.</p>` : ''}`;
}

function renderDrilldown(d: ReportData): string {
  if (d.worst.length === 0) return '';
  const options = d.worst.map((p, i) => `<option value="${i}">#${i + 1} ${escapeHtml(p.portfolioId)} (lowest uniMMR ${formatUniMMR(p.minUniMMR)})</option>`).join('');
  const articles = d.worst.map((p, i) => `<article class="portfolio" id="portfolio-${i}" data-rank="${i}"${i === 0 ? '' : ' hidden'}>
<h3>#${i + 1} ${escapeHtml(p.portfolioId)}</h3>
<p>${describeOutcome(p)}</p>
<p class="explain">uniMMR with its status bands and events, then equity and maintenance margin in USD at the lowest point of each ${formatDuration(d.grid.intervalMs)} interval (the cursor and the zoom move on both).</p>
<div class="chart" id="chart-p${i}-unimmr"></div>
<p class="explain" id="zoom-p${i}"></p>
<div class="chart" id="chart-p${i}-equity"></div>
${renderWorstMoment(p)}
${renderRiskMatrices(p, i)}
<h4>Risk-level changes and liquidations</h4>
${renderEvents(p)}
</article>`).join('\n');
  return `<section id="drilldown">
<h2>Portfolio detail</h2>
<p>Portfolio: <select id="portfolio-pick">${options}</select></p>
${renderRiskMatrixNote(d)}
${articles}
</section>`;
}

function renderAtRisk(d: ReportData): string {
  if (d.atRiskTotal === 0) return `<section id="at-risk"><h2>Portfolios that reached margin call or worse</h2><p>None: every portfolio stayed above uniMMR ${d.thresholds.marginCall}.</p></section>`;
  const rows = d.atRisk.map((r) => `<tr${r.detail === null ? '' : ` class="pick" data-rank="${r.detail}"`}><td class="l">${r.detail === null ? escapeHtml(r.portfolioId) : `<a href="#drilldown">${escapeHtml(r.portfolioId)}</a>`}</td><td>${formatUniMMR(r.minUniMMR)}</td><td>${formatTime(r.minUniMMRTime, false)}</td><td class="l">${status(r.worstStatus)}</td><td>${r.liquidations}</td><td class="l">${r.bankrupt ? 'yes' : ''}</td></tr>`).join('\n');
  const cut = d.atRiskTotal > d.atRisk.length ? ` (the ${d.atRisk.length} lowest shown; summary.json has all)` : '';
  return `<section id="at-risk">
<h2>All ${formatCount(d.atRiskTotal)} portfolios that reached margin call or worse</h2>
<details><summary>Show the list${escapeHtml(cut)}</summary>
<table><thead><tr><th class="l">Portfolio</th><th>Lowest uniMMR</th><th>When (UTC)</th><th class="l">Worst status</th><th>Liquidations</th><th class="l">Bankrupt</th></tr></thead><tbody>
${rows}
</tbody></table></details>
</section>`;
}

function renderFailures(d: ReportData): string {
  if (d.failuresTotal === 0) return '';
  return `<section id="failures">
<h2>${plural(d.failuresTotal, 'portfolio')} could not be replayed</h2>
<table><thead><tr><th title="position in the portfolio file, counted from 1 like the messages">Input #</th><th class="l">Portfolio</th><th class="l">Why</th></tr></thead><tbody>
${d.failures.map((f) => `<tr><td>${f.index + 1}</td><td class="l">${escapeHtml(f.portfolioId ?? '–')}</td><td class="wrap">${escapeHtml(f.error)}</td></tr>`).join('\n')}
</tbody></table>${d.failuresTotal > d.failures.length ? `<p class="explain">The first ${d.failures.length} are shown; summary.json lists all.</p>` : ''}
</section>`;
}

function renderFooter(d: ReportData): string {
  return `<footer>
<p>Made by pmbt (pm-backtester) from this job's summary.json and its portfolios/, timeline/ and events/ files, which hold every number of every portfolio. Charts drawn with uPlot ${escapeHtml(UPLOT_VERSION)} (MIT license), embedded in this file: the page needs no network.</p>
<table><thead><tr><th class="l">Input</th><th class="l">Location</th><th>Bytes</th><th class="l">SHA-256</th></tr></thead><tbody>
${d.inputs.map((i) => `<tr><td class="l">${escapeHtml(i.role)}</td><td class="l">${escapeHtml(i.uri)}</td><td>${formatCount(i.bytes)}</td><td class="l"><code>${escapeHtml(i.sha256)}</code></td></tr>`).join('\n')}
</tbody></table>
<p>Rules: ${d.rulesSources.map(escapeHtml).join(' · ')}</p>
</footer>`;
}

/** What the page script needs (the tables are already HTML). */
function selectChartData(d: ReportData): unknown {
  return {
    thresholds: d.thresholds,
    grid: d.grid,
    distribution: d.distribution,
    statusOverTime: d.statusOverTime,
    worst: d.worst.map((p) => ({
      portfolioId: p.portfolioId,
      uniMMR: p.uniMMR,
      accountEquity: p.accountEquity,
      actualEquity: p.actualEquity,
      maintMargin: p.maintMargin,
      events: p.events.map((e) => ({ time: e.time, type: e.type, ...(e.from === undefined ? {} : { from: e.from }), ...(e.to === undefined ? {} : { to: e.to }), uniMMR: e.uniMMR })),
      startRisk: selectStartRisk(p),
    })),
  };
}

/** JSON that is safe inside a <script> element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const safeScript = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1');

/** The whole page. Deterministic: the same data gives the same bytes. */
export function renderReportHtml(d: ReportData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="pmbt">
<title>Backtest report: ${escapeHtml(d.jobId)}</title>
<style>${UPLOT_CSS}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${renderHeader(d)}
${renderCards(d)}${renderMovedSection(d.moved)}
${renderDistribution(d)}
${renderOverTime(d)}
${renderWorstSection(d)}
${renderDrilldown(d)}
${renderAtRisk(d)}
${renderFailures(d)}
${renderFooter(d)}
</main>
<script type="application/json" id="pmbt-data">${embedJson(selectChartData(d))}</script>
<script>/*! ${UPLOT_LICENSE.replace(/\*\//g, '* /')} */
${safeScript(UPLOT_JS)}</script>
<script>${safeScript(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}
