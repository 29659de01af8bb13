#!/usr/bin/env node
// The sample job end to end (docs/performance.md "End to end on the sample job"): `pmbt run`'s code
// path (runJobLocally, one worker: the replay in this thread) on data/sample/job.json, `runs` times in
// one process. Prints one JSON line: each run's wall and CPU time (user + sys of every thread of the
// process: the compiler's and the collector's threads too), and portfolio-steps per second of each,
// for the first run (cold: it pays the JIT's warm-up) and the median of the others (warm: what each
// further batch of a worker or a reused Lambda costs). Per CPU second is the figure per core.
//   node bench/sample-job.mjs [runs]        (npm run bench:sample --silent)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJobSpec } from '../dist/batch/job.js';
import { runJobLocally } from '../dist/batch/local-runner.js';

const RUNS = Math.max(2, Number(process.argv[2] ?? 4));
const root = fileURLToPath(new URL('..', import.meta.url));
const raw = JSON.parse(readFileSync(join(root, 'data/sample/job.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'pmbt-sample-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = [];
try {
  for (let r = 0; r < RUNS; r++) {
    const spec = parseJobSpec({ ...raw, jobId: `sample-${r}`, prices: join(root, raw.prices), portfolios: join(root, raw.portfolios), output: dir });
    const cpu0 = process.cpuUsage();
    const run = await runJobLocally(spec, { workers: 1 });
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const steps = run.totals.portfolioSteps;
    runs.push({ wallSeconds: run.timings.totalMs / 1000, replaySeconds: run.timings.replayMs / 1000, cpuSeconds, steps, perWallSecond: steps / (run.timings.totalMs / 1000), perCpuSecond: steps / cpuSeconds });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const round = (x, digits = 0) => +x.toFixed(digits);
const figures = (rs) => ({
  perCpuSecond: round(median(rs.map((r) => r.perCpuSecond))),
  perWallSecond: round(median(rs.map((r) => r.perWallSecond))),
  cpuSeconds: round(median(rs.map((r) => r.cpuSeconds)), 2),
  wallSeconds: round(median(rs.map((r) => r.wallSeconds)), 2),
});
const cold = figures(runs.slice(0, 1));
const warm = figures(runs.slice(1));
console.log(JSON.stringify({
  job: raw.jobId,
  portfolioSteps: runs[0].steps,
  cold,
  warm,
  // What the first run costs more than a warm one: the JIT's warm-up, paid once per process.
  warmUpCpuSeconds: round(cold.cpuSeconds - warm.cpuSeconds, 2),
  runs: runs.map((r) => ({ cpuSeconds: round(r.cpuSeconds, 2), wallSeconds: round(r.wallSeconds, 2), replaySeconds: round(r.replaySeconds, 2) })),
  node: process.version,
}));
