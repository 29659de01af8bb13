// Scheduled stress tests on an in-memory bucket: the scenario's prices written, the job started.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStressTests, runScheduledStressTests, type StressTest } from '../../src/batch/stress-tests.js';
import { readSeriesArrow, writeSeriesArrow } from '../../src/io/arrow/series.js';
import { applyScenario } from '../../src/scenarios/index.js';
import { writeSmallJob } from '../helpers/job-files.js';
import { createMemoryJobService } from '../helpers/memory-job-service.js';

let files: ReturnType<typeof writeSmallJob>;
let tests: StressTest[];
const shock = { name: 'instant-shock', params: { asset: 'BTC', drop: '0.2', at: '2024-03-12T01:00:00Z' } };

beforeAll(() => {
  files = writeSmallJob();
  tests = parseStressTests({
    version: 1,
    tests: [
      { name: 'shock', schedule: 'cron(0 6 * * ? *)', prices: 'data/small/prices.arrow', portfolios: 'data/small/portfolios.jsonl', scenario: shock, job: { batchSize: 10 } },
      { name: 'missing', schedule: 'rate(1 day)', prices: 'data/none.arrow', portfolios: 'data/small/portfolios.jsonl', scenario: { name: 'funding-spike' } },
    ],
  }, 'stress-tests.json');
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

async function setUp() {
  const memory = createMemoryJobService();
  await memory.bucket.write('data/small/prices.arrow', readFileSync(files.job.prices as string));
  return memory;
}

describe('scheduled stress tests over a memory bucket', () => {
  it("writes the scenario's prices under scenarios/<jobId>/ and starts the job on them", async () => {
    const { svc, bucket, executions } = await setUp();
    const started = await runScheduledStressTests({ test: 'shock', time: '2026-11-23T06:00:00Z' }, svc, applyScenario, async () => tests);
    const jobId = 'shock-20261123T0600Z';
    expect(started).toEqual([{ test: 'shock', jobId, prices: `s3://pm-data/scenarios/${jobId}/prices.arrow`, executionArn: executions[0]!.executionArn }]);
    const expected = writeSeriesArrow(applyScenario(readSeriesArrow(readFileSync(files.job.prices as string), 'base'), shock));
    expect(Buffer.from(await bucket.read(`scenarios/${jobId}/prices.arrow`, { maxBytes: 1 << 26 })).equals(Buffer.from(expected))).toBe(true);
    expect(executions[0]!.input).toEqual({ run: { runId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/), startedBy: 'schedule: stress test shock' }, job: expect.objectContaining({ jobId, portfolios: 's3://pm-data/data/small/portfolios.jsonl', output: 's3://pm-data/reports/', batchSize: 10 }) });
  });

  it('one test failing to start does not stop the others; the invocation still fails, naming it', async () => {
    const { svc, executions } = await setUp();
    await expect(runScheduledStressTests({ source: 'aws.events', time: '2026-11-24T06:30:00Z' }, svc, applyScenario, async () => tests))
      .rejects.toThrow(/1 of 2 stress tests did not start \(started: shock-20261124T0630Z\): missing: s3:\/\/pm-data\/data\/none\.arrow: \(document\): expected an existing object/);
    expect(executions.map((e) => e.input)).toEqual([{ run: expect.objectContaining({ startedBy: 'schedule: stress test shock' }), job: expect.objectContaining({ jobId: 'shock-20261124T0630Z' }) }]);
  });

  it('computes start distances unless the test says otherwise, and compares only then, with the latest finished earlier run', async () => {
    const { svc, bucket, executions } = await setUp();
    // Earlier runs of `shock`: two finished, the latest of them not; one at the same minute as the firing below.
    for (const [id, finished] of [['shock-20261121T0600Z', true], ['shock-20261122T0600Z', true], ['shock-20261122T1200Z', false], ['shock-20261123T0600Z', true]] as const) {
      // The firing's own (an earlier attempt, ended) is read again by startJob: a whole record.
      await bucket.write(`jobs/${id}.json`, JSON.stringify({ version: 1, jobId: id, output: 's3://pm-data/reports/', executionArn: `arn:aws:states:us-east-1:000000000000:execution:x:${id}`, startedAt: '2026-01-01T00:00:00Z' }));
      if (finished) await bucket.write(`reports/${id}/_SUCCESS`, '{}');
    }
    const fire = async (test: StressTest) => (await runScheduledStressTests({ test: test.name, time: '2026-11-23T06:00:00Z' }, svc, applyScenario, async () => [test]))[0]!;
    const jobOf = () => (executions.at(-1)!.input as { job: { risk: { distance?: unknown }; compare?: unknown } }).job;
    // Retried firing at 06:00 has the same job id: its own folder is not "earlier".
    expect(await fire(tests[0]!)).toMatchObject({ jobId: 'shock-20261123T0600Z', previousJob: 'shock-20261122T0600Z' });
    expect(jobOf()).toMatchObject({ risk: { distance: { rangePct: 50, gridPoints: 81 } }, compare: { previousJob: 'shock-20261122T0600Z' } });
    executions.at(-1)!.status = 'SUCCEEDED';
    const narrow = { ...tests[0]!, job: { risk: { distance: { rangePct: 20 } } } };
    await fire(narrow);
    expect(jobOf().risk.distance).toEqual({ rangePct: 20, gridPoints: 81 });
    executions.at(-1)!.status = 'SUCCEEDED';
    const without = { ...tests[0]!, job: { risk: { distance: false } } };
    expect(await fire(without)).not.toHaveProperty('previousJob');
    expect(jobOf().risk.distance).toBe(false);
    expect(jobOf().compare).toBeUndefined();
  });

  it('an unknown test is refused before anything is written', async () => {
    const { svc, bucket } = await setUp();
    await expect(runScheduledStressTests({ test: 'nope', time: '2026-11-23T06:00:00Z' }, svc, applyScenario, async () => tests)).rejects.toThrow(/event: test: expected one of the tests shock, missing/);
    expect(bucket.keys()).toEqual(['data/small/prices.arrow']);
  });
});
