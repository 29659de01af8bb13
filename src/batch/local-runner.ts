import { Worker } from 'node:worker_threads';
import { joinKey } from '../io/store/keys.js';
import type { ObjectStore } from '../io/store/types.js';
import { buildBatchContext } from './context.js';
import { rejectFileOutput } from './output-folder.js';
import { createLocator, type Locate, type StoreSettings } from '../io/store/open.js';
import { readPricesBytes, readRuleDocuments, streamPortfolioDocuments } from './inputs.js';
import { renderJobSpec, type JobSpec } from './job.js';
import { createRunId, describeLocalUser, holdJobLease, type RunIdentity } from './lease.js';
import { clearPreviousRun } from './distributed.js';
import { mergeJob, partRunOf, type JobTotals } from './merge.js';
import { planBatches } from './plan.js';
import { renderJobThresholds } from '../records/summary.js';
import { replayOverlapped } from './overlapped-replay.js';
import { startBatchReplay, writeBatchShare } from './run-batch.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface Progress {
  portfoliosDone: number;
  /** Known once the whole portfolio file has been read. */
  portfoliosTotal: number | undefined;
  portfolioSteps: number;
  stepsPerPortfolio: number;
  elapsedMs: number;
}

export interface LocalRunResult {
  jobUri: string;
  run: RunIdentity;
  totals: JobTotals;
  timings: { loadMs: number; replayMs: number; mergeMs: number; totalMs: number; workers: number; peakRssMB: number };
}

/**
 * One worker thread: hand it a batch (resolved once it is replayed, while its share is still being
 * written), then `finish` (resolved once every share is written). A failure rejects what is
 * pending, or else the next call.
 */
class WorkerSlot {
  private pending: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  readonly ready: Promise<void>;
  constructor(private readonly worker: Worker, init: ToWorker, onProgress: (portfolios: number, steps: number) => void) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'progress') onProgress(m.portfolios, m.steps);
        else if (m.type === 'replayed' || m.type === 'done') this.settle();
        else this.settle(new Error(`worker failed: ${m.message}`), reject);
      });
      worker.on('error', (e) => this.settle(e, reject));
      worker.on('exit', (code) => { if (code !== 0) this.settle(new Error(`worker exited with code ${code}`), reject); });
    });
    worker.postMessage(init);
  }
  run(message: Extract<ToWorker, { type: 'batch' }>): Promise<void> {
    return this.send(message);
  }
  finish(): Promise<void> {
    return this.send({ type: 'end' });
  }
  private send(message: ToWorker): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message);
    });
  }
  private settle(error?: Error, rejectInit?: (e: Error) => void): void {
    const p = this.pending;
    this.pending = undefined;
    if (error !== undefined) {
      this.failure ??= error;
      rejectInit?.(error);
      p?.reject(error);
    } else p?.resolve();
  }
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Runs a job on this machine: plan → replayBatch on `workers` threads (or in this thread for
 * one) → merge, the same steps a deployed job takes on Lambda. Memory holds at most two batches
 * per worker (one replaying, one being written) plus the one being planned.
 */
export interface LocalRunOptions {
  workers: number;
  onProgress?: (p: Progress) => void;
  /** How to reach S3; worker threads build their own stores from it (a client cannot cross threads). */
  storeSettings: StoreSettings;
  /** Where this thread finds the job's URIs; default: createLocator(storeSettings). */
  locate?: Locate;
  /** This run's identity; default: a new run id, started by `user@host`. */
  run?: RunIdentity;
}

/**
 * A local run's lease: 10 minutes, renewed every minute, and stale at once on this host when the
 * process that took it is gone (a killed `pmbt run` does not block the next one).
 */
export const LOCAL_LEASE_TERMS = { ttlMs: 10 * 60_000, renewEveryMs: 60_000, localProcess: true } as const;

/**
 * Runs a job on this machine while holding its lease: a second run of the same job (here or on
 * another machine sharing the output) is refused with JobLeaseError before it writes anything.
 */
export async function runJobLocally(spec: JobSpec, options: LocalRunOptions): Promise<LocalRunResult> {
  const locate = options.locate ?? createLocator(options.storeSettings);
  const { store, key: outKey } = locate(spec.output);
  const jobKey = joinKey(outKey, spec.jobId);
  await rejectFileOutput(store, jobKey, spec.output);
  const run = options.run ?? { runId: createRunId(new Date()), startedBy: describeLocalUser() };
  const lease = await holdJobLease(store, jobKey, spec.jobId, run, LOCAL_LEASE_TERMS);
  try {
    return await runLeasedJob(spec, { ...options, locate, run }, store, jobKey, lease.check);
  } finally {
    await lease.release();
  }
}

async function runLeasedJob(spec: JobSpec, options: LocalRunOptions & { locate: Locate; run: RunIdentity }, store: ObjectStore, jobKey: string, checkLease: () => void): Promise<LocalRunResult> {
  const started = Date.now();
  const { locate, run } = options;
  await clearPreviousRun(store, jobKey);

  const prices = await readPricesBytes(locate, spec.prices);
  const rules = await readRuleDocuments(locate, spec.rules);
  const ctx = buildBatchContext(spec, prices.bytes, rules.documents);
  const partRun = partRunOf(run, { prices: prices.checksum, rules: rules.checksums });
  const loaded = Date.now();

  const progress: Progress = { portfoliosDone: 0, portfoliosTotal: undefined, portfolioSteps: 0, stepsPerPortfolio: ctx.timeline.stepTimes.length, elapsedMs: 0 };
  const report = (portfolios: number, steps: number) => {
    progress.portfoliosDone += portfolios;
    progress.portfolioSteps += steps;
    progress.elapsedMs = Date.now() - started;
    options.onProgress?.(progress);
  };

  const portfolios = streamPortfolioDocuments(locate, spec.portfolios);
  let batches = 0;
  let count = 0;
  const workers = Math.max(1, options.workers);
  if (workers === 1) {
    await replayOverlapped(planBatches(portfolios.items, spec.batchSize, spec.portfolios), checkLease, (planned) => {
      batches++;
      count += planned.items.length;
      return startBatchReplay(ctx, planned.batch, planned.items, (steps) => report(1, steps));
    }, (result) => writeBatchShare(store, jobKey, ctx, result, partRun));
  } else {
    const init: ToWorker = { type: 'init', job: renderJobSpec(spec), pricesBytes: prices.bytes, ruleDocuments: rules.documents, jobKey, outputUri: spec.output, storeSettings: options.storeSettings, run: partRun };
    const slots = Array.from({ length: workers }, () => new WorkerSlot(new Worker(new URL('./worker.js', import.meta.url)), init, report));
    try {
      await Promise.all(slots.map((s) => s.ready));
      const idle = [...slots];
      const running = new Set<Promise<void>>();
      let failure: Error | undefined;
      for await (const planned of planBatches(portfolios.items, spec.batchSize, spec.portfolios)) {
        batches++;
        count += planned.items.length;
        while (idle.length === 0) await Promise.race(running);
        if (failure !== undefined) throw failure;
        checkLease();
        const slot = idle.pop()!;
        const job: Promise<void> = slot.run({ type: 'batch', batch: planned.batch, items: planned.items })
          .catch((e: Error) => { failure ??= e; })
          .finally(() => { running.delete(job); idle.push(slot); });
        running.add(job);
      }
      await Promise.all(running);
      if (failure !== undefined) throw failure;
      await Promise.all(slots.map((s) => s.finish()));
    } finally {
      await Promise.all(slots.map((s) => s.stop()));
    }
  }
  progress.portfoliosTotal = count;
  const replayed = Date.now();

  const tl = ctx.timeline;
  checkLease();
  const totals = await mergeJob(store, jobKey, {
    spec,
    run,
    batches,
    portfolioCount: count,
    inputs: { prices: prices.checksum, portfolios: portfolios.checksum(), rules: rules.checksums },
    rulesSources: ctx.rules.base.sources,
    thresholds: renderJobThresholds(ctx.rules.base.thresholds, spec.rules),
    window: { from: tl.from, to: tl.to, steps: tl.stepTimes.length },
  });
  const done = Date.now();
  // maxRSS covers the worker threads too: they live in this process.
  const timings = { loadMs: loaded - started, replayMs: replayed - loaded, mergeMs: done - replayed, totalMs: done - started, workers, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
  // Wall-clock facts live apart from summary.json, which must be the same bytes on every run.
  await store.write(joinKey(jobKey, 'run.json'), `${JSON.stringify({ jobId: spec.jobId, ...run, timings, portfolioSteps: totals.portfolioSteps }, null, 2)}\n`);
  return { jobUri: store.uriOf(jobKey), run, totals, timings };
}
