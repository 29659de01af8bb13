import type { MovedBlock } from '../../records/moved.js';
import { escapeHtml, formatCount } from './format.js';

// report.html's "Moved closer since <previous job>" (docs/reports.md, docs/risk.md "Who moved
// closer"): summary.json's `moved` block as a table. The page shows 2 decimals; summary.json has 8.

/** "12.34567890" → "12.35 %"; a change as "−4.35 pp" (U+2212). */
const formatPct = (pct: string) => `${Number(pct).toFixed(2)} %`;
const formatChange = (pp: string) => `${Number(pp) < 0 ? '−' : '+'}${Math.abs(Number(pp)).toFixed(2)} pp`;

/** The section, with the line break before it; '' without a comparison (the page is then as before). */
export function renderMovedSection(moved: MovedBlock | undefined): string {
  if (moved === undefined) return '';
  const heading = `<h2>Moved closer since ${escapeHtml(moved.previousJob)}</h2>`;
  if (moved.status === 'previousWithoutDistance') return `\n<section id="moved">${heading}<p class="explain">${escapeHtml(moved.note)}.</p></section>`;
  if (moved.status === 'previousUnavailable') return `\n<section id="moved" class="warn">${heading}<p><b>Warning:</b> ${escapeHtml(moved.warning)}.</p></section>`;
  const c = moved.counts;
  const beyond = 'beyond the range searched';
  const rows = moved.closest.map((e, i) => `<tr><td>${i + 1}</td><td class="l">${escapeHtml(e.portfolioId)}</td><td>${e.previousPct === null ? escapeHtml(beyond) : formatPct(e.previousPct)}</td><td>${formatPct(e.nowPct)}</td><td><b>${formatChange(e.changePp)}</b></td></tr>`).join('\n');
  return `
<section id="moved">
${heading}
<p class="explain">Each portfolio's distance to liquidation at the start — the smaller of the price falls and rises, all non-stablecoin prices moving together, that take it to liquidation — against the same portfolio's in job ${escapeHtml(moved.previousJob)}, by portfolio id. ${formatCount(c.closer)} moved closer, ${formatCount(c.further)} further, ${formatCount(c.unchanged)} did not move; ${formatCount(c.new)} ${c.new === 1 ? 'is' : 'are'} new (no distance in the previous job) and ${formatCount(c.gone)} gone (none now). A distance ${escapeHtml(beyond)} counts as the range itself, so a move from there is at least the change shown.</p>
${moved.closest.length === 0 ? '<p>No portfolio moved closer.</p>' : `<table><thead><tr><th>#</th><th class="l">Portfolio</th><th>Before</th><th>Now</th><th>Change</th></tr></thead><tbody>
${rows}
</tbody></table>${c.closer > moved.closest.length ? `<p class="explain">The ${moved.closest.length} that moved most are shown; summary.json's <code>moved</code> has the counts.</p>` : ''}`}
</section>`;
}
