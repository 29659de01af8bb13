#!/usr/bin/env node
// Time of the worst portfolios' start risk (src/batch/worst-risk.ts, docs/reports.md "Start risk"):
// for every portfolio a finished run of the sample job lists in its `_partials/*.worst.jsonl.gz` (`.jsonl` before), the
// curve and the two matrices at the job's first step, as the batches computed them. Median of 3;
// one JSON line, with the share of points the fast kernel decided (the rest on the exact engine).
// PMBT_BENCH_EXACT=1 times the all-exact reference (calculateWorstStartRiskExact) instead. Run: npm run build && node bin/pmbt.js run data/sample/job.json --output out --quiet
// && node bench/worst-risk.mjs out/sample-crash
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildBatchContext } from '../dist/batch/context.js';
import { parseJobSpec } from '../dist/batch/job.js';
import * as worstRisk from '../dist/batch/worst-risk.js';
import { parsePortfolio } from '../dist/io/json/portfolio.js';
import { readDefaultRuleDocuments } from '../dist/io/rules-files.js';
import { findRulesAt } from '../dist/rules/build.js';

const jobDir = process.argv[2] ?? 'out/sample-crash';
const spec = parseJobSpec(JSON.parse(readFileSync('data/sample/job.json', 'utf8')), 'data/sample/job.json');
const ctx = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
const partials = join(jobDir, '_partials');
const textOf = (f) => (f.endsWith('.gz') ? gunzipSync(readFileSync(join(partials, f))) : readFileSync(join(partials, f))).toString('utf8');
const indexes = readdirSync(partials).filter((f) => f.endsWith('.worst.jsonl') || f.endsWith('.worst.jsonl.gz'))
  .flatMap((f) => textOf(f).trim().split('\n').map((line) => JSON.parse(line).index));
const lines = readFileSync(spec.portfolios, 'utf8').split('\n');
const portfolios = indexes.map((i) => parsePortfolio(JSON.parse(lines[i]), ctx.rules.base, spec.portfolios));
const market = ctx.book.marketAt(0);
const rules = findRulesAt(ctx.rules, ctx.timeline.stepTimes[0]);
const exact = process.env.PMBT_BENCH_EXACT === '1';
// A build before the kernel path has only calculateWorstStartRisk (all exact) and no counter.
const calculate = exact ? worstRisk.calculateWorstStartRiskExact : worstRisk.calculateWorstStartRisk;
const counter = { kernel: 0, exact: 0 };
const seconds = [];
for (let run = 0; run < 3; run++) {
  const t = performance.now();
  for (const p of portfolios) calculate(p, market, rules, counter);
  seconds.push((performance.now() - t) / 1000);
}
seconds.sort((a, b) => a - b);
console.log(JSON.stringify({ portfolios: portfolios.length, seconds: Number(seconds[1].toFixed(3)), msPerPortfolio: Number(((seconds[1] * 1000) / portfolios.length).toFixed(1)), runs: seconds.map((s) => Number(s.toFixed(3))),
  ...(counter.kernel + counter.exact > 0 ? { kernelShare: Number((counter.kernel / (counter.kernel + counter.exact)).toFixed(4)) } : {}), ...(exact ? { reference: 'all exact' } : {}) }));
