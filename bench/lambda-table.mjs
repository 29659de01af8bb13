#!/usr/bin/env node
// The on-paper Lambda table (docs/serverless.md "Scale and cost, from measurements"), computed from
// measurements, not by hand: reads the JSON lines of `npm run bench:scale` (and, when present, of
// `node bench/memory-2y.mjs`) from the files named on the command line (default
// bench/results/scale-finish.jsonl and bench/results/memory-2y.jsonl) or from stdin (`-`), and prints a
// markdown table and one JSON line for
//   (a) 10,000 portfolios × 1 year  and  (b) 1,000,000 portfolios × 1 month  of 1-minute steps,
// plus the 50,000 × 1 day job of the "finishing step ≤ 5 % of the wall" figure.
// Run: npm run bench:lambda-table --silent [-- FILE...] [--batch-size 100]
//
// What is measured (bench/scale.mjs, on the development machine) and what is assumed (AWS's
// published limits and prices, us-east-1, December 2026) is said at each figure below.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { 'batch-size': { type: 'string', default: '100' } } });
const BATCH_SIZE = Number(opts['batch-size']);

// ---------- AWS: prices and limits (assumed, published) ----------
const AWS = {
  lambdaGbSecond: 0.0000133334, // arm64, first 6 billion GB-s a month, us-east-1
  lambdaRequest: 0.2 / 1e6,
  sfnTransition: 0.025 / 1000, // Standard workflows
  transitionsPerChild: 3, // a Distributed Map child execution: start, the ReplayBatch task, end
  s3Put: 0.005 / 1000, // PUT, COPY, POST, LIST
  s3Get: 0.0004 / 1000, // GET and the rest
  memoryMB: 2048, // serverless.yml: plan, replayBatch, merge
  lambdaTimeoutS: 900, // Lambda's maximum (replayBatch, merge)
  planTimeoutS: 300, // serverless.yml's plan timeout
  maxConcurrency: 1000, // serverless.yml param maxConcurrency (a Distributed Map allows up to 10,000)
  accountConcurrency: 1000, // default Lambda concurrency per account and region
  scaleUpPer10s: 1000, // Lambda adds up to 1,000 concurrent executions per function every 10 s
  s3GetMBps: 90, // one GetObject stream in-region (assumed; loopback here is not representative)
  stateInputBytes: 256 * 1024, // Step Functions state input/output
  lambdaPayloadBytes: 6 * 1024 * 1024, // synchronous invocation request/response
};
const MINUTES_PER_DAY = 1440;
const PRICE_ROWS_PER_MINUTE = 18 + 10 / 480; // the sample's 18 index/mark series a minute, 10 funding rows per 8 h

// ---------- the measurements ----------
function readLines() {
  const files = positionals.length > 0 ? positionals : ['bench/results/scale-finish.jsonl', 'bench/results/memory-2y.jsonl'].filter(existsSync);
  const text = files.map((f) => readFileSync(f === '-' ? 0 : f, 'utf8')).join('\n');
  return text.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
}

/** Least squares y = a + b·x over the points (a = 0, b = mean ratio with one point). */
function fitLine(points) {
  if (points.length === 1) return { a: 0, b: points[0].y / points[0].x };
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const b = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return { a: my - b * mx, b };
}

/** The measured run whose window (steps per portfolio) is nearest the scenario's, on a log scale. */
const nearest = (points, steps) => [...points].sort((x, y) => Math.abs(Math.log(x.steps / steps)) - Math.abs(Math.log(y.steps / steps)))[0];

function measuredFigures(lines) {
  // Only runs whose partials were counted apart from the worst side files (the finishing step that
  // reads nothing but _partials/); the earlier lines of bench/results/scale.jsonl measured the merge before it.
  const scale = lines.filter((l) => l.bench === 'scale' && l.replay.worstSideFilesBytes !== undefined);
  if (scale.length === 0) throw new Error('no bench:scale line: run npm run bench:scale --silent -- --append bench/results/scale-finish.jsonl');
  const memory = lines.filter((l) => l.bench === 'memory-2y').at(-1);
  const largest = [...scale].sort((x, y) => x.batches - y.batches).at(-1);
  // Per window (bench:scale runs, and the 2-year memory run: pmbt run --workers 1, one core):
  const windows = scale.map((s) => ({
    run: `scale ${s.portfolios}×${s.days}d`, steps: s.days * MINUTES_PER_DAY,
    // Replay: portfolio-steps per second of one core, over every batch's replayMs (one Lambda = one core).
    stepsPerCoreSecond: s.replay.portfolioStepsPerCoreSecond,
    // A warm batch besides its replay: read its batch file, encode and write its share (s per byte written).
    writeSecondsPerByte: (s.replay.batchMs.warmMedian - s.replay.batchMs.replayMedian) / 1000 / (s.replay.bytesWritten / s.batches),
    // Report bytes a portfolio writes per day of window (timeline at 1 h, events, portfolio line), and the timeline's share.
    reportBytesPerPortfolioDay: s.replay.reportBytes / (s.portfolios * s.days),
    timelineBytesPerPortfolioDay: s.replay.folders['timeline/'].bytes / (s.portfolios * s.days),
    partialBytesPerBatch: (s.replay.partialsBytes + s.replay.worstSideFilesBytes) / s.batches,
    // A batch's side files (its 10 worst portfolios' lines, timelines and events) per day of window.
    worstSideBytesPerBatchDay: s.replay.worstSideFilesBytes / (s.batches * s.days),
    replayRssMB: s.replay.maxRssMB,
  }));
  const replayRates = [...windows];
  if (memory) replayRates.push({ run: `memory-2y ${memory.portfolios}×${memory.days}d`, steps: memory.days * MINUTES_PER_DAY, stepsPerCoreSecond: Math.round(memory.run.portfolioSteps / (memory.run.timings.replayMs / 1000)) });
  return {
    windows, replayRates,
    // A cold Lambda's first batch beyond a warm one (bundle import, clients, the small prices' load): the largest run.
    coldExtraSeconds: (largest.replay.batchMs.coldMedian - largest.replay.batchMs.warmMedian) / 1000,
    // Loading prices (decode, market timeline) per row: pmbt run's load of 2 years (18.9 M rows) in one process.
    loadSecondsPerRow: memory ? memory.run.timings.loadMs / 1000 / memory.priceRows : 0,
    priceFileBytesPerRow: memory ? memory.pricesBytes / memory.priceRows : 21,
    // Peak RSS of the Lambda path (plan, replayBatch, merge in one process: pmbt run-via-handlers) with 2 years of prices and 100 portfolios.
    memoryPeakMB: memory?.viaHandlers.peakRssMB ?? null,
    memoryPriceRows: memory?.priceRows ?? null,
    memoryPortfolioDays: memory ? memory.portfolios * memory.days : null,
    // Plan: wall = a + b · portfolios (streams the portfolios into batch files, 16 writes at a time).
    plan: fitLine(scale.map((s) => ({ x: s.portfolios, y: s.plan.wallMs / 1000 }))),
    // Finishing step: wall = a + b · batches (every partial, 64 at a time), fitted over the runs. The
    // side files it also reads (the job's worst portfolios' batches, for report.html) were 0.2–1.3 MB
    // in the runs, too little to fit a rate to: they are added at the assumed S3 GET rate instead.
    merge: fitLine(scale.map((s) => ({ x: s.batches, y: s.merge.wallMs / 1000 }))),
    // How many batches' side files the finishing step reads (the worst portfolios' batches), at most: the largest run.
    worstBatchesRead: Math.max(...scale.map((s) => s.merge.bytesReadBeyondPartials / (s.replay.worstSideFilesBytes / s.batches))),
    // Finishing RSS = a + b · batches (the partials' reduction and the manifest's entries grow with them).
    mergeRss: fitLine(scale.map((s) => ({ x: s.batches, y: s.merge.maxRssMB }))),
    // S3 requests per batch, from the counting proxy (replayBatch; plan's batch files; the merge's partials).
    replayPutsPerBatch: (largest.replay.s3.requests.PUT ?? 0) / largest.batches,
    replayGetsPerBatch: ((largest.replay.s3.requests.GET ?? 0) + (largest.replay.s3.requests.HEAD ?? 0)) / largest.batches,
    planPutsPerBatch: (largest.plan.s3.requests.PUT ?? 0) / largest.batches,
    mergeGetsPerBatch: ((largest.merge.s3.requests.GET ?? 0) + (largest.merge.s3.requests.HEAD ?? 0)) / largest.batches,
  };
}

// ---------- the model ----------
function project(m, name, portfolios, days) {
  const steps = days * MINUTES_PER_DAY; // minute steps in the window
  const w = nearest(m.windows, steps);
  const rate = nearest(m.replayRates, steps);
  const priceRows = Math.ceil(steps * PRICE_ROWS_PER_MINUTE);
  const priceBytes = priceRows * m.priceFileBytesPerRow;
  const batches = Math.ceil(portfolios / BATCH_SIZE); // = manifest items = Map children (itemsPerBatch 1)
  const waves = Math.ceil(batches / Math.min(AWS.maxConcurrency, AWS.accountConcurrency));
  const lambdas = batches + 2; // invocations: every child, the plan, the merge
  const instances = Math.min(batches, AWS.maxConcurrency); // concurrent Lambdas; later waves reuse them warm
  // A batch: replay B·steps at the measured per-core rate, then write its report bytes at the measured rate.
  const batchBytes = BATCH_SIZE * days * w.reportBytesPerPortfolioDay;
  const warmBatchS = (BATCH_SIZE * steps) / rate.stepsPerCoreSecond + batchBytes * w.writeSecondsPerByte;
  // A cold start adds: GET the prices (assumed rate), load them (measured per row), the measured cold overhead.
  const loadS = priceBytes / (AWS.s3GetMBps * 1e6) + m.loadSecondsPerRow * priceRows;
  const coldBatchS = warmBatchS + m.coldExtraSeconds + loadS;
  // Plan: measured fit in portfolios, plus one load of the prices (it validates them as every batch will).
  const planS = m.plan.a + m.plan.b * portfolios + loadS;
  // Map: wave 1 cold, later waves warm; ramp-up at 1,000 more Lambdas per 10 s.
  const rampS = (Math.ceil(instances / AWS.scaleUpPer10s) - 1) * 10;
  const mapS = coldBatchS + (waves - 1) * warmBatchS + rampS;
  // Finishing step: every partial, and the side files of the batches holding the job's worst portfolios (report.html).
  const sideBatchBytes = days * w.worstSideBytesPerBatchDay;
  const mergeReadBeyondPartials = Math.min(batches, m.worstBatchesRead) * sideBatchBytes;
  const mergeS = m.merge.a + m.merge.b * batches + mergeReadBeyondPartials / (AWS.s3GetMBps * 1e6);
  const mergeMemoryMB = m.mergeRss.a + m.mergeRss.b * batches + mergeReadBeyondPartials / 1e6;
  const wallS = planS + mapS + mergeS;
  // Lambda cost: GB-s = memory × duration of every invocation (a cold batch once per instance).
  const gbS = (AWS.memoryMB / 1024) * (planS + instances * coldBatchS + (batches - instances) * warmBatchS + mergeS);
  const lambdaCost = gbS * AWS.lambdaGbSecond + lambdas * AWS.lambdaRequest;
  const sfnCost = (batches * AWS.transitionsPerChild + 6) * AWS.sfnTransition;
  const puts = batches * (m.replayPutsPerBatch + m.planPutsPerBatch) + 10;
  const gets = batches * (m.replayGetsPerBatch + m.mergeGetsPerBatch) + 10;
  const s3Cost = puts * AWS.s3Put + gets * AWS.s3Get;
  const bytesWritten = portfolios * days * w.reportBytesPerPortfolioDay + batches * w.partialBytesPerBatch;
  // Memory of a replayBatch: the measured 2-year peak (prices and a batch of 100 portfolios) scaled to
  // the window — its prices and its batch's results both grow with it — never below the nearest run's.
  const replayMemoryMB = m.memoryPeakMB === null ? w.replayRssMB : Math.max(w.replayRssMB, (m.memoryPeakMB * priceRows) / m.memoryPriceRows);
  // Hard limits (a step fails past them); the 1,000-Lambda concurrency only makes waves.
  const limits = [
    { limit: 'replayBatch 900 s timeout', used: coldBatchS, of: AWS.lambdaTimeoutS },
    { limit: 'plan 300 s timeout (serverless.yml)', used: planS, of: AWS.planTimeoutS },
    { limit: 'merge 900 s timeout', used: mergeS, of: AWS.lambdaTimeoutS },
    { limit: 'replayBatch 2,048 MB', used: replayMemoryMB, of: AWS.memoryMB },
    { limit: 'merge 2,048 MB', used: mergeMemoryMB, of: AWS.memoryMB },
    // Events and results are a few hundred bytes (the Map's results are dropped: ResultPath null);
    // the manifest is read by the ItemReader from S3, not passed as state.
    { limit: '256 KB state payload', used: 400, of: AWS.stateInputBytes },
  ].map((l) => ({ ...l, ratio: l.used / l.of }));
  const first = [...limits].sort((a, b) => b.ratio - a.ratio)[0];
  return {
    name, portfolios, days, steps, portfolioSteps: portfolios * steps, measuredWindow: w.run, measuredRate: rate.run, stepsPerCoreSecond: rate.stepsPerCoreSecond,
    priceRows, priceMB: priceBytes / 1e6, batchSize: BATCH_SIZE, batches, lambdas, waves,
    coldBatchS, warmBatchS, planS, mapS, mergeS, wallS, mergeShare: mergeS / wallS, mergeReadBeyondPartials, gbS, lambdaCost, sfnCost, s3Cost, cost: lambdaCost + sfnCost + s3Cost,
    puts, gets, bytesWritten, replayMemoryMB, mergeMemoryMB, limits, first,
  };
}

// ---------- output ----------
const fmtS = (s) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
const fmtB = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${(b / 1e6).toFixed(0)} MB`);
const usd = (x) => `$${x < 0.1 ? x.toFixed(3) : x.toFixed(2)}`;
const int = (n) => Math.round(n).toLocaleString('en-US');

function markdown(rows) {
  const line = (label, f) => `| ${label} | ${rows.map(f).join(' | ')} |`;
  return [
    `| | ${rows.map((r) => r.name).join(' | ')} |`,
    `|---|${rows.map(() => '---').join('|')}|`,
    line('portfolio-steps', (r) => r.portfolioSteps.toExponential(2)),
    line('prices (rows, Arrow)', (r) => `${(r.priceRows / 1e6).toFixed(2)} M, ${fmtB(r.priceMB * 1e6)}`),
    line(`batches of ${BATCH_SIZE} = Map children`, (r) => int(r.batches)),
    line('Lambda invocations', (r) => int(r.lambdas)),
    line('waves (MaxConcurrency 1,000)', (r) => int(r.waves)),
    line('batch: cold / warm', (r) => `${fmtS(r.coldBatchS)} / ${fmtS(r.warmBatchS)}`),
    line('plan', (r) => fmtS(r.planS)),
    line('map (ramp-up, waves)', (r) => fmtS(r.mapS)),
    line('finishing step (merge)', (r) => `${fmtS(r.mergeS)} (${(100 * r.mergeShare).toFixed(1)} % of wall; reads ${fmtB(r.mergeReadBeyondPartials)} beyond partials)`),
    line('**wall**', (r) => `**${fmtS(r.wallS)}**`),
    line('Lambda GB-s', (r) => int(r.gbS)),
    line('cost: Lambda + Step Functions + S3', (r) => `${usd(r.lambdaCost)} + ${usd(r.sfnCost)} + ${usd(r.s3Cost)} = **${usd(r.cost)}**`),
    line('S3 requests (PUT / GET)', (r) => `${int(r.puts)} / ${int(r.gets)}`),
    line('bytes written', (r) => fmtB(r.bytesWritten)),
    line('memory: replayBatch / merge (est.)', (r) => `${int(r.replayMemoryMB)} / ${int(r.mergeMemoryMB)} MB`),
    line('replay rate used (portfolio-steps/s/core)', (r) => `${(r.stepsPerCoreSecond / 1e6).toFixed(2)} M (${r.measuredRate})`),
    line('nearest limit', (r) => `${r.first.limit}: ${(100 * r.first.ratio).toFixed(0)} %${r.first.ratio > 1 ? ' — **exceeded**' : ''}`),
  ].join('\n');
}

/** Where each hard limit would be reached, from the same fits (batch size fixed, everything else as measured). */
function limitsAt(m) {
  return {
    // plan: a + b·P (+ a month of prices' load, small) = 300 s
    planTimeoutAtPortfolios: (AWS.planTimeoutS - m.plan.a) / m.plan.b,
    // merge: a + b·batches = 900 s (1-day windows: the worst batches' side files are small)
    mergeTimeoutAtBatches: (AWS.lambdaTimeoutS - m.merge.a) / m.merge.b,
    // replayBatch memory: the 2-year peak scaled by the window = 2,048 MB
    replayMemoryAtYears: m.memoryPeakMB === null ? null : (2 * AWS.memoryMB) / m.memoryPeakMB,
    // merge memory: a + b · batches = 2,048 MB (short windows)
    mergeMemoryAtBatches: (AWS.memoryMB - m.mergeRss.a) / m.mergeRss.b,
    // the merge's read of the worst batches' side files at the assumed GET rate: W · days · side bytes a batch-day = 900 s, in days of window
    mergeTimeoutAtDays: ((AWS.lambdaTimeoutS - m.merge.a) * AWS.s3GetMBps * 1e6) / (m.worstBatchesRead * Math.max(...m.windows.map((w) => w.worstSideBytesPerBatchDay))),
  };
}

const m = measuredFigures(readLines());
const rows = [project(m, '10⁴ × 1 year', 10_000, 365), project(m, '10⁶ × 1 month', 1_000_000, 30), project(m, '5·10⁴ × 1 day', 50_000, 1)];
const at = limitsAt(m);
console.log(markdown(rows));
console.log('');
console.log(`Where each limit would be reached (batches of ${BATCH_SIZE}): plan's 300 s at ${int(at.planTimeoutAtPortfolios)} portfolios; ` +
  `merge's 900 s at ${int(at.mergeTimeoutAtBatches)} batches (short windows) or a ${int(at.mergeTimeoutAtDays)}-day window (its read of the worst batches' side files); ` +
  `replayBatch's 2,048 MB at ${at.replayMemoryAtYears?.toFixed(1)} years of minute prices; merge's 2,048 MB at ${int(at.mergeMemoryAtBatches)} batches.`);
console.log('');
console.log(JSON.stringify({ bench: 'lambda-table', batchSize: BATCH_SIZE, aws: AWS, measured: m, rows, limitsAt: at }));
