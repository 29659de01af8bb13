/** report.html's own style sheet (uPlot's comes with vendor-uplot.ts). */
export const PAGE_STYLE = String.raw`
:root { --fg: #1d2430; --muted: #5b6576; --line: #d9dee7; --bg: #ffffff; --panel: #f6f8fb;
  --normal: #2b8a3e; --mc: #d9a400; --ro: #e8590c; --liq: #d6336c; --gone: #7a0d2a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 6px; padding-top: 10px; border-top: 1px solid var(--line); }
h3 { font-size: 17px; margin: 18px 0 4px; }
h4 { font-size: 15px; margin: 18px 0 4px; }
p { margin: 4px 0 8px; }
.sub, .explain { color: var(--muted); max-width: 980px; }
.note { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; margin: 14px 0; }
.note h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 16px; }
.zones { display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 6px 0; list-style: none; }
.zones li { display: flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 14px; height: 14px; border-radius: 3px; border: 1px solid rgba(0,0,0,.15); flex: none; }
.sw.normal { background: var(--normal); } .sw.marginCall { background: var(--mc); } .sw.reduceOnly { background: var(--ro); }
.sw.liquidation { background: var(--liq); } .sw.bankrupt { background: var(--gone); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 14px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12.5px; }
.card.alert .v { color: var(--liq); }
.chart { margin: 6px 0 4px; min-height: 120px; }
.markers { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted); font-size: 12.5px; margin: 2px 0 8px; }
.markers span { display: inline-flex; align-items: center; gap: 5px; }
.markers svg { width: 12px; height: 12px; }
.controls { margin: 6px 0; color: var(--muted); }
div.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: normal; vertical-align: bottom; }
th:first-child, td:first-child, td.l, th.l { text-align: left; }
td.wrap { white-space: normal; text-align: left; min-width: 320px; }
tr.pick { cursor: pointer; }
tr.pick:hover td { background: #eef3fb; }
tr.sel td { background: #e3ecfa; }
.status { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600; color: #fff; }
.status.NORMAL { background: var(--normal); } .status.MARGIN_CALL { background: var(--mc); color: #222; } .status.REDUCE_ONLY { background: var(--ro); }
.status.FORCE_LIQUIDATION { background: var(--liq); } .status.BANKRUPTED { background: var(--gone); }
.bar { display: inline-block; height: 9px; background: #5470c6; border-radius: 2px; vertical-align: middle; }
.cols { display: flex; flex-wrap: wrap; gap: 0 28px; }
.portfolio { border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 10px; margin: 10px 0; }
.portfolio[hidden] { display: none; }
select { font: inherit; padding: 2px 6px; }
details summary { cursor: pointer; color: #2451a6; margin: 6px 0; }
footer { margin-top: 36px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
footer table { font-size: 12px; }
code { font-size: 12.5px; }
h5 { font-size: 13.5px; margin: 10px 0 2px; }
table.heat td, table.heat th { padding: 3px 6px; font-size: 12px; }
table.heat td { color: #1d2430; }
.hm-NORMAL { background: #d3f0d9; } .hm-MARGIN_CALL { background: #fbe7a6; } .hm-REDUCE_ONLY { background: #fcc9a4; }
.hm-FORCE_LIQUIDATION { background: #f5a3bf; } .hm-BANKRUPTED { background: #7a0d2a; color: #fff !important; }
.u-legend { font-size: 12.5px; }
.u-legend .u-marker { border-radius: 2px; }
`;
