/**
 * The script of report.html: reads the embedded data (script#pmbt-data) and draws the charts with
 * uPlot (inlined before it). Plain browser JavaScript kept as a string; the browser test
 * (test/report/browser.test.ts) runs it in Chromium. When done it sets window.__pmbtReport =
 * {ready, charts: {id: {series, markers, points}}} and the same counts as data-* attributes on each
 * chart's element, so tests (and curious readers) can check what was drawn.
 *
 * No template literals or backticks below: the text lives in a String.raw template.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var report = { ready: false, charts: {} };
  window.__pmbtReport = report;
  var data = JSON.parse(document.getElementById('pmbt-data').textContent);
  var T = data.thresholds;
  var ZONE = { bankrupt: '#7a0d2a', liquidation: '#d6336c', reduceOnly: '#e8590c', marginCall: '#d9a400', normal: '#2b8a3e' };
  var ZONE_NAMES = { bankrupt: 'Equity gone (uniMMR ≤ 0)', liquidation: 'Liquidation zone', reduceOnly: 'Reduce-only zone', marginCall: 'Margin-call zone', normal: 'Normal' };
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#ff7f0e', '#7f7f7f', '#393b79', '#637939'];
  var MARKER = {
    liquidation: { color: '#c92a2a', shape: 'diamond', size: 7 },
    bankruptcy: { color: '#000000', shape: 'square', size: 6 },
    worse: { color: '#e8590c', shape: 'down', size: 6 },
    better: { color: '#2b8a3e', shape: 'up', size: 6 },
    cancelled: { color: '#5b6576', shape: 'circle', size: 4.5 }
  };
  var SEVERITY = { NORMAL: 0, MARGIN_CALL: 1, REDUCE_ONLY: 2, FORCE_LIQUIDATION: 3, BANKRUPTED: 4 };
  var charts = [];
  // A timeline value is the lowest of its interval, so it is drawn across the interval: each value
  // twice, at the interval's start and just before its end (a line that ends still shows its last
  // interval, and a gap stays a gap).
  var STEP_XS = [];
  data.grid.times.forEach(function (t) { STEP_XS.push(secs(t), secs(t + data.grid.intervalMs) - 0.001); });
  function stepValues(arr) {
    var out = [];
    arr.forEach(function (v) { out.push(v, v); });
    return out;
  }
  var fullRange = false;

  function tzDate(ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); }
  function secs(ms) { return ms / 1000; }
  function widthOf(el) { return Math.max(360, Math.floor(el.getBoundingClientRect().width)); }
  function fmtNum(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    return v.toFixed(digits === undefined ? (a >= 100 ? 0 : a >= 10 ? 1 : 3) : digits);
  }
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function pad2(n) { return n < 10 ? '0' + n : String(n); }
  function dayOf(d) { return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate(); }
  function hourOf(d) { return pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()); }
  // "2024-03-10 15:00 UTC" for legends.
  function fullTime(ts) {
    if (ts === null || ts === undefined) return '–';
    var iso = new Date(ts * 1000).toISOString();
    return iso.slice(0, 10) + ' ' + iso.slice(11, 16) + ' UTC';
  }
  function timeTicks(u, splits, axisIdx, space, incr) {
    return splits.map(function (ts, i) {
      var d = new Date(ts * 1000);
      if (incr >= 86400) return dayOf(d);
      var hm = hourOf(d);
      return hm === '00:00' || i === 0 ? hm + '\n' + dayOf(d) : hm;
    });
  }
  function timeAxis() {
    return { label: 'Time (UTC)', labelSize: 20, size: 46, values: timeTicks, stroke: '#1d2430', grid: { stroke: '#eef0f4' }, ticks: { stroke: '#d9dee7' } };
  }
  // On the step charts the cursor names the interval it is in.
  var TIME_SERIES = { label: 'Interval (UTC)', value: function (u, ts) {
    if (ts === null || ts === undefined) return '–';
    var i = gridIndexOf(ts * 1000);
    return i < 0 ? fullTime(ts) : fullTime(secs(data.grid.times[i])) + ' + ' + fmtInterval(data.grid.intervalMs);
  } };
  function fmtInterval(ms) {
    return ms % 86400000 === 0 ? ms / 86400000 + 'd' : ms % 3600000 === 0 ? ms / 3600000 + 'h' : ms % 60000 === 0 ? ms / 60000 + 'm' : ms / 1000 + 's';
  }

  // The part of the grid worth looking at: where a line is at or below the axis top, or a marker
  // sits, with some context either side; null when that is most of the window anyway.
  function findFocus(values, markers, top) {
    var times = data.grid.times, n = times.length, lo = n, hi = -1;
    values.forEach(function (arr) { arr.forEach(function (v, i) { if (v !== null && v <= top) { lo = Math.min(lo, i); hi = Math.max(hi, i); } }); });
    markers.forEach(function (m) { var i = gridIndexOf(m.x * 1000); if (i >= 0) { lo = Math.min(lo, i); hi = Math.max(hi, i); } });
    if (hi < 0) return null;
    var pad = Math.max(12, hi - lo + 1);
    lo = Math.max(0, lo - pad);
    hi = Math.min(n - 1, hi + pad);
    if (hi - lo + 1 > 0.6 * n) return null;
    return [secs(times[lo]), secs(times[hi])];
  }

  // The grid interval a time falls in (-1 outside the grid).
  function gridIndexOf(ms) {
    var g = data.grid;
    var i = Math.floor((ms - g.times[0]) / g.intervalMs);
    return i >= 0 && i < g.times.length ? i : -1;
  }
  function markerKind(e) {
    if (e.type === 'liquidation') return 'liquidation';
    if (e.type === 'bankruptcy') return 'bankruptcy';
    if (e.type === 'riskLevelChange') return SEVERITY[e.to] > SEVERITY[e.from] ? 'worse' : 'better';
    return 'cancelled';
  }
  // Markers of a portfolio: every event with a uniMMR, except the status it starts in, at its own time.
  function markersOf(p, seriesIdx) {
    var out = [];
    p.events.forEach(function (e) {
      if (e.uniMMR === null || (e.type === 'riskLevelChange' && e.from === undefined)) return;
      var i = gridIndexOf(e.time);
      if (i < 0) return;
      out.push({ x: secs(e.time), y: e.uniMMR, kind: markerKind(e), series: seriesIdx });
    });
    return out;
  }

  function drawShape(ctx, shape, x, y, r) {
    ctx.beginPath();
    if (shape === 'diamond') { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); }
    else if (shape === 'square') { ctx.rect(x - r, y - r, 2 * r, 2 * r); }
    else if (shape === 'down') { ctx.moveTo(x - r, y - r * 0.8); ctx.lineTo(x + r, y - r * 0.8); ctx.lineTo(x, y + r); }
    else if (shape === 'up') { ctx.moveTo(x - r, y + r * 0.8); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x, y - r); }
    else { ctx.arc(x, y, r, 0, 2 * Math.PI); }
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }

  // Status bands behind the series, threshold lines and labels, and event markers on top.
  function bandsAndMarkers(markers, stat) {
    function clip(u) {
      var b = u.bbox, ctx = u.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.left, b.top, b.width, b.height);
      ctx.clip();
      return ctx;
    }
    return {
      hooks: {
        drawClear: [function (u) {
          var b = u.bbox, ctx = clip(u);
          var zones = [[null, T.liquidation, 'rgba(214,51,108,0.16)'], [T.liquidation, T.reduceOnly, 'rgba(232,89,12,0.14)'], [T.reduceOnly, T.marginCall, 'rgba(217,164,0,0.15)']];
          zones.forEach(function (z) {
            var top = u.valToPos(z[1], 'y', true);
            var bottom = z[0] === null ? b.top + b.height : u.valToPos(z[0], 'y', true);
            ctx.fillStyle = z[2];
            ctx.fillRect(b.left, top, b.width, bottom - top);
          });
          ctx.restore();
        }],
        draw: [function (u) {
          var b = u.bbox, ctx = clip(u), dpr = devicePixelRatio || 1;
          var lines = [[T.marginCall, 'margin call', ZONE.marginCall], [T.reduceOnly, 'reduce-only', ZONE.reduceOnly], [T.liquidation, 'liquidation', ZONE.liquidation]];
          ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
          ctx.textBaseline = 'bottom';
          var prev = null;
          lines.forEach(function (l, i) {
            var y = Math.round(u.valToPos(l[0], 'y', true)) + 0.5;
            ctx.strokeStyle = l[2];
            ctx.lineWidth = dpr;
            ctx.setLineDash([5 * dpr, 4 * dpr]);
            ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
            ctx.setLineDash([]);
            var text = l[0] + ' ' + l[1];
            var w = ctx.measureText(text).width;
            var x = b.left + b.width - w - 8 * dpr;
            var ty = i === 2 ? y + 13 * dpr : y - 2 * dpr;
            // Labels of thresholds drawn close together go side by side instead of on top of each other.
            if (prev && Math.abs(ty - prev.y) < 13 * dpr) x = Math.min(x, prev.x - w - 14 * dpr);
            prev = { x: x, y: ty };
            ctx.strokeStyle = 'rgba(255,255,255,0.9)';
            ctx.lineWidth = 3 * dpr;
            ctx.lineJoin = 'round';
            ctx.strokeText(text, x, ty);
            ctx.fillStyle = l[2];
            ctx.fillText(text, x, ty);
          });
          var drawn = 0;
          markers.forEach(function (m) {
            if (!u.series[m.series].show) return;
            var spec = MARKER[m.kind];
            var r = spec.size * dpr;
            var x = u.valToPos(m.x, 'x', true);
            // Off the axis: pinned just inside the edge it left by.
            var y = Math.min(Math.max(u.valToPos(m.y, 'y', true), b.top + r), b.top + b.height - r);
            ctx.fillStyle = spec.color;
            ctx.strokeStyle = '#ffffff';
            ctx.lineWidth = 1.2 * dpr;
            drawShape(ctx, spec.shape, x, y, r);
            drawn++;
          });
          ctx.restore();
          stat.markers = drawn;
          if (u.root.parentNode) u.root.parentNode.setAttribute('data-markers', String(drawn));
        }]
      }
    };
  }

  function uniMMRScale(values) {
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (arr) { arr.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    if (lo === Infinity) { lo = 0; hi = 3; }
    if (fullRange) return { distr: 4, asinh: 1, range: function () { return [Math.min(lo, 0) - 0.05, Math.max(hi, T.marginCall * 2) * 1.05]; } };
    var top = focusTop();
    // Below −1 the equity is long gone: lines leave through the bottom, markers are pinned to it.
    var bottom = Math.max(Math.min(0, lo), -1);
    return { range: function () { return [bottom - (top - bottom) * 0.04, top]; } };
  }

  function register(el, id, u, stat) {
    stat.series = u.series.length - 1;
    stat.points = stat.points || u.data[0].length;
    report.charts[id] = stat;
    el.setAttribute('data-series', String(stat.series));
    el.setAttribute('data-markers', String(stat.markers || 0));
    charts.push({ el: el, u: u });
  }

  function focusTop() { return Math.max(3, T.marginCall * 2); }

  // Charts of one portfolio zoom together: once drawn, a chart's x range is handed to the others.
  function linkPlugin(link) {
    function share(u) {
      var x = u.scales.x;
      link.charts.forEach(function (o) {
        if (o !== u && (o.scales.x.min !== x.min || o.scales.x.max !== x.max)) o.setScale('x', { min: x.min, max: x.max });
      });
    }
    return { hooks: {
      ready: [function (u) { share(u); link.charts.push(u); }],
      destroy: [function (u) { link.charts = link.charts.filter(function (o) { return o !== u; }); }],
      setScale: [function (u, key) { if (key === 'x' && link.charts.indexOf(u) >= 0) share(u); }]
    } };
  }
  var links = {};
  function linkOf(rank) { return links[rank] || (links[rank] = { charts: [], busy: false }); }

  function uniMMRChart(el, id, portfolios, height, syncKey, note, link) {
    el.innerHTML = '';
    var stat = { markers: 0 };
    var markers = [];
    portfolios.forEach(function (p, i) { markers = markers.concat(markersOf(p, i + 1)); });
    var series = [TIME_SERIES];
    portfolios.forEach(function (p, i) {
      var color = portfolios.length === 1 ? '#1f77b4' : PALETTE[i % PALETTE.length];
      series.push({ label: p.portfolioId, stroke: color, width: 1.6, spanGaps: false, points: { show: false }, value: function (u, v) { return v === null ? '–' : v.toFixed(3); } });
    });
    var opts = {
      width: widthOf(el), height: height,
      tzDate: tzDate,
      cursor: syncKey ? { sync: { key: syncKey } } : {},
      scales: { x: { time: true }, y: uniMMRScale(portfolios.map(function (p) { return p.uniMMR; })) },
      hooks: {},
      axes: [timeAxis(), { label: height >= 300 ? 'uniMMR (equity ÷ maintenance margin)' : 'uniMMR', labelSize: 20, size: 56, grid: { stroke: '#eef0f4' }, ticks: { stroke: '#d9dee7' } }],
      series: series,
      plugins: [bandsAndMarkers(markers, stat)].concat(link ? [linkPlugin(link)] : [])
    };
    var focus = findFocus(portfolios.map(function (p) { return p.uniMMR; }), markers, fullRange ? Infinity : focusTop());
    // The initial x range; a double-click goes back to the whole backtest.
    if (focus) { opts.scales.x.min = focus[0]; opts.scales.x.max = focus[1]; }
    if (note) {
      note.textContent = focus
        ? 'Zoomed to ' + fullTime(focus[0]) + ' – ' + fullTime(focus[1]) + ', where ' + (portfolios.length === 1 ? 'it' : 'these portfolios') + ' came closest; double-click the chart for the whole backtest.'
        : '';
    }
    var u = new uPlot(opts, [STEP_XS].concat(portfolios.map(function (p) { return stepValues(p.uniMMR); })), el);
    stat.points = data.grid.times.length;
    stat.markersPlaced = markers.length;
    register(el, id, u, stat);
    return focus;
  }

  function equityChart(el, id, p, syncKey, link, focus) {
    el.innerHTML = '';
    var usd = function (u, v) { return v === null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: 2 }) + ' USD'; };
    var u = new uPlot({
      width: widthOf(el), height: 230, tzDate: tzDate,
      cursor: { sync: { key: syncKey } },
      scales: { x: focus ? { time: true, min: focus[0], max: focus[1] } : { time: true } },
      axes: [timeAxis(), { label: 'USD', labelSize: 20, size: 64, values: function (u, vals) { return vals.map(function (v) { return fmtNum(v, 0); }); }, grid: { stroke: '#eef0f4' } }],
      series: [
        TIME_SERIES,
        { label: 'Account equity (after collateral haircuts)', stroke: '#1f77b4', width: 1.6, points: { show: false }, value: usd },
        { label: 'Actual equity (no haircuts)', stroke: '#74a9cf', width: 1.2, dash: [6, 4], points: { show: false }, value: usd },
        { label: 'Maintenance margin', stroke: '#c92a2a', width: 1.6, points: { show: false }, value: usd }
      ],
      plugins: [linkPlugin(link)]
    }, [STEP_XS, stepValues(p.accountEquity), stepValues(p.actualEquity), stepValues(p.maintMargin)], el);
    register(el, id, u, { markers: 0, points: data.grid.times.length });
  }

  function distributionChart(el) {
    var bins = data.distribution;
    var xs = bins.map(function (_, i) { return i; });
    var zones = ['bankrupt', 'liquidation', 'reduceOnly', 'marginCall', 'normal'];
    var present = zones.filter(function (z) { return bins.some(function (b) { return b.zone === z; }); });
    var bars = uPlot.paths.bars({ size: [0.82, 90], align: 0 });
    var series = [{ label: 'Lowest uniMMR' , value: function (u, i) { return i === null ? '–' : bins[i].label; } }];
    var ys = [];
    present.forEach(function (z) {
      series.push({ label: ZONE_NAMES[z], fill: ZONE[z], stroke: ZONE[z], width: 0, paths: bars, points: { show: false }, value: function (u, v) { return v === null ? '–' : v + ' portfolios'; } });
      ys.push(bins.map(function (b) { return b.zone === z ? b.count : null; }));
    });
    var stat = { markers: 0 };
    var maxCount = Math.max.apply(null, bins.map(function (b) { return b.count; }).concat([1]));
    var u = new uPlot({
      width: widthOf(el), height: 300,
      scales: { x: { time: false, range: [-0.6, bins.length - 0.4] }, y: { range: [0, maxCount * 1.15] } },
      axes: [
        { label: 'Lowest uniMMR the portfolio reached (bins include their upper edge)', labelSize: 20, splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return bins[i] ? bins[i].label : ''; }); }, grid: { show: false } },
        { label: 'Portfolios', labelSize: 20, size: 52, grid: { stroke: '#eef0f4' } }
      ],
      series: series,
      plugins: [{ hooks: { draw: [function (u) {
        var ctx = u.ctx, dpr = devicePixelRatio || 1;
        ctx.save();
        ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
        ctx.fillStyle = '#1d2430';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'bottom';
        bins.forEach(function (b, i) {
          if (b.count === 0) return;
          ctx.fillText(String(b.count), u.valToPos(i, 'x', true), u.valToPos(b.count, 'y', true) - 3 * dpr);
        });
        ctx.restore();
      }] } }]
    }, [xs].concat(ys), el);
    register(el, 'distribution', u, stat);
  }

  function statusChart(el) {
    var s = data.statusOverTime;
    var xs = data.grid.times.map(secs);
    var stepped = uPlot.paths.stepped({ align: 1 });
    var count = function (u, v) { return v === null ? '–' : String(v); };
    var u = new uPlot({
      width: widthOf(el), height: 260, tzDate: tzDate,
      scales: { x: { time: true }, y: { range: function (u, lo, hi) { return [0, Math.max(4, hi * 1.1)]; } } },
      axes: [timeAxis(), { label: 'Portfolios', labelSize: 20, size: 52, grid: { stroke: '#eef0f4' } }],
      series: [
        { label: 'Interval start (UTC)', value: function (u, ts) { return fullTime(ts); } },
        { label: 'In margin call', stroke: ZONE.marginCall, width: 1.8, paths: stepped, value: count },
        { label: 'Reduce-only', stroke: ZONE.reduceOnly, width: 1.8, paths: stepped, value: count },
        { label: 'In liquidation', stroke: ZONE.liquidation, width: 1.8, paths: stepped, value: count },
        { label: 'Liquidations', stroke: '#1d2430', fill: 'rgba(29,36,48,0.25)', width: 0, paths: uPlot.paths.bars({ size: [0.9, 14], align: 1 }), points: { show: false }, value: count },
        { label: 'Bankruptcies', stroke: ZONE.bankrupt, fill: 'rgba(122,13,42,0.6)', width: 0, paths: uPlot.paths.bars({ size: [0.6, 8], align: 1 }), points: { show: false }, value: count }
      ]
    }, [xs, s.marginCall, s.reduceOnly, s.forceLiquidation, s.liquidations, s.bankruptcies], el);
    register(el, 'status', u, { markers: 0 });
  }

  // uniMMR against the shock of every non-stablecoin at the start, one line per worst portfolio
  // that has its start curve; thresholds as on the timelines.
  function startRiskChart() {
    var el = document.getElementById('chart-start-risk');
    if (!el) return;
    el.innerHTML = '';
    var withCurve = data.worst.filter(function (p) { return p.startRisk; });
    if (withCurve.length === 0) return;
    var xs = axisShocks(withCurve[0].startRisk.curve);
    var series = [{ label: 'Shock of every non-stablecoin', value: function (u, v) { return v === null ? '–' : (v > 0 ? '+' : '') + v + ' %'; } }];
    withCurve.forEach(function (p) {
      var color = PALETTE[data.worst.indexOf(p) % PALETTE.length];
      series.push({ label: p.portfolioId, stroke: color, width: 1.6, spanGaps: false, points: { show: false }, value: function (u, v) { return v === null ? '–' : v.toFixed(3); } });
    });
    var stat = { markers: 0 };
    var u = new uPlot({
      width: widthOf(el), height: 360,
      scales: { x: { time: false }, y: uniMMRScale(withCurve.map(function (p) { return p.startRisk.curve.uniMMR; })) },
      axes: [
        { label: 'Shock of every non-stablecoin asset from the start prices (%)', labelSize: 20, values: function (u, vals) { return vals.map(function (v) { return (v > 0 ? '+' : '') + v + ' %'; }); }, grid: { stroke: '#eef0f4' }, ticks: { stroke: '#d9dee7' } },
        { label: 'uniMMR', labelSize: 20, size: 56, grid: { stroke: '#eef0f4' }, ticks: { stroke: '#d9dee7' } }
      ],
      series: series,
      plugins: [bandsAndMarkers([], stat)]
    }, [xs].concat(withCurve.map(function (p) { return p.startRisk.curve.uniMMR; })), el);
    register(el, 'startRisk', u, stat);
  }

  // The selected portfolio's risk matrices: HTML tables, each cell coloured by its status (a digit,
  // an index into STATUSES) and showing its uniMMR. Counted in report.heatMaps for the tests.
  var STATUSES = ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED'];
  var STATUS_WORDS = ['normal', 'margin call', 'reduce-only', 'liquidation', 'bankrupt'];
  report.heatMaps = {};
  // An axis of the start risk: rangePct × (i − half) / half, as the batch evaluated it (axisShocksPct).
  function axisShocks(a) {
    var half = (a.points - 1) / 2, out = [];
    for (var i = 0; i < a.points; i++) out.push(Number((a.rangePct * (i - half) / half).toPrecision(6)));
    return out;
  }
  function pctLabel(v) { return (v > 0 ? '+' : v < 0 ? '−' : '') + Math.abs(v) + ' %'; }
  function cellText(v) { return v === null ? '–' : Math.abs(v) < 10 ? v.toFixed(2) : Math.abs(v) < 1000 ? v.toFixed(1) : v.toExponential(1); }
  function heatTable(title, m, shocks) {
    var box = document.createElement('div');
    var h = document.createElement('h5');
    h.textContent = title;
    box.appendChild(h);
    var table = document.createElement('table');
    table.className = 'heat';
    var head = document.createElement('tr');
    var corner = document.createElement('th');
    corner.className = 'l';
    corner.textContent = m.rows + ' ↓ · ' + m.cols + ' →';
    head.appendChild(corner);
    shocks.forEach(function (c) { var th = document.createElement('th'); th.textContent = pctLabel(c); head.appendChild(th); });
    var thead = document.createElement('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    var body = document.createElement('tbody');
    var n = shocks.length, cells = 0;
    // Rows from the highest leader move down, so a fall reads downwards.
    for (var i = n - 1; i >= 0; i--) {
      var tr = document.createElement('tr');
      var th = document.createElement('th');
      th.textContent = pctLabel(shocks[i]);
      tr.appendChild(th);
      for (var j = 0; j < n; j++) {
        var code = Number(m.status.charAt(i * n + j));
        var td = document.createElement('td');
        td.className = 'hm-' + STATUSES[code];
        td.title = STATUS_WORDS[code] + ': ' + m.rows + ' ' + pctLabel(shocks[i]) + ', ' + m.cols + ' ' + pctLabel(shocks[j]);
        td.textContent = cellText(m.uniMMR[i][j]);
        tr.appendChild(td);
        cells++;
      }
      body.appendChild(tr);
    }
    table.appendChild(body);
    box.appendChild(table);
    return { el: box, cells: cells };
  }
  function heatMaps(rank) {
    var p = data.worst[rank], el = document.getElementById('heat-p' + rank);
    if (!el || !p.startRisk) return;
    var m = p.startRisk.matrices;
    var a = heatTable('Leader × the others', m.leaderOthers, axisShocks(m));
    var b = heatTable('Leader × depeg', m.leaderDepeg, axisShocks(m));
    el.innerHTML = '';
    el.appendChild(a.el);
    el.appendChild(b.el);
    report.heatMaps[rank] = { tables: 2, cells: a.cells + b.cells };
    el.setAttribute('data-cells', String(a.cells + b.cells));
  }

  var rendered = {};
  function renderPortfolio(rank) {
    var p = data.worst[rank];
    if (!p || rendered[rank]) return;
    rendered[rank] = true;
    var focus = uniMMRChart(document.getElementById('chart-p' + rank + '-unimmr'), 'portfolio-' + rank + '-unimmr', [p], 240, 'p' + rank, document.getElementById('zoom-p' + rank), linkOf(rank));
    equityChart(document.getElementById('chart-p' + rank + '-equity'), 'portfolio-' + rank + '-equity', p, 'p' + rank, linkOf(rank), focus);
    heatMaps(rank);
  }
  function selectPortfolio(rank, scroll) {
    var articles = document.querySelectorAll('article.portfolio');
    articles.forEach(function (a) { a.hidden = a.getAttribute('data-rank') !== String(rank); });
    document.querySelectorAll('tr[data-rank]').forEach(function (tr) { tr.classList.toggle('sel', tr.getAttribute('data-rank') === String(rank)); });
    var pick = document.getElementById('portfolio-pick');
    if (pick) pick.value = String(rank);
    renderPortfolio(rank);
    if (scroll) document.getElementById('drilldown').scrollIntoView({ behavior: 'smooth' });
  }

  function renderWorst() {
    var el = document.getElementById('chart-worst');
    if (!el || data.worst.length === 0) return;
    uniMMRChart(el, 'worst', data.worst, 420, null, document.getElementById('zoom-worst'));
  }

  function rerenderUniMMR() {
    charts = charts.filter(function (c) {
      var keep = !/unimmr|^chart-worst$|^chart-start-risk$/.test(c.el.id);
      if (!keep) c.u.destroy();
      return keep;
    });
    renderWorst();
    startRiskChart();
    Object.keys(rendered).forEach(function (rank) {
      var p = data.worst[rank];
      var link = linkOf(rank);
      uniMMRChart(document.getElementById('chart-p' + rank + '-unimmr'), 'portfolio-' + rank + '-unimmr', [p], 240, 'p' + rank, document.getElementById('zoom-p' + rank), link);
    });
  }

  distributionChart(document.getElementById('chart-distribution'));
  statusChart(document.getElementById('chart-status'));
  renderWorst();
  startRiskChart();
  if (data.worst.length > 0) selectPortfolio(0, false);

  document.querySelectorAll('tr[data-rank]').forEach(function (tr) {
    tr.addEventListener('click', function () { selectPortfolio(Number(tr.getAttribute('data-rank')), true); });
  });
  var pick = document.getElementById('portfolio-pick');
  if (pick) pick.addEventListener('change', function () { selectPortfolio(Number(pick.value), false); });
  var toggle = document.getElementById('full-range');
  if (toggle) toggle.addEventListener('change', function () { fullRange = toggle.checked; rerenderUniMMR(); });
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (c) { if (c.el.offsetParent !== null) c.u.setSize({ width: widthOf(c.el), height: c.u.height }); });
    }, 100);
  });
  // uPlot draws in a microtask after each chart is made: report ready once everything has drawn.
  setTimeout(function () {
    report.ready = true;
    document.body.setAttribute('data-ready', 'true');
  }, 0);
})();
`;
