#!/usr/bin/env node
// A/B of the distance search (docs/risk.md "Speed"): `bench/risk.mjs N shocks` of two builds run
// in turn, each in its own process, round after round, so that a VM whose speed moves from minute
// to minute weighs on both alike. Prints one JSON line: each build's portfolios/s per run and
// median, and the median of the rounds' ratios (this build over the baseline).
//   node bench/risk-ab.mjs <baseline checkout> [rounds, default 8] [portfolios, default 20000]
// <baseline checkout>: a folder holding the other build's dist/ and bench/risk.mjs (and
// node_modules/, data/), e.g. git worktree add /tmp/base <commit> && (cd /tmp/base && ln -s
// $PWD/node_modules . && npm run build)
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [baseline, roundsArg, portfoliosArg] = process.argv.slice(2);
if (baseline === undefined) {
  console.error('usage: node bench/risk-ab.mjs <baseline checkout> [rounds] [portfolios]');
  process.exit(2);
}
const roots = { baseline: resolve(baseline), this: fileURLToPath(new URL('..', import.meta.url)) };
const rounds = Number(roundsArg ?? 8);
const portfolios = String(Number(portfoliosArg ?? 20000));
const runs = { baseline: [], this: [] };
const ratios = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (let r = 0; r < rounds; r++) {
  // Each round's order reversed from the last: neither build always runs first.
  for (const build of r % 2 === 0 ? ['baseline', 'this'] : ['this', 'baseline']) {
    const out = execFileSync(process.execPath, ['bench/risk.mjs', portfolios, 'shocks'], { cwd: roots[build], encoding: 'utf8' });
    runs[build].push(JSON.parse(out.trim().split('\n').at(-1)).portfoliosPerSecond);
  }
  ratios.push(runs.this[r] / runs.baseline[r]);
}
console.log(JSON.stringify({
  portfolios: Number(portfolios), rounds,
  baseline: { root: roots.baseline, portfoliosPerSecond: runs.baseline, median: median(runs.baseline) },
  this: { root: roots.this, portfoliosPerSecond: runs.this, median: median(runs.this) },
  thisOverBaselineMedian: Number(median(ratios).toFixed(3)),
}));
