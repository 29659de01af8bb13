import type { CompactRiskMatrix, WorstStartRiskFigures } from '../../records/dataset.js';
import { escapeHtml, formatTime } from './format.js';
import type { ReportData, WorstPortfolio } from './types.js';

// The worst portfolios' risk at the job's start on report.html (docs/reports.md): the table's
// columns from the summary line's startDistance and topUp, the chart of uniMMR against the shock
// (its data here, its drawing in page-script.ts) and the selected portfolio's risk matrices as
// heat maps (HTML tables coloured by status).

/** Shown where a line has no such field (older lines, or the job did not ask). */
const ABSENT = '—';

/** The startRisk figures, when the batch computed them (not an error). */
export const startFiguresOf = (p: WorstPortfolio): WorstStartRiskFigures | undefined => (p.startRisk !== null && 'curve' in p.startRisk ? p.startRisk : undefined);

/** "-23.45678901" → "−23.46 %". */
function formatShock(pct: string): string {
  const n = Number(pct);
  return `${n < 0 ? '−' : n > 0 ? '+' : ''}${Math.abs(n).toFixed(2)} %`;
}

function renderDistance(p: WorstPortfolio, direction: 'down' | 'up'): string {
  const d = p.startDistance;
  if (d === null) return ABSENT;
  const shock = d[direction].liquidation;
  return shock === undefined ? `<span title="no shock of the ${escapeHtml(d.family)} family within ±${d.rangePct} % reaches liquidation">none within ${direction === 'down' ? '−' : '+'}${d.rangePct} %</span>` : formatShock(shock);
}

function renderTopUp(p: WorstPortfolio): string {
  const t = p.topUp;
  if (t === null) return ABSENT;
  const title = `keeps uniMMR above ${t.threshold} along the replayed path${t.decidingTime === null ? '' : `; decided at ${formatTime(t.decidingTime)}`}`;
  const text = t.amount === null ? 'no amount suffices' : Number(t.amount) === 0 ? `0 ${escapeHtml(t.asset)} (none needed)` : `${escapeHtml(t.amount)} ${escapeHtml(t.asset)}`;
  return `<span title="${escapeHtml(title)}">${text}</span>`;
}

export const START_COLUMN_HEADS = '<th title="the smallest fall of every non-stablecoin asset at once, from the start prices, that takes the account to liquidation">Down to liquidation at start</th><th title="the same for a rise">Up to liquidation at start</th><th title="collateral added at the start that keeps the account out of liquidation along this path">Top-up to survive</th>';

export function renderStartColumns(p: WorstPortfolio): string {
  return `<td>${renderDistance(p, 'down')}</td><td>${renderDistance(p, 'up')}</td><td>${renderTopUp(p)}</td>`;
}

/** The axis' shocks in percent: −range … +range in equal steps (the batch's grid). */
export const axisShocksPct = (rangePct: number, points: number): number[] => {
  const half = (points - 1) / 2;
  return Array.from({ length: points }, (_, i) => Number(((rangePct * (i - half)) / half).toPrecision(6)));
};

export function renderStartRiskSection(d: ReportData): string {
  const withCurve = d.worst.filter((p) => startFiguresOf(p) !== undefined);
  if (withCurve.length === 0) return '';
  const time = startFiguresOf(withCurve[0]!)!.time;
  return `<h3 id="start-risk">At the start: uniMMR against a price shock</h3>
<p class="explain">The same portfolios as they stood at the start (${formatTime(time)}), each evaluated at once after every non-stablecoin asset moved by the same percentage (stablecoins held): uniMMR at each shock from −50 % to +50 % in steps of 1.25 %, by the exact engine. Where a line crosses a dashed threshold is how far prices could move before that status; <code>pmbt risk</code> gives the exact crossing. A line that stops has no maintenance margin there.</p>
<div class="chart" id="chart-start-risk"></div>`;
}

/** The selected portfolio's risk matrices, drawn as heat maps by the page script from selectStartRisk's data (embedded once, not as HTML per cell: the page stays small). */
export function renderRiskMatrices(p: WorstPortfolio, rank: number): string {
  if (p.startRisk === null) return '';
  if (!('curve' in p.startRisk)) return `<h4>Risk matrix at the start</h4><p class="explain">Not computed: ${escapeHtml(p.startRisk.error)}</p>`;
  return `<h4>Risk matrix at the start, ${formatTime(p.startRisk.time)}</h4>
<div class="cols heatmaps" id="heat-p${rank}"></div>`;
}

/** How to read the heat maps: once, at the top of the drill-down. */
export function renderRiskMatrixNote(d: ReportData): string {
  const f = d.worst.map(startFiguresOf).find((x) => x !== undefined);
  if (f === undefined) return '';
  const t = d.thresholds;
  const m = f.matrices;
  return `<p class="explain">Each portfolio's <b>risk matrix at the start</b>: uniMMR in each cell after two moves of the start prices, the cell coloured by the status it means (above ${t.marginCall} normal, then margin call, reduce-only, ${t.liquidation} or below liquidation). Rows: the leader (${escapeHtml(m.leaderOthers.rows.replace(/^leader:/, ''))}) moves, every other non-stablecoin asset with it. Columns: in the first table every other non-stablecoin moves a further step; in the second the stablecoin ${escapeHtml(m.leaderDepeg.cols.replace(/^depeg:/, ''))} depegs (its USD price moves). The middle cell is the account at the start; <code>pmbt risk --matrix ${m.points} --matrix-range ${m.rangePct}</code> prints the exact figures.</p>`;
}

const statusDigits = (m: CompactRiskMatrix) => m.status.map((row) => row.join('')).join('');

/** 4 significant digits: plenty for a chart and a heat map's cells (2 decimals), and the page stays small. */
const forPage = (u: number | null) => (u === null ? null : Number(u.toPrecision(4)));

/**
 * What the page script draws of a worst portfolio's start risk (null without it): the curve and the
 * matrices, each axis as its range and points (the script spreads them evenly, as axisShocksPct),
 * statuses as one digit a cell.
 */
export function selectStartRisk(p: WorstPortfolio): unknown {
  const f = startFiguresOf(p);
  if (f === undefined) return null;
  const m = f.matrices;
  const matrix = (x: CompactRiskMatrix) => ({ rows: x.rows, cols: x.cols, uniMMR: x.uniMMR.map((row) => row.map(forPage)), status: statusDigits(x) });
  return {
    curve: { rangePct: f.curve.rangePct, points: f.curve.points, uniMMR: f.curve.uniMMR.map(forPage) },
    matrices: { rangePct: m.rangePct, points: m.points, leaderOthers: matrix(m.leaderOthers), leaderDepeg: matrix(m.leaderDepeg) },
  };
}
