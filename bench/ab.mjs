#!/usr/bin/env node
// A/B of the bench's end-to-end part (docs/performance.md "End to end"): `pmbt run`'s code path
// (runJobLocally, one worker) on the bench's job, alternating two builds in one process, so that a
// machine whose load changes from minute to minute weighs on both alike. Prints one JSON line per
// build: CPU (user + sys) and wall time per run, and their medians without each build's first run
// (the JIT's warm-up); then the median ratio of the two builds' runs round by round.
//   node bench/ab.mjs <baseline checkout> [rounds]
// <baseline checkout>: a folder holding the other build's dist/ (and node_modules/, data/rules/), e.g.
//   git worktree add /tmp/base <commit> && (cd /tmp/base && ln -s $PWD/node_modules . && npm run build)
// Sizes as bench/run.mjs's (PMBT_BENCH_PORTFOLIOS, PMBT_BENCH_STEPS, PMBT_BENCH_LEGS, PMBT_BENCH_FUNDING), and PMBT_BENCH_SPEC.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBenchJob, readBenchSpecExtras } from './bench-job.mjs';

const [baseline, roundsArg] = process.argv.slice(2);
if (baseline === undefined) {
  console.error('usage: node bench/ab.mjs <baseline checkout> [rounds]');
  process.exit(2);
}
const builds = { baseline: resolve(baseline), this: fileURLToPath(new URL('..', import.meta.url)) };
const ROUNDS = Number(roundsArg ?? 6);
const load = async (root) => ({
  series: await import(join(root, 'dist/io/arrow/series.js')),
  job: await import(join(root, 'dist/batch/job.js')),
  runner: await import(join(root, 'dist/batch/local-runner.js')),
});
const modules = { baseline: await load(builds.baseline), this: await load(builds.this) };

const { series, docs } = makeBenchJob({
  PORTFOLIOS: Number(process.env.PMBT_BENCH_PORTFOLIOS ?? 1000),
  STEPS: Number(process.env.PMBT_BENCH_STEPS ?? 10_080),
  LEGS: Number(process.env.PMBT_BENCH_LEGS ?? 4),
  FUNDING: process.env.PMBT_BENCH_FUNDING !== '0',
  T0: Date.UTC(2024, 2, 1),
});
const dir = mkdtempSync(join(tmpdir(), 'pmbt-ab-'));
writeFileSync(join(dir, 'prices.arrow'), modules.this.series.writeSeriesArrow(series));
writeFileSync(join(dir, 'portfolios.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));

const extraSpec = readBenchSpecExtras();
const runs = { baseline: [], this: [] };
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which build goes first.
  for (const name of r % 2 === 0 ? ['baseline', 'this'] : ['this', 'baseline']) {
    const m = modules[name];
    const spec = m.job.parseJobSpec({ jobId: `ab-${name}`, prices: join(dir, 'prices.arrow'), portfolios: join(dir, 'portfolios.jsonl'), output: join(dir, `out-${name}`), batchSize: 250, ...extraSpec });
    const c0 = process.cpuUsage();
    const run = await m.runner.runJobLocally(spec, { workers: 1 });
    const c = process.cpuUsage(c0);
    runs[name].push({ cpuMs: Math.round((c.user + c.system) / 1000), wallMs: run.timings.totalMs, portfolioSteps: run.totals.portfolioSteps });
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const name of ['baseline', 'this']) {
  const warm = runs[name].slice(1);
  console.log(JSON.stringify({
    build: name, root: builds[name], rounds: ROUNDS,
    cpuMsMedian: median(warm.map((x) => x.cpuMs)), wallMsMedian: median(warm.map((x) => x.wallMs)),
    portfolioStepsPerSecAtMedianWall: Math.round(runs[name][0].portfolioSteps / (median(warm.map((x) => x.wallMs)) / 1000)),
    cpuMs: runs[name].map((x) => x.cpuMs), wallMs: runs[name].map((x) => x.wallMs),
  }));
}
// Each round's two runs are back to back, so their ratio is less exposed to a load that changes
// from minute to minute than the medians above: the median of the rounds' ratios (this ÷ baseline,
// the first round left out), and in how many rounds this build took less.
const ratios = (key) => runs.this.slice(1).map((x, i) => x[key] / runs.baseline[i + 1][key]);
console.log(JSON.stringify({
  thisOverBaseline: { cpuRatioMedian: +median(ratios('cpuMs')).toFixed(3), wallRatioMedian: +median(ratios('wallMs')).toFixed(3) },
  roundsThisLower: { cpu: ratios('cpuMs').filter((r) => r < 1).length, wall: ratios('wallMs').filter((r) => r < 1).length, of: ROUNDS - 1 },
}));
