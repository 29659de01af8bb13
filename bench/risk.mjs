#!/usr/bin/env node
// Throughput of `pmbt risk`'s search (src/risk/, docs/risk.md "Speed"): distances for the bundled
// synthetic sample's portfolios (data/sample/portfolios.jsonl) at the sample's first prices, the
// four families, an 81-point grid over ±50 %, scanned by the fast kernel (engine fast, the default:
// the exact engine where the kernel's proven bound does not decide or fix the printed digits), on
// the exact engine throughout (engine exact), or the crossings' shocks alone (shocks). Portfolios
// beyond the sample's 1,000 cycle through it again, parsed afresh. Prints one JSON line, with
// calibrationMs: a fixed float loop's time, which says how fast the (virtual) machine ran.
// Run: npm run build && node bench/risk.mjs [portfolios, default 1000] [fast|exact|shocks]
//
// `node bench/risk.mjs job [batches, default 4] [families, default all]`: the cost of a job's
// risk.distance (risk.distance.families e.g. all,leader,single,depeg; docs/risk.md
// "In a job"): the sample job's batches of 100 portfolios replayed with it on and off in one process,
// each batch on, off, off, on (or off, on, on, off), CPU time summed per variant, and the median of
// the batches' on/off ratios; then the search alone (calculateStartDistances) on each batch's
// portfolios parsed afresh, timed apart from any replay.
import { readFileSync } from 'node:fs';
import { Dec } from '../dist/domain/decimal.js';
import { SERIES_KINDS } from '../dist/domain/series.js';
import { readSeriesArrow } from '../dist/io/arrow/series.js';
import { parsePortfolio } from '../dist/io/json/portfolio.js';
import { readDefaultRuleDocuments } from '../dist/io/rules-files.js';
import { calculateRiskDistances, DEFAULT_RISK_OPTIONS, findRiskShocks } from '../dist/risk/distances.js';
import { buildRules } from '../dist/rules/build.js';

if (process.argv[2] === 'job') {
  await measureJobCost(Number(process.argv[3] ?? 4), process.argv[4]);
  process.exit(0);
}

async function measureJobCost(batches, families) {
  const { buildBatchContext } = await import('../dist/batch/context.js');
  const { parseJobSpec } = await import('../dist/batch/job.js');
  const { replayBatch } = await import('../dist/batch/run-batch.js');
  const distance = families === undefined ? true : { families: families.split(',') };
  const spec = parseJobSpec({ ...JSON.parse(readFileSync('data/sample/job.json', 'utf8')), risk: { distance } });
  const on = buildBatchContext(spec, readFileSync(spec.prices), await readDefaultRuleDocuments());
  // Off: the same spec without the start distance (the top-up, on by default, stays in both).
  const { distance: _distance, ...riskOff } = on.spec.risk;
  const off = { ...on, spec: { ...on.spec, risk: riskOff } };
  const docs = readFileSync(spec.portfolios, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  const { calculateStartDistances } = await import('../dist/risk/start-distance.js');
  const { findRulesAt } = await import('../dist/rules/build.js');
  const market = on.book.marketAt(0);
  const startRules = findRulesAt(on.rules, on.timeline.stepTimes[0]);
  const cpu = { on: 0, off: 0 };
  const ratios = [];
  let direct = 0;
  const cpuOf = (f) => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  for (let b = 0; b < batches; b++) {
    const items = docs.slice(b * 100, b * 100 + 100).map((doc, i) => ({ index: b * 100 + i, doc }));
    const batch = { on: 0, off: 0 };
    for (const v of b % 2 === 0 ? ['on', 'off', 'off', 'on'] : ['off', 'on', 'on', 'off']) batch[v] += cpuOf(() => replayBatch(v === 'on' ? on : off, b, items));
    cpu.on += batch.on;
    cpu.off += batch.off;
    ratios.push(batch.on / batch.off);
    // The search alone, on the batch's portfolios parsed afresh as replayBatch parses them.
    const portfolios = items.map((x) => parsePortfolio(x.doc, on.rules.base, spec.portfolios));
    direct += cpuOf(() => portfolios.forEach((p) => calculateStartDistances(p, market, startRules, spec.risk.distance)));
  }
  ratios.sort((a, b) => a - b);
  console.log(JSON.stringify({
    job: 'data/sample/job.json', families: families ?? 'all', portfoliosPerVariant: 2 * batches * 100, cpuOnSeconds: Number(cpu.on.toFixed(2)), cpuOffSeconds: Number(cpu.off.toFixed(2)),
    msPerPortfolio: Number(((1000 * (cpu.on - cpu.off)) / (2 * batches * 100)).toFixed(2)), costOfReplayPct: Number(((100 * (cpu.on - cpu.off)) / cpu.off).toFixed(1)),
    medianBatchRatio: Number(ratios[Math.floor(ratios.length / 2)].toFixed(3)),
    searchAloneMsPerPortfolio: Number(((1000 * direct) / (batches * 100)).toFixed(3)), searchAloneOfReplayPct: Number(((100 * direct * 2) / cpu.off).toFixed(1)), node: process.version,
  }));
}

const portfolios = Number(process.argv[2] ?? 1000);
// 'shocks': the fast search's crossings alone (findRiskShocks, as a job's start distance), without the document's numbers.
const what = process.argv[3] ?? 'fast';
const engine = what === 'shocks' ? 'fast' : what;
const rules = buildRules(await readDefaultRuleDocuments());
const lines = readFileSync('data/sample/portfolios.jsonl', 'utf8').split('\n').filter((l) => l.trim() !== '');
// Each pass over the sample parses its portfolios afresh (untimed): a decimal's cached float or
// scaled form, or a balance's cached net, is then never one the previous pass made, as in a job
// whose portfolios are all different.
const parseSample = () => lines.map((line, i) => parsePortfolio(JSON.parse(line), rules, `portfolios.jsonl:${i + 1}`));
const options = { ...DEFAULT_RISK_OPTIONS, engine };

// The market at the first time every series has a row: each index and mark series' first value.
const table = readSeriesArrow(readFileSync('data/sample/prices.arrow'), 'prices.arrow');
const indexPrices = new Map();
const markPrices = new Map();
for (let i = 0; i < table.times.length; i++) {
  const kind = SERIES_KINDS[table.kinds[i]];
  const name = table.symbols[table.symbolIds[i]];
  const into = kind === 'index' ? indexPrices : kind === 'mark' ? markPrices : undefined;
  if (into !== undefined && !into.has(name)) into.set(name, new Dec(table.values[i]));
}
const market = { time: table.times[0], indexPrices, markPrices };

let evaluations = 0;
let kernelEvaluations = 0;
let unconfirmed = 0;
let scannedFast = 0;
let crossings = 0;
let families = 0;
// The VM's own speed moves from hour to hour: a fixed float loop, timed first, says how fast it ran.
const c0 = performance.now();
let calibration = 0;
for (let i = 0; i < 3e8; i++) calibration = (calibration + i * 1.000001) % 1e9;
const calibrationMs = Math.round(performance.now() - c0);

let elapsed = 0;
// CPU time too: on a shared VM, time the guest was not given (steal) counts in the wall time only.
let cpuSeconds = 0;
for (let done = 0; done < portfolios; done += lines.length) {
  const pass = parseSample().slice(0, portfolios - done);
  const results = new Array(pass.length);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < pass.length; i++) results[i] = what === 'shocks' ? findRiskShocks(pass[i], market, rules, options) : calculateRiskDistances(pass[i], market, rules, options);
  elapsed += performance.now() - t0;
  const c = process.cpuUsage(c0);
  cpuSeconds += (c.user + c.system) / 1e6;
  // The bench's own counting, untimed.
  for (const r of results) tally(r);
}

function tally(r) {
  evaluations += r.evaluations;
  kernelEvaluations += r.kernelEvaluations;
  unconfirmed += r.unconfirmed;
  if (r.engine === 'fast') scannedFast++;
  families += r.families.length;
  for (const f of r.families) for (const d of [f.down, f.up]) crossings += Object.values(what === 'shocks' ? d : d.targets).filter((c) => c !== undefined).length;
}
const seconds = elapsed / 1000;
console.log(JSON.stringify({
  portfolios,
  families: DEFAULT_RISK_OPTIONS.families.join(','),
  grid: DEFAULT_RISK_OPTIONS.gridPoints,
  rangePct: DEFAULT_RISK_OPTIONS.rangePct,
  engine,
  ...(what === 'shocks' ? { numbers: false } : {}),
  scannedByKernel: scannedFast,
  seconds: Number(seconds.toFixed(2)),
  portfoliosPerSecond: Number((portfolios / seconds).toFixed(2)),
  portfoliosPerCpuSecond: Number((portfolios / cpuSeconds).toFixed(2)),
  familiesPerPortfolio: Number((families / portfolios).toFixed(2)),
  exactEvaluationsPerPortfolio: Number((evaluations / portfolios).toFixed(1)),
  kernelEvaluationsPerPortfolio: Number((kernelEvaluations / portfolios).toFixed(1)),
  unconfirmed,
  crossingsFound: crossings,
  calibrationMs: calibration > 0 ? calibrationMs : 0,
  node: process.version,
}));
