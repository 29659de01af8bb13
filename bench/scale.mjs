#!/usr/bin/env node
// Evidence at scale (docs/performance.md "Scale (handlers over S3)", docs/serverless.md "Scale and
// cost, from measurements"): the real Lambda handlers — handlers/plan.ts, replay-batch.ts and
// merge.ts, bundled as serverless.yml bundles them (esbuild, ESM) — run against an S3-compatible
// server (s3rver on loopback, in a child under --openssl-legacy-provider as test/helpers/s3-server.ts
// starts it) on a synthetic job from `pmbt sample`: plan once, the manifest's batches spread over P
// child processes (each one a warm Lambda: one batch per invocation, `{ "Items": [item] }`), then
// the finishing step (merge). A counting proxy between the handlers and s3rver records every
// request and byte of each step. Prints ONE JSON line; nothing is asserted.
//
// Run: npm run bench:scale --silent -- [--portfolios 100000] [--days 1] [--processes <cores>]
//        [--batch-size 100] [--resolution 1h] [--cache /tmp/pmbt-bench-scale] [--append FILE]
// The sample (portfolios.jsonl, prices.arrow) is generated once per (portfolios, days) under --cache.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    portfolios: { type: 'string', default: '100000' },
    days: { type: 'string', default: '1' },
    processes: { type: 'string', default: String(availableParallelism()) },
    'batch-size': { type: 'string', default: '100' },
    resolution: { type: 'string', default: '1h' },
    cache: { type: 'string', default: join(tmpdir(), 'pmbt-bench-scale') },
    append: { type: 'string' },
  },
});
const PORTFOLIOS = Number(args.portfolios);
const DAYS = Number(args.days);
const PROCESSES = Number(args.processes);
const BATCH_SIZE = Number(args['batch-size']);
const BUCKET = 'pm-data';
const JOB_ID = `scale-${PORTFOLIOS}x${DAYS}d`;
const JOB_PREFIX = `reports/${JOB_ID}/`;
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// ---------- inputs: the synthetic sample, cached ----------
function sampleDir() {
  const dir = join(args.cache, `sample-${PORTFOLIOS}x${DAYS}d`);
  if (!existsSync(join(dir, 'job.json'))) {
    execFileSync(process.execPath, [join(ROOT, 'bin/pmbt.js'), 'sample', '--out', dir, '--portfolios', String(PORTFOLIOS), '--days', String(DAYS)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return dir;
}

/** The three step handlers, bundled with serverless.yml's esbuild settings (target node20 here: the local Node). */
async function bundleHandlers(dir) {
  const out = {};
  for (const name of ['plan', 'replay-batch', 'merge']) {
    out[name] = join(dir, `${name}.mjs`);
    await build({
      entryPoints: [join(ROOT, 'handlers', `${name}.ts`)], outfile: out[name], bundle: true, platform: 'node', format: 'esm', target: 'node20',
      mainFields: ['module', 'main'], logLevel: 'silent',
      banner: { js: "import { createRequire as __pmbtCreateRequire } from 'node:module'; const require = __pmbtCreateRequire(import.meta.url);" },
    });
  }
  return out;
}

// ---------- s3rver in a child (as test/helpers/s3-server.ts; conditional PUTs for the lease) ----------
const S3RVER_CHILD = `'use strict';
const [s3rverPath, directory, bucketsJson] = process.argv.slice(2);
const S3rver = require(s3rverPath);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: JSON.parse(bucketsJson).map((name) => ({ name })) });
const conditionalPuts = new Map();
const fail = (ctx, status, code, condition) => { ctx.status = status; ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>' + code + '</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>' + condition + '</Condition></Error>'; };
const unquote = (etag) => String(etag).replace(/"/g, '');
server.middleware.unshift(async (ctx, next) => {
  const ifNoneMatch = ctx.get('if-none-match'), ifMatch = ctx.get('if-match');
  if (ctx.method !== 'PUT' || (ifNoneMatch === '' && ifMatch === '') || ctx.query.partNumber !== undefined) return next();
  const [, bucket, ...rest] = ctx.path.split('/').map(decodeURIComponent);
  const key = rest.join('/'), id = bucket + '/' + key;
  const turn = (conditionalPuts.get(id) || Promise.resolve()).then(async () => {
    const metadata = await server.store.getMetadata(bucket, key).catch(() => undefined);
    if (ifNoneMatch !== '' && metadata !== undefined) return fail(ctx, 412, 'PreconditionFailed', 'If-None-Match');
    if (ifMatch !== '' && metadata === undefined) return fail(ctx, 404, 'NoSuchKey', 'If-Match');
    if (ifMatch !== '' && unquote(metadata.etag) !== unquote(ifMatch)) return fail(ctx, 412, 'PreconditionFailed', 'If-Match');
    return next();
  });
  conditionalPuts.set(id, turn.catch(() => undefined));
  await turn;
});
server.run().then((b) => process.stdout.write(JSON.stringify({ port: b.port }) + '\\n'), (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

async function startS3rver(dir) {
  const script = join(dir, 's3rver.cjs');
  writeFileSync(script, S3RVER_CHILD);
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, createRequire(import.meta.url).resolve('s3rver'), join(dir, 's3'), JSON.stringify([BUCKET])], { stdio: ['pipe', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGTERM'));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).port); });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return { child, endpoint: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() };
}

// ---------- a proxy that counts each step's S3 requests and bytes ----------
function startCountingProxy(target) {
  const upstream = new URL(target);
  const counts = newCounts();
  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const kind = method === 'GET' && /[?&]list-type=2/.test(req.url ?? '') ? 'LIST' : method;
    counts.requests[kind] = (counts.requests[kind] ?? 0) + 1;
    req.on('data', (d) => (counts.bytesSent += d.length));
    const out = request({ host: upstream.hostname, port: upstream.port, method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (d) => { if (kind === 'GET') counts.bytesReceived += d.length; });
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    endpoint: `http://127.0.0.1:${server.address().port}`,
    /** This step's counts, and zero for the next. */
    take() { const c = { ...counts, requests: { ...counts.requests } }; Object.assign(counts, newCounts()); return c; },
    stop: () => { server.closeAllConnections(); server.close(); },
  })));
}
function newCounts() { return { requests: {}, bytesSent: 0, bytesReceived: 0 }; }

// ---------- a handler in a child process (one Lambda instance) ----------
// The child runs `handler(event)` for each event in turn, timing each call, and reports its CPU and
// peak RSS. Handlers' own log lines are dropped.
const HANDLER_CHILD = `
const [bundle, eventsFile] = process.argv.slice(1);
console.log = () => {};
const { readFileSync } = await import('node:fs');
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const t0 = performance.now();
const { handler } = await import(bundle);
const importMs = performance.now() - t0;
const calls = [];
for (const e of events) { const s = performance.now(); const result = await handler(e); calls.push({ ms: performance.now() - s, result }); }
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ importMs, calls, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
`;

function runHandler(bundle, events, env, dir) {
  const eventsFile = join(dir, `events-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(eventsFile, JSON.stringify(events));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', HANDLER_CHILD, bundle, eventsFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`handler ${bundle} exited ${code}: ${err}`))));
  });
}

// ---------- what the bucket holds ----------
async function folderBytes(client, prefix) {
  const folders = {};
  let token;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const rest = o.Key.slice(prefix.length);
      const folder = rest.includes('/') ? rest.split('/')[0] + '/' : rest;
      // _partials/ holds two kinds: each batch's partial (the finishing step reads every one) and the
      // side files of its worst portfolios (read only for the job's worst): counted apart as well.
      const kinds = folder === '_partials/' ? [folder, /\.worst/.test(rest) ? '_partials/ worst side files' : '_partials/ partials'] : [folder];
      for (const kind of kinds) {
        folders[kind] ??= { objects: 0, bytes: 0 };
        folders[kind].objects++;
        folders[kind].bytes += o.Size;
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  return folders;
}

/** CPU seconds of a process so far (user + system), from /proc; null elsewhere. */
function procCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch { return null; }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? null : s[Math.floor(s.length / 2)]; };
const round = (x, d = 0) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

async function timed(proxy, s3rver, fn) {
  const cpu0 = procCpuMs(s3rver.child.pid);
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu1 = procCpuMs(s3rver.child.pid);
  return { value, wallMs, s3: proxy.take(), s3serverCpuMs: cpu0 === null ? null : cpu1 - cpu0 };
}

function splitEvenly(items, parts) {
  const out = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => out[i % parts].push(item)); // as a map hands items out: interleaved
  return out.filter((p) => p.length > 0);
}

// ---------- the bench ----------
async function main() {
  mkdirSync(args.cache, { recursive: true });
  const t0 = performance.now();
  const sample = sampleDir();
  const sampleMs = performance.now() - t0;
  const work = mkdtempSync(join(tmpdir(), 'pmbt-scale-'));
  const s3rver = await startS3rver(work);
  const proxy = await startCountingProxy(s3rver.endpoint);
  const client = new S3Client({ endpoint: s3rver.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  try {
    const bundles = await bundleHandlers(work);
    const sampleJob = JSON.parse(readFileSync(join(sample, 'job.json'), 'utf8'));
    const prices = readFileSync(join(sample, 'prices.arrow'));
    const portfolios = readFileSync(join(sample, 'portfolios.jsonl'));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `inputs/${JOB_ID}/prices.arrow`, Body: prices }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `inputs/${JOB_ID}/portfolios.jsonl`, Body: portfolios }));
    const job = { ...sampleJob, jobId: JOB_ID, prices: `s3://${BUCKET}/inputs/${JOB_ID}/prices.arrow`, portfolios: `s3://${BUCKET}/inputs/${JOB_ID}/portfolios.jsonl`, output: `s3://${BUCKET}/reports/`, batchSize: BATCH_SIZE, timeline: { resolution: args.resolution } };
    delete job.description;
    const env = { PMBT_S3_ENDPOINT: proxy.endpoint, PMBT_S3_FORCE_PATH_STYLE: '1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', PMBT_RULES_DIR: join(ROOT, 'data', 'rules'), PMBT_DATA_BUCKET: BUCKET };
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const run = { runId: `${stamp}-${randomBytes(4).toString('hex')}`, startedBy: 'bench/scale' };
    proxy.take();

    const plan = await timed(proxy, s3rver, () => runHandler(bundles.plan, [{ job, run }], env, work));
    const planned = plan.value.calls[0].result;
    const afterPlan = await folderBytes(client, JOB_PREFIX);
    const manifest = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: planned.manifest.key }))).Body.transformToString());

    const shares = splitEvenly(manifest, PROCESSES);
    const replay = await timed(proxy, s3rver, () => Promise.all(shares.map((items) => runHandler(bundles['replay-batch'], items.map((item) => ({ Items: [item] })), env, work))));
    const afterReplay = await folderBytes(client, JOB_PREFIX);

    const merge = await timed(proxy, s3rver, () => runHandler(bundles.merge, [{ jobId: planned.jobId, runId: planned.runId, output: planned.output }], env, work));
    const afterMerge = await folderBytes(client, JOB_PREFIX);
    return report({ sampleMs, prices, portfolios, planned, plan, replay, merge, afterPlan, afterReplay, afterMerge });
  } finally {
    client.destroy();
    proxy.stop();
    s3rver.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function stepFigures(step, processes) {
  return {
    wallMs: round(step.wallMs), cpuMs: round(processes.reduce((a, p) => a + p.cpuMs, 0)), maxRssMB: round(Math.max(...processes.map((p) => p.maxRssMB))),
    importMs: round(median(processes.map((p) => p.importMs)), 1), s3ServerCpuMs: step.s3serverCpuMs, s3: step.s3,
  };
}

const sumBytes = (folders, names) => names.reduce((a, n) => a + (folders[n]?.bytes ?? 0), 0);

function report({ sampleMs, prices, portfolios, planned, plan, replay, merge, afterPlan, afterReplay, afterMerge }) {
  const children = replay.value;
  const calls = children.flatMap((c) => c.calls);
  const batches = calls.map((c) => c.result.batches[0]);
  const portfolioSteps = batches.reduce((a, b) => a + b.portfolioSteps, 0);
  const cold = children.map((c) => c.calls[0].ms);
  const warm = children.flatMap((c) => c.calls.slice(1).map((x) => x.ms));
  const replayMsSum = batches.reduce((a, b) => a + b.replayMs, 0);
  const reportFolders = ['portfolios/', 'timeline/', 'events/'];
  // The partials proper (one a batch, every one read by the finishing step), without the worst side files.
  const partialsBytes = sumBytes(afterReplay, ['_partials/ partials']);
  const worstSideFilesBytes = sumBytes(afterReplay, ['_partials/ worst side files']);
  const mergeTotals = merge.value.calls[0].result.totals;
  const total = plan.wallMs + replay.wallMs + merge.wallMs;
  const out = {
    bench: 'scale',
    portfolios: planned.portfolios, days: DAYS, batchSize: BATCH_SIZE, batches: planned.batches, processes: children.length, resolution: args.resolution,
    priceBytes: prices.length, portfolioBytes: portfolios.length, portfolioSteps, sampleGenerationMs: round(sampleMs),
    plan: { ...stepFigures(plan, [plan.value]), bytesWritten: plan.s3.bytesSent, folders: afterPlan },
    replay: {
      ...stepFigures(replay, children),
      portfolioStepsPerSecond: round(portfolioSteps / (replay.wallMs / 1000)),
      portfolioStepsPerCoreSecond: round(portfolioSteps / (replayMsSum / 1000)),
      batchMs: { coldMedian: round(median(cold)), warmMedian: round(median(warm)), warmMax: round(Math.max(...warm)), replayMedian: round(median(batches.map((b) => b.replayMs))) },
      bytesWritten: replay.s3.bytesSent, reportBytes: sumBytes(afterReplay, reportFolders), partialsBytes, worstSideFilesBytes,
      folders: afterReplay,
    },
    merge: {
      ...stepFigures(merge, [merge.value]),
      bytesRead: merge.s3.bytesReceived, partialsBytes, bytesReadBeyondPartials: merge.s3.bytesReceived - partialsBytes,
      bytesWritten: merge.s3.bytesSent, files: Object.fromEntries(['summary.json', 'report.html', '_SUCCESS'].map((f) => [f, afterMerge[f]?.bytes ?? null])),
      totals: { portfolios: mergeTotals.portfolios, portfolioSteps: mergeTotals.portfolioSteps },
    },
    totalWallMs: round(total), mergeShareOfWall: round(merge.wallMs / total, 4),
    machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model, node: process.version },
  };
  return out;
}

const result = await main();
const line = JSON.stringify(result);
if (args.append) appendFileSync(args.append, `${line}\n`);
console.log(line);
