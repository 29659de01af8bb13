// `serverless package` (osls, offline: dummy credentials, no network) and the CloudFormation it
// generates: the bucket's protections, least-privilege IAM, the state machine's shape, the schedule
// rules from data/stress-tests.json, log retention, the runtime — and that the bundled artifacts run.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAP_DEFAULTS, NOT_RETRIED_ERRORS, REPLAY_RETRY, STEP_RETRY } from '../../src/batch/local-state-machine.js';
import { DISTRIBUTED_LEASE_TTL_SECONDS } from '../../src/batch/distributed.js';
import { parseScheduleEvent, readStressTests } from '../../src/batch/stress-tests.js';
import { readPriceHistoryConfig } from '../../src/batch/price-history.js';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { writeSmallJob } from '../helpers/job-files.js';
import { startS3Server } from '../helpers/s3-server.js';
import { functionEnvironment, invokeBundle, packageService, readDefinition, ROOT, serverless, STAGE, unpackFunction, type Json, type PackagedService } from './packaged.js';

const STATE_MACHINE = `pm-backtester-${STAGE}-backtest`;

let dir: string;
let resources: Json;
let definition: Json;
let packageMs: number;
let pkg: PackagedService;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type) as [string, Json][];
const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** The state machine's definition, each `${param}` of its Fn::Sub named `Ref:X` / `GetAtt:X`. */
const nameParam = (v: Json) => (v.Ref ? `Ref:${v.Ref}` : v['Fn::GetAtt'] ? `GetAtt:${v['Fn::GetAtt'].join('.')}` : JSON.stringify(v));

// Packaged once per vitest run, shared with test/serverless/state-machine.test.ts (packaged.ts).
beforeAll(async () => {
  pkg = await packageService();
  ({ dir, resources, packageMs } = pkg);
  definition = readDefinition(pkg, 'BacktestStateMachine', nameParam);
}, 120_000);

/**
 * Runs a packaged function: its zip unpacked as its own /var/task (`task-<name><suffix>`), its handler
 * called in a fresh process with the template's environment (/var/task paths mapped to the unpacked
 * folder) plus `extraEnv`. Resolves with the result's JSON, or `error <name>: <message>`.
 */
async function invokePackaged(name: string, event: unknown, extraEnv: Record<string, string> = {}, suffix = ''): Promise<string> {
  const task = await unpackFunction(pkg, name, suffix);
  const env = { ...functionEnvironment(pkg, name, task), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', ...extraEnv };
  const outcome = await invokeBundle(pkg, name, task, event, env);
  return outcome.ok ? JSON.stringify(outcome.result) : `error ${outcome.errorType}: ${outcome.errorMessage.replace(/\n/g, ' ')}`;
}

describe('serverless package', () => {
  it('packages offline with osls, one zip per function', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.zip')).sort()).toEqual(['api.zip', 'fetchPrices.zip', 'merge.zip', 'plan.zip', 'replayBatch.zip', 'risk.zip', 'schedule.zip', 'snapshot.zip']);
    // Printed so a slow packaging shows up in the test log.
    console.info(`serverless package: ${packageMs} ms`);
  });

  it('creates one data bucket, encrypted, with every public access block on and a TLS-only policy', () => {
    const bucket = resources.DataBucket;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    const sse = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm;
    expect(['AES256', 'aws:kms', 'aws:kms:dsse']).toContain(sse);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.DeletionPolicy).toBe('Retain');
    const policies = ofType('AWS::S3::BucketPolicy').filter(([, p]) => p.Properties.Bucket?.Ref === 'DataBucket');
    expect(policies).toHaveLength(1);
    const deny = asList(policies[0]![1].Properties.PolicyDocument.Statement as Json[]).find((s) => s.Effect === 'Deny');
    expect(deny).toBeDefined();
    expect(deny!.Principal).toBe('*');
    expect(asList(deny!.Action)).toContain('s3:*');
    expect(deny!.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(asList(deny!.Resource)).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${DataBucket}' }, { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${DataBucket}/*' }]);
    // The framework's own deployment bucket is locked down too.
    expect(resources.ServerlessDeploymentBucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
  });

  it('grants least privilege: S3 scoped to the bucket and its prefixes, Step Functions to this state machine, never a * resource', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(['ApiRole', 'FetchPricesRole', 'MergeRole', 'PlanRole', 'ReplayBatchRole', 'RiskRole', 'ScheduleRole', 'SnapshotRole', 'StateMachineRole']);
    expect(ofType('AWS::IAM::Policy')).toEqual([]);
    expect(ofType('AWS::IAM::ManagedPolicy')).toEqual([]);
    // A folder's objects, the jobs' leases (reports/<job>/_lease.json, src/batch/lease.ts) or their
    // completion markers (the schedule's HEAD of a previous run's, src/batch/stress-tests.ts).
    const s3Object = /^arn:\$\{AWS::Partition\}:s3:::\$\{DataBucket\}\/((reports|jobs|inputs|data|scenarios|history)\/\*|reports\/\*\/(_lease\.json|_SUCCESS))$/;
    const s3Bucket = 'arn:${AWS::Partition}:s3:::${DataBucket}';
    let s3Statements = 0;
    let statesStatements = 0;
    for (const [id, role] of roles) {
      expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      for (const policy of role.Properties.Policies as Json[]) {
        for (const s of asList(policy.PolicyDocument.Statement as Json[])) {
          expect(s.Effect, id).toBe('Allow');
          const actions = asList(s.Action as string[]);
          const resourcesOf = asList(s.Resource as unknown[]);
          for (const a of actions) expect(a, id).not.toMatch(/\*/);
          for (const r of resourcesOf) expect(r, `${id} ${actions}`).not.toBe('*');
          if (actions.some((a) => a.startsWith('s3:'))) {
            s3Statements++;
            expect(actions.every((a) => a.startsWith('s3:')), id).toBe(true);
            for (const r of resourcesOf as Json[]) {
              const arn = r['Fn::Sub'] as string;
              if (actions.includes('s3:ListBucket')) {
                expect(actions, id).toEqual(['s3:ListBucket']);
                expect(arn, id).toBe(s3Bucket);
              } else {
                expect(arn, `${id} ${actions}`).toMatch(s3Object);
              }
            }
          }
          if (actions.some((a) => a.startsWith('states:'))) {
            statesStatements++;
            for (const r of resourcesOf as Json[]) {
              if (r.Ref !== undefined) expect(r.Ref).toBe('BacktestStateMachine');
              else expect(r['Fn::Sub'] as string, id).toMatch(new RegExp(`:states:\\$\\{AWS::Region\\}:\\$\\{AWS::AccountId\\}:(stateMachine|execution):${STATE_MACHINE}([:/]\\*)?$`));
            }
          }
          if (actions.includes('lambda:InvokeFunction')) {
            expect(id).toBe('StateMachineRole');
            for (const r of resourcesOf as Json[]) expect(JSON.stringify(r)).toMatch(/(Plan|ReplayBatch|Merge)LambdaFunction/);
          }
        }
      }
    }
    expect(s3Statements).toBeGreaterThan(5);
    expect(statesStatements).toBeGreaterThan(3);
    // The steps that write reports may only write under reports/; nothing but the API and the schedule starts jobs.
    const actionsOf = (roleId: string) => (resources[roleId].Properties.Policies as Json[]).flatMap((p) => asList(p.PolicyDocument.Statement as Json[])).flatMap((s) => asList(s.Action as string[]));
    for (const roleId of ['PlanRole', 'ReplayBatchRole', 'MergeRole', 'SnapshotRole', 'FetchPricesRole', 'RiskRole']) expect(actionsOf(roleId).filter((a) => a.startsWith('states:')), roleId).toEqual([]);
    // The scheduled fetch touches history/ only.
    const fetchResources = (resources.FetchPricesRole.Properties.Policies as Json[]).flatMap((p) => asList(p.PolicyDocument.Statement as Json[])).filter((s) => asList(s.Action as string[]).some((a) => a.startsWith('s3:') && a !== 's3:ListBucket')).flatMap((s) => asList(s.Resource as Json[]));
    expect(fetchResources).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${DataBucket}/history/*' }]);
    expect(actionsOf('SnapshotRole').filter((a) => a.startsWith('s3:'))).toEqual([]);
    // POST /risk answers from the request alone: its own logs and nothing else.
    expect(actionsOf('RiskRole').sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resources.RiskLambdaFunction.Properties.Environment?.Variables?.PMBT_DATA_BUCKET).toBeUndefined();
    // Each function runs as its own role.
    for (const [id, fn] of ofType('AWS::Lambda::Function')) expect(fn.Properties.Role, id).toEqual({ 'Fn::GetAtt': [id.replace(/LambdaFunction$/, 'Role'), 'Arn'] });
    expect(resources.BacktestStateMachine.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['StateMachineRole', 'Arn'] });
  });

  it('runs plan → Distributed Map over the manifest (S3 item reader, batching, retries with backoff, no tolerated failures) → merge', () => {
    expect(definition.StartAt).toBe('Plan');
    const { Plan, ReplayBatches: map, Merge } = definition.States as Json;
    expect(Plan).toMatchObject({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'GetAtt:PlanLambdaFunction.Arn' }, Next: 'ReplayBatches' });
    expect(map.Type).toBe('Map');
    expect(map.ItemReader).toEqual({ Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'Ref:DataBucket', 'Key.$': '$.manifest.key' } });
    expect(map.ItemBatcher.MaxItemsPerBatch).toBe(MAP_DEFAULTS.itemsPerBatch);
    expect(map.MaxConcurrency).toBe(MAP_DEFAULTS.maxConcurrency);
    expect(map.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(map.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(map.ToleratedFailureCount ?? 0).toBe(0);
    expect(map.ToleratedFailurePercentagePath).toBeUndefined();
    expect(map.ToleratedFailureCountPath).toBeUndefined();
    expect(map.ResultPath).toBeNull();
    expect(map.Next).toBe('Merge');
    const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(task).toMatchObject({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'GetAtt:ReplayBatchLambdaFunction.Arn', 'Payload.$': '$' }, End: true });
    // Every task, the whole Retry field by field: InputError and JobLeaseError first and never retried, then every other
    // error with the local state machine's numbers (src/batch/local-state-machine.ts emulates exactly
    // this: a field it does not know, e.g. MaxDelaySeconds, must fail here until the emulation learns it).
    for (const [name, step] of [['ReplayBatch', task], ['Plan', Plan], ['Merge', Merge]] as const) {
      expect(step.Retry, name).toEqual([
        { ErrorEquals: [...NOT_RETRIED_ERRORS], MaxAttempts: 0 },
        { ErrorEquals: ['States.ALL'], IntervalSeconds: STEP_RETRY.intervalSeconds, MaxAttempts: STEP_RETRY.maxAttempts, BackoffRate: STEP_RETRY.backoffRate, JitterStrategy: STEP_RETRY.jitterStrategy },
      ]);
    }
    expect(STEP_RETRY.backoffRate).toBeGreaterThan(1);
    expect(REPLAY_RETRY).toEqual(STEP_RETRY);
    expect(Merge).toMatchObject({ Type: 'Task', Parameters: { FunctionName: 'GetAtt:MergeLambdaFunction.Arn', Payload: { 'jobId.$': '$.jobId', 'runId.$': '$.runId', 'output.$': '$.output' } }, End: true });
    // The plan's lease on the job lasts as long as an execution may.
    expect(definition.TimeoutSeconds).toBe(DISTRIBUTED_LEASE_TTL_SECONDS);
  });

  it('takes MaxConcurrency and items per child as deploy parameters', async () => {
    const r = await serverless(['print', '--stage', STAGE, '--param=maxConcurrency=37', '--param=itemsPerBatch=3', '--path', 'stepFunctions.stateMachines.backtest.definition.States.ReplayBatches', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const map = JSON.parse(r.stdout) as Json;
    expect(map.MaxConcurrency).toBe(37);
    expect(map.ItemBatcher.MaxItemsPerBatch).toBe(3);
  });

  it('schedules one rule per stress test of data/stress-tests.json, sending the handler its test and time', async () => {
    const tests = await readStressTests(join(ROOT, 'data', 'stress-tests.json'));
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties.Targets[0].Arn).includes('ScheduleLambdaFunction'));
    expect(rules).toHaveLength(tests.length);
    for (const test of tests) {
      const rule = rules.find(([, r]) => (r.Properties.Targets[0].InputTransformer.InputTemplate as string).includes(JSON.stringify(test.name)));
      expect(rule, test.name).toBeDefined();
      const p = rule![1].Properties;
      expect(p.ScheduleExpression).toBe(test.schedule);
      expect(p.State).toBe('ENABLED');
      expect(p.Targets).toHaveLength(1);
      expect(p.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['ScheduleLambdaFunction', 'Arn'] });
      expect(p.Targets[0].InputTransformer.InputPathsMap).toEqual({ time: '$.time' });
      // What EventBridge will send: the template with <time> replaced by the event's time (a JSON string).
      const sent = JSON.parse((p.Targets[0].InputTransformer.InputTemplate as string).replace('<time>', '"2026-11-23T06:00:00Z"')) as unknown;
      expect(parseScheduleEvent(sent)).toEqual({ test: test.name, time: new Date('2026-11-23T06:00:00Z') });
    }
  });

  it('schedules the fetch-prices function from data/price-history.json, alone (reserved concurrency 1)', async () => {
    const config = await readPriceHistoryConfig(join(ROOT, 'data', 'price-history.json'));
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties.Targets[0].Arn).includes('FetchPricesLambdaFunction'));
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties.ScheduleExpression).toBe(config.schedule);
    const fn = resources.FetchPricesLambdaFunction.Properties;
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Environment.Variables.PMBT_PRICE_HISTORY).toBe('data/price-history.json');
  });

  it('serves POST /backtests, GET /backtests/{jobId} and POST /risk over an HTTP API with IAM authorization', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['GET /backtests/{jobId}', 'POST /backtests', 'POST /risk']);
    for (const r of routes) expect(r.AuthorizationType).toBe('AWS_IAM');
    const env = (id: string) => resources[id].Properties.Environment.Variables as Json;
    for (const id of ['ApiLambdaFunction', 'ScheduleLambdaFunction']) expect(env(id).PMBT_STATE_MACHINE_ARN).toEqual({ Ref: 'BacktestStateMachine' });
    for (const id of ['Plan', 'ReplayBatch', 'Merge', 'Api', 'Schedule'].map((f) => `${f}LambdaFunction`)) expect(env(id).PMBT_DATA_BUCKET, id).toEqual({ Ref: 'DataBucket' });
  });

  it('keeps logs for a bounded time and runs on nodejs22.x or later', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    for (const [id, g] of groups) expect(g.Properties.RetentionInDays, id).toBeGreaterThan(0);
    const names = groups.map(([, g]) => g.Properties.LogGroupName as string);
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      expect(names, id).toContain(`/aws/lambda/${fn.Properties.FunctionName}`);
      const version = /^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime as string);
      expect(version, id).not.toBeNull();
      expect(Number(version![1])).toBeGreaterThanOrEqual(22);
    }
  });

  it('bundles runnable ESM handlers with the files they read (rules, stress tests)', async () => {
    const invoke = (name: string, event: unknown) => invokePackaged(name, event);
    const json = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8')) as unknown;
    const [snapshot, plan, replay, merge, api, schedule, risk] = await Promise.all([
      invoke('snapshot', { portfolio: json('data/samples/portfolio-pm-pro-example.json'), market: json('data/samples/market-example.json'), rules: [json('data/samples/rules-pm-pro-example.json')] }),
      invoke('plan', { job: { jobId: 'x', prices: 's3://elsewhere/p.arrow', portfolios: 's3://pm-data/inputs/p.jsonl' } }),
      invoke('replayBatch', { Items: [] }),
      invoke('merge', { jobId: '../x', output: 's3://pm-data/reports/' }),
      invoke('api', { version: '2.0', routeKey: 'GET /backtests/{jobId}', rawPath: '/backtests/..', pathParameters: { jobId: '..' }, requestContext: { http: { method: 'GET', path: '/backtests/..' } } }),
      invoke('schedule', { test: 'no-such-test', time: '2026-11-23T06:00:00Z' }),
      invoke('risk', { version: '2.0', routeKey: 'POST /risk', rawPath: '/risk', requestContext: { http: { method: 'POST', path: '/risk' } }, isBase64Encoded: false,
        body: JSON.stringify({ portfolio: json('data/samples/portfolio-pm-pro-example.json'), market: json('data/samples/market-example.json'), rules: [json('data/samples/rules-pm-pro-example.json')], options: { families: ['all'] } }) }),
    ]);
    expect(JSON.parse(snapshot)).toMatchObject({ ok: true, snapshot: { uniMMR: '6.15351257' } });
    expect(plan).toMatch(/^error InputError: event\.job: prices: expected an s3:\/\/pm-data\/ URI/);
    expect(replay).toMatch(/^error InputError: event: Items: expected 1 to 100 items/);
    expect(merge).toMatch(/^error InputError: event: jobId: expected a job id/);
    expect(JSON.parse(api)).toMatchObject({ statusCode: 400 });
    // The bundle reads the default rules it carries: the PM Pro example's uniMMR (docs/risk.md).
    const riskAnswer = JSON.parse(risk) as { statusCode: number; body: string };
    expect(riskAnswer.statusCode).toBe(200);
    expect(JSON.parse(riskAnswer.body)).toMatchObject({ now: { uniMMR: '6.15351257' }, families: [{ family: 'all' }] });
    const names = (await readStressTests(join(ROOT, 'data', 'stress-tests.json'))).map((t) => t.name).join(', ');
    expect(schedule).toBe(`error InputError: event: test: expected one of the tests ${names}, got "no-such-test"`);
    // The scheduled fetch reaches the internet, so it is not invoked here (test/handlers/fetch-prices.test.ts runs it on loopback); its bundle carries its config.
    const listing = await new Promise<string>((resolve, reject) => execFile('unzip', ['-l', join(dir, 'fetchPrices.zip')], (e, out) => (e ? reject(e) : resolve(out))));
    expect(listing).toMatch(/ data\/price-history\.json\n/);
    expect(listing).toMatch(/ handlers\/fetch-prices\.mjs\n/);
  });

  it('merges a planned job with the packaged merge alone (no rule files in its package): the report has the job\'s thresholds', async () => {
    const listing = await new Promise<string>((resolve, reject) => execFile('unzip', ['-l', join(dir, 'merge.zip')], (e, out) => (e ? reject(e) : resolve(out))));
    // What the merge may read: its bundle only, no data/rules/ (and its role may read only reports/*).
    expect(listing).not.toMatch(/ data\//);
    const s3 = await startS3Server({ buckets: ['pm-data'] });
    try {
      const client = s3.client();
      const files = writeSmallJob();
      const put = (key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: 'pm-data', Key: key, Body: body }));
      await put('inputs/small/prices.arrow', readFileSync(files.job.prices as string));
      await put('inputs/small/portfolios.jsonl', readFileSync(files.job.portfolios as string));
      // Thresholds other than data/rules/' 1.5 / 1.2 / 1.05, so a default would show.
      await put('inputs/small/rules.json', JSON.stringify({ version: 1, thresholds: { marginCall: '2', reduceOnly: '1.6', liquidation: '1.3' } }));
      const rulesUri = 's3://pm-data/inputs/small/rules.json';
      const job = { ...files.job, prices: 's3://pm-data/inputs/small/prices.arrow', portfolios: 's3://pm-data/inputs/small/portfolios.jsonl', rules: [rulesUri], output: 's3://pm-data/reports/' };
      const env = { PMBT_S3_ENDPOINT: s3.endpoint, PMBT_S3_FORCE_PATH_STYLE: '1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
      // The plan and the batches run in their own packages (which ship data/rules/).
      const planned = JSON.parse(await invokePackaged('plan', { job, run: { runId: '20261202T120000Z-00000001', startedBy: 'test' } }, env, '-job')) as { jobId: string; runId: string; output: string; batches: number };
      expect(planned.batches).toBe(6);
      const items = Array.from({ length: planned.batches }, (_, batch) => ({ jobId: planned.jobId, runId: planned.runId, output: planned.output, batch }));
      expect(await invokePackaged('replayBatch', { Items: items }, env, '-job')).toMatch(/^\{"batches":/);
      const merged = await invokePackaged('merge', { jobId: planned.jobId, runId: planned.runId, output: planned.output }, env, '-job');
      expect(merged, merged).toMatch(/^\{"jobId":"small"/);
      const get = async (key: string) => (await client.send(new GetObjectCommand({ Bucket: 'pm-data', Key: key }))).Body!.transformToString();
      const plan = JSON.parse(await get('reports/small/_plan/job.json')) as Json;
      const thresholds = { marginCall: 2, reduceOnly: 1.6, liquidation: 1.3, source: `the job's rules (${rulesUri})` };
      expect(plan.thresholds).toEqual(thresholds);
      expect((JSON.parse(await get('reports/small/summary.json')) as Json).thresholds).toEqual(thresholds);
      const html = await get('reports/small/report.html');
      expect(html).toContain('<b>above 2</b>');
      expect(html).toContain('<b>1.3 or below</b>');
      expect(html).toContain(`Thresholds: the job&#39;s rules (${rulesUri})`);
      expect(html).not.toMatch(/could not be read|margin-rules.md defaults/);
    } finally {
      await s3.stop();
    }
  }, 120_000);
});
