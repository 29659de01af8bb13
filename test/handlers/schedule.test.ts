// The schedule handler: a rule's event starts a stress test — its scenario applied to the base
// prices, written to scenarios/<jobId>/prices.arrow, and the job started like POST /backtests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as schedule } from '../../handlers/schedule.js';
import { readStressTests } from '../../src/batch/stress-tests.js';
import { readSeriesArrow, writeSeriesArrow } from '../../src/io/arrow/series.js';
import { applyScenario } from '../../src/scenarios/index.js';
import { ROOT, type FakeStepFunctions } from './harness.js';
import { SCHEDULE_BUCKET as BUCKET, startScheduleHarness, type ScheduleHarness } from './schedule-harness.js';

let bed: ScheduleHarness;
let client: S3Client;
let sfn: FakeStepFunctions;
let files: ScheduleHarness['files'];

const get = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  bed = await startScheduleHarness([
    { name: 'small-shock', schedule: 'cron(0 6 * * ? *)', prices: 'data/small/prices.arrow', portfolios: 'data/small/portfolios.jsonl', scenario: { name: 'instant-shock', params: { asset: 'BTC', drop: '0.2', at: '2024-03-12T01:00:00Z' } }, job: { timeline: { resolution: '15m' }, batchSize: 10 } },
    { name: 'small-funding', schedule: 'rate(1 day)', prices: 'data/small/prices.arrow', portfolios: 'data/small/portfolios.jsonl', scenario: { name: 'funding-spike', params: {} } },
  ]);
  ({ client, sfn, files } = bed);
});

afterAll(() => bed?.stop());

describe('schedule handler', () => {
  it("starts the rule's test on its scenario prices, with the job settings of the config", async () => {
    const result = await schedule({ test: 'small-shock', time: '2026-11-23T06:00:00Z' });
    const jobId = 'small-shock-20261123T0600Z';
    const prices = `s3://${BUCKET}/scenarios/${jobId}/prices.arrow`;
    expect(result.started).toEqual([{ test: 'small-shock', jobId, prices, executionArn: expect.stringContaining(`:execution:pm-backtester-test-backtest:${jobId}-`) }]);
    const base = readFileSync(files.job.prices as string);
    const expected = writeSeriesArrow(applyScenario(readSeriesArrow(base, 'base'), { name: 'instant-shock', params: { asset: 'BTC', drop: '0.2', at: '2024-03-12T01:00:00Z' } }));
    const stored = await get(`scenarios/${jobId}/prices.arrow`);
    expect(stored.equals(Buffer.from(expected))).toBe(true);
    expect(stored.equals(base)).toBe(false);

    const execution = sfn.executions.at(-1)!;
    expect(execution.input).toEqual({ run: { runId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/), startedBy: 'schedule: stress test small-shock' }, job: expect.objectContaining({ jobId, prices, portfolios: `s3://${BUCKET}/data/small/portfolios.jsonl`, output: `s3://${BUCKET}/reports/`, timeline: { resolution: 900_000 }, batchSize: 10 }) });
    await execution.done;
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const summary = JSON.parse((await get(`reports/${jobId}/summary.json`)).toString()) as { totals: { portfolios: number }; inputs: { prices: { uri: string } } };
    expect(summary.totals.portfolios).toBe(26);
    expect(summary.inputs.prices.uri).toBe(prices);
  });

  it("EventBridge's own scheduled event starts every test; an unknown test is refused", async () => {
    const before = sfn.executions.length;
    const result = await schedule({ version: '0', id: 'e1', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: '2026-11-24T06:30:00Z', region: 'us-east-1', resources: [], detail: {} });
    expect(result.started.map((s) => s.jobId)).toEqual(['small-shock-20261124T0630Z', 'small-funding-20261124T0630Z']);
    expect(sfn.executions.length).toBe(before + 2);
    await Promise.all(sfn.executions.slice(before).map((e) => e.done));
    await expect(schedule({ test: 'nope', time: '2026-11-23T06:00:00Z' })).rejects.toThrow(/event: test: expected one of the tests small-shock, small-funding/);
    await expect(schedule({ test: 'small-shock' })).rejects.toThrow(/event: time: expected an ISO-8601 time/);
  });

  it('the bundled data/stress-tests.json is valid and names existing scenarios', async () => {
    const tests = await readStressTests(join(ROOT, 'data', 'stress-tests.json'));
    expect(tests.length).toBeGreaterThan(0);
    const base = readSeriesArrow(readFileSync(join(ROOT, 'data', 'sample', 'prices.arrow')), 'sample');
    for (const t of tests) expect(() => applyScenario(base, t.scenario), t.name).not.toThrow();
  });
});
