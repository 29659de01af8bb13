#!/usr/bin/env node
// Cost of `compare` in the finishing step (docs/risk.md "Who moved closer"): reading a previous job's
// liquidation distances (local files) from its partials (readPreviousDistances, jobs written since
// partials carry them) and from its summary lines (readLineDistances, jobs written before), and
// pairing them with this job's (calculateMoved), for N portfolios (default 10⁵). The previous job is
// made from a finished run's own partials and lines with `risk.distance`, repeated with new ids, 100
// a batch as a job writes them. Median of 5; one JSON line. Run:
//   npm run build && node bin/pmbt.js run JOB.json --quiet   (a job with "risk": {"distance": true})
//   node bench/compare-previous.mjs OUTPUT/JOBID [N]
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readLineDistances, readPreviousDistances } from '../dist/batch/compare-previous.js';
import { openJobOutputs } from '../dist/batch/merge.js';
import { createLocalStore } from '../dist/io/store/local.js';
import { readDatasetSummary } from '../dist/records/dataset.js';
import { calculateMoved } from '../dist/records/moved.js';

const template = process.argv[2];
const n = Number(process.argv[3] ?? 100_000);
if (template === undefined) throw new Error('usage: node bench/compare-previous.mjs OUTPUT/JOBID [N]');
const folder = join(template, 'portfolios');
const lines = readdirSync(folder).sort().flatMap((f) => gunzipSync(readFileSync(join(folder, f))).toString('utf8').split('\n').filter((l) => l !== ''));
if (!lines.some((l) => l.includes('"startDistance"'))) throw new Error(`${template}'s lines have no startDistance: run it with risk.distance`);

const dir = mkdtempSync(join(tmpdir(), 'pmbt-compare-'));
const job = join(dir, 'previous');
mkdirSync(join(job, 'portfolios'), { recursive: true });
mkdirSync(join(job, '_partials'), { recursive: true });
const partials = readdirSync(join(template, '_partials')).filter((f) => /^batch-\d+\.json$/.test(f)).sort().map((f) => JSON.parse(readFileSync(join(template, '_partials', f), 'utf8')));
if (partials.length * 100 !== lines.length || partials.some((p) => p.report.liquidationDistances === undefined)) throw new Error(`${template}: batches of 100 whose partials carry liquidationDistances expected`);
let partialBytes = 0;
const batchSize = 100;
const batches = Math.ceil(n / batchSize);
let bytes = 0;
for (let b = 0; b < batches; b++) {
  const text = Array.from({ length: Math.min(batchSize, n - b * batchSize) }, (_, i) => {
    const index = b * batchSize + i;
    const p = JSON.parse(lines[index % lines.length]);
    return `${JSON.stringify({ ...p, portfolioId: `${p.portfolioId}-${Math.floor(index / lines.length)}`, index })}\n`;
  }).join('');
  const gz = gzipSync(text);
  bytes += gz.length;
  writeFileSync(join(job, 'portfolios', `batch-${String(b).padStart(6, '0')}.jsonl.gz`), gz);
  // The same portfolios' partial: the template's, its ids renamed as the lines' are.
  const copy = Math.floor((b * batchSize) / lines.length);
  const p = partials[b % partials.length];
  const partial = JSON.stringify({ ...p, batch: b, report: { ...p.report, liquidationDistances: p.report.liquidationDistances.map(([id, d]) => [`${id}-${copy}`, d]) } });
  partialBytes += Buffer.byteLength(partial);
  writeFileSync(join(job, '_partials', `batch-${String(b).padStart(6, '0')}.json`), partial);
}
const summary = JSON.parse(readFileSync(join(template, 'summary.json'), 'utf8'));
writeFileSync(join(job, 'summary.json'), JSON.stringify({ ...summary, batches }));
writeFileSync(join(job, '_SUCCESS'), readFileSync(join(template, '_SUCCESS')));

const files = openJobOutputs(createLocalStore(dir), 'previous');
const summaryOfJob = readDatasetSummary(readFileSync(join(job, 'summary.json'), 'utf8'), 'summary.json');
const readSeconds = [];
const lineSeconds = [];
const pairSeconds = [];
let read;
for (let run = 0; run < 5; run++) {
  let t = performance.now();
  read = await readPreviousDistances(files);
  readSeconds.push((performance.now() - t) / 1000);
  t = performance.now();
  const fromLines = await readLineDistances(files, summaryOfJob);
  lineSeconds.push((performance.now() - t) / 1000);
  if (fromLines.byPortfolio.size !== read.byPortfolio.size) throw new Error('the partials and the lines disagree');
  // This job: the same portfolios, every tenth 1 pp closer (a distance of 1 % or more; else as it was).
  const current = new Map([...read.byPortfolio].map(([id, d], i) => [id, i % 10 === 0 && d !== null && Number(d) >= 1 ? (Number(d) - 1).toFixed(8) : d]));
  t = performance.now();
  calculateMoved('previous', read, { rangePct: read.rangePct, byPortfolio: current });
  pairSeconds.push((performance.now() - t) / 1000);
}
const median = (xs) => Number([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(3));
console.log(JSON.stringify({
  portfolios: n, batches, withDistance: read.byPortfolio.size,
  partials: { bytes: partialBytes, seconds: median(readSeconds), runs: readSeconds.map((s) => Number(s.toFixed(3))) },
  lines: { gzipBytes: bytes, seconds: median(lineSeconds), runs: lineSeconds.map((s) => Number(s.toFixed(3))) },
  pairSeconds: median(pairSeconds), heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
}));
rmSync(dir, { recursive: true, force: true });
