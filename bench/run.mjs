#!/usr/bin/env node
// Benchmark (docs/performance.md): prints one JSON line of figures. Run: npm run bench --silent
// Sizes: PMBT_BENCH_PORTFOLIOS (default 1000), PMBT_BENCH_STEPS (default 10,080: a week of minutes),
// PMBT_BENCH_LEGS (positions per portfolio, default 4), PMBT_BENCH_FUNDING=0 (no funding rows: what
// the replay costs without a funding payment every 8 hours on every leg), PMBT_BENCH_SPEC (JSON merged
// into the job's spec, e.g. '{"risk":{"distance":false}}'). Everything on one core.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dec } from '../dist/domain/decimal.js';
import { createFastBatch, findPortfolioCapacity, loadPortfolio } from '../dist/engine/fast/batch.js';
import { calculateAccountSnapshots } from '../dist/engine/fast/snapshot.js';
import { NORMAL } from '../dist/engine/fast/status.js';
import { flattenRuleTables } from '../dist/engine/fast/tables.js';
import { calculateAccountSnapshot as exactSnapshot } from '../dist/engine/exact/snapshot.js';
import { writeSeriesArrow } from '../dist/io/arrow/series.js';
import { parsePortfolio } from '../dist/io/json/portfolio.js';
import { parseJobSpec } from '../dist/batch/job.js';
import { runJobLocally } from '../dist/batch/local-runner.js';
import { buildBatchContext } from '../dist/batch/context.js';
import { replayBatch } from '../dist/batch/run-batch.js';
import { buildMarketTimeline, seriesKey } from '../dist/replay/market-timeline.js';
import { ExactPriceBook } from '../dist/replay/step-market.js';
import { buildRulesTimeline } from '../dist/rules/build.js';
import { readDefaultRuleDocuments } from '../dist/io/rules-files.js';
import { makeBenchJob, readBenchSpecExtras } from './bench-job.mjs';

const PORTFOLIOS = Number(process.env.PMBT_BENCH_PORTFOLIOS ?? 1000);
const STEPS = Number(process.env.PMBT_BENCH_STEPS ?? 10_080);
const LEGS = Number(process.env.PMBT_BENCH_LEGS ?? 4);
const FUNDING = process.env.PMBT_BENCH_FUNDING !== '0';
const T0 = Date.UTC(2024, 2, 1);

const { series, docs } = makeBenchJob({ PORTFOLIOS, STEPS, LEGS, FUNDING, T0 });

const rules = buildRulesTimeline(await readDefaultRuleDocuments());
const timeline = buildMarketTimeline(series, { stalenessMs: 3_600_000 });
const portfolios = docs.map((d) => parsePortfolio(d, rules.base));
const positionsPerPortfolio = LEGS;

// 1. The kernel alone: every portfolio at every step, one core.
const capacities = portfolios.map(findPortfolioCapacity);
const batch = createFastBatch(flattenRuleTables(rules.base), capacities);
const seriesId = (kind, name) => timeline.seriesIds.get(seriesKey(kind, name)) ?? -1;
portfolios.forEach((p, i) => loadPortfolio(batch, i, p, rules.base, seriesId, capacities[i]));
const steps = timeline.stepTimes.length;
// The replay's own use of the kernel: spans of quiet steps (a stop — a status change or a step near
// a threshold — goes on from the next step here, where the replay would confirm it exactly).
function runKernel(portfolioCount = PORTFOLIOS) {
  let quietSteps = 0;
  for (let p = 0; p < portfolioCount; p++) {
    for (let k = 0; k < steps; ) {
      const stop = calculateAccountSnapshots(batch, p, timeline, k, steps, NORMAL);
      quietSteps += stop - k;
      k = stop === k ? k + 1 : stop;
    }
  }
  return quietSteps;
}
// A warm-up pass over a few portfolios first, as a job's first batch gives the JIT: the figure is
// the kernel's running speed, not its compile time.
runKernel(Math.min(50, PORTFOLIOS));
const k0 = process.hrtime.bigint();
const checksum = runKernel();
const kernelSec = Number(process.hrtime.bigint() - k0) / 1e9;
const fastPositionStepsPerSec = (PORTFOLIOS * steps * positionsPerPortfolio) / kernelSec;

// 2. The exact engine on a sample of the same work.
const book = new ExactPriceBook(timeline);
const exactPortfolios = Math.min(50, PORTFOLIOS);
const exactSteps = Math.min(40, steps);
const e0 = process.hrtime.bigint();
for (let p = 0; p < exactPortfolios; p++) for (let k = 0; k < exactSteps; k++) exactSnapshot(portfolios[p], book.marketAt(k), rules.base);
const exactSec = Number(process.hrtime.bigint() - e0) / 1e9;
const exactPositionStepsPerSec = (exactPortfolios * exactSteps * positionsPerPortfolio) / exactSec;

// 3. The replay alone (fast kernel + exact decisions + events and timeline in memory), no I/O.
const ctx = buildBatchContext(parseJobSpec({ jobId: 'bench', prices: 'memory', portfolios: 'memory' }), writeSeriesArrow(series), await readDefaultRuleDocuments());
const r0 = process.hrtime.bigint();
let replaySteps = 0;
for (let i = 0; i < docs.length; i += 250) replaySteps += replayBatch(ctx, i / 250, docs.slice(i, i + 250).map((doc, j) => ({ index: i + j, doc }))).steps;
const replayOnlyPortfolioStepsPerSec = replaySteps / (Number(process.hrtime.bigint() - r0) / 1e9);

// 4. End to end: `pmbt run`'s code path (read, replay, write, merge) on one worker.
const dir = mkdtempSync(join(tmpdir(), 'pmbt-bench-'));
writeFileSync(join(dir, 'prices.arrow'), writeSeriesArrow(series));
writeFileSync(join(dir, 'portfolios.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
const spec = parseJobSpec({ jobId: 'bench', prices: join(dir, 'prices.arrow'), portfolios: join(dir, 'portfolios.jsonl'), output: join(dir, 'out'), batchSize: 250, ...readBenchSpecExtras() });
const run = await runJobLocally(spec, { workers: 1 });
rmSync(dir, { recursive: true, force: true });
const e2eSec = run.timings.totalMs / 1000;
const endToEndPortfolioStepsPerSec = run.totals.portfolioSteps / e2eSec;

console.log(JSON.stringify({
  fastPositionStepsPerSec: Math.round(fastPositionStepsPerSec),
  exactPositionStepsPerSec: Math.round(exactPositionStepsPerSec),
  fastOverExact: Math.round(fastPositionStepsPerSec / exactPositionStepsPerSec),
  endToEndPortfolioStepsPerSec: Math.round(endToEndPortfolioStepsPerSec),
  endToEndPositionStepsPerSec: Math.round(endToEndPortfolioStepsPerSec * positionsPerPortfolio),
  kernelOverEndToEnd: +(fastPositionStepsPerSec / (endToEndPortfolioStepsPerSec * positionsPerPortfolio)).toFixed(2),
  replayOnlyPortfolioStepsPerSec: Math.round(replayOnlyPortfolioStepsPerSec),
  replayOnlyOverEndToEnd: +(replayOnlyPortfolioStepsPerSec / endToEndPortfolioStepsPerSec).toFixed(2),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  portfolios: PORTFOLIOS,
  steps,
  positionsPerPortfolio,
  funding: FUNDING,
  exactSample: { portfolios: exactPortfolios, steps: exactSteps },
  endToEnd: { seconds: +e2eSec.toFixed(2), replaySeconds: run.timings.replayMs / 1000, liquidated: run.totals.liquidated },
  node: process.version,
  checksum,
}));
