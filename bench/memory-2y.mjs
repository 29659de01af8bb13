#!/usr/bin/env node
// Item 4 measurement (docs/performance.md "Memory: two years of minute prices"): writes D days
// (default 730) of the synthetic sample market (src/sample/, the sample's 18 series + funding) and
// N sample portfolios (default 100, one batch) to DIR, then runs `pmbt run --workers 1` on them
// in a child and prints one JSON line: price rows and bytes, the run's wall and peak RSS (from its
// run.json). `pmbt sample` stops at 366 days, so this calls the generator directly.
// Run: npm run build && node bench/memory-2y.mjs [--days 730] [--portfolios 100] [--dir /tmp/pmbt-2y]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSeriesArrow } from '../dist/io/arrow/series.js';
import { buildRules } from '../dist/rules/build.js';
import { readDefaultRuleDocuments } from '../dist/io/rules-files.js';
import { formatPortfoliosJsonl, generateSampleDataset } from '../dist/sample/dataset.js';

const { values } = parseArgs({ options: { days: { type: 'string', default: '730' }, portfolios: { type: 'string', default: '100' }, dir: { type: 'string', default: '/tmp/pmbt-2y' } } });
const days = Number(values.days), portfolios = Number(values.portfolios), dir = values.dir;
const ROOT = new URL('..', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const pricesFile = join(dir, 'prices.arrow');
if (!existsSync(join(dir, 'job.json'))) {
  const rules = buildRules(await readDefaultRuleDocuments());
  const dataset = generateSampleDataset({ seed: 20240301, portfolios, days, rules, outDir: dir });
  writeFileSync(join(dir, 'rows.json'), JSON.stringify(dataset.table.times.length));
  writeFileSync(pricesFile, writeSeriesArrow(dataset.table));
  writeFileSync(join(dir, 'portfolios.jsonl'), formatPortfoliosJsonl(dataset.documents));
  writeFileSync(join(dir, 'job.json'), JSON.stringify({ ...dataset.job, jobId: 'memory-2y', output: join(dir, 'out') + '/', timeline: { resolution: '1d' } }));
}
const started = Date.now();
let code = 0;
try {
  execFileSync(process.execPath, [join(ROOT, 'bin/pmbt.js'), 'run', join(dir, 'job.json'), '--workers', '1', '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
} catch (e) { code = e.status ?? -1; }
const wallMs = Date.now() - started;
const run = JSON.parse(readFileSync(join(dir, 'out', 'memory-2y', 'run.json'), 'utf8'));
// The Lambda path: plan → replayBatch → merge in one process (pmbt run-via-handlers), peak RSS by
// /usr/bin/time (the plan's loaded prices and the batch's are both in it, the worst case of a warm Lambda).
const timeFile = join(dir, 'time.txt');
let handlersCode = 0;
try {
  execFileSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, process.execPath, join(ROOT, 'bin/pmbt.js'), 'run-via-handlers', join(dir, 'job.json'), '--job-id', 'memory-2y-handlers'], { stdio: ['ignore', 'ignore', 'inherit'] });
} catch (e) { handlersCode = e.status ?? -1; }
const [seconds, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
const viaHandlers = { exitCode: handlersCode, wallMs: Math.round(seconds * 1000), peakRssMB: Math.round(kb / 1024) };
console.log(JSON.stringify({ bench: 'memory-2y', days, portfolios, priceRows: JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8')), pricesBytes: statSync(pricesFile).size, runExitCode: code, runWallMs: wallMs, run, viaHandlers, node: process.version }));
