// The packaged service for the serverless tests: `serverless package` (osls, offline: dummy
// credentials, no network) run at most once per vitest run, whichever test file asks first (the
// others wait for it), and its functions run from their zips, each in a fresh process with only
// what its package contains — a cold Lambda.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

export type Json = Record<string, any>;

export const ROOT = join(import.meta.dirname, '..', '..');
export const STAGE = 'test';
/** The bucket `Ref: DataBucket` stands for in these tests. */
export const TEST_BUCKET = 'pm-data';
const SERVERLESS = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');

// Dummy credentials and no telemetry: packaging must never need the network.
const OFFLINE_ENV = { AWS_ACCESS_KEY_ID: 'AKIAOFFLINE', AWS_SECRET_ACCESS_KEY: 'offline', AWS_REGION: 'us-east-1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' };

export function serverless(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [SERVERLESS, ...args], { cwd: ROOT, env: { ...process.env, ...OFFLINE_ENV }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

export interface PackagedService {
  /** The `--package` folder: the zips and the CloudFormation templates. */
  dir: string;
  template: Json;
  resources: Json;
  /** How long `serverless package` took (in whichever test file ran it). */
  packageMs: number;
}

interface PackageOutcome {
  code: number;
  ms: number;
  log: string;
}

let packaged: Promise<PackagedService> | undefined;

/**
 * The service packaged for stage `test`. The first caller in this vitest run takes the lock (an
 * atomic mkdir in the run's scratch folder, global-setup.ts) and packages; the others wait for
 * its outcome file. A failed packaging fails every caller with osls' output.
 */
export function packageService(): Promise<PackagedService> {
  return (packaged ??= (async () => {
    const root = inject('serverlessScratch');
    const dir = join(root, 'package');
    const outcomeFile = join(root, 'packaged.json');
    let owner = true;
    try {
      mkdirSync(join(root, 'lock'));
    } catch {
      owner = false;
    }
    if (owner) {
      const r = await serverless(['package', '--stage', STAGE, '--package', dir]);
      writeFileSync(outcomeFile, JSON.stringify({ code: r.code, ms: r.ms, log: `${r.stdout}\n${r.stderr}` } satisfies PackageOutcome));
    }
    const outcome = await waitForFile(outcomeFile, 115_000);
    const { code, ms, log } = JSON.parse(outcome) as PackageOutcome;
    if (code !== 0) throw new Error(`serverless package failed (exit code ${code}):\n${log}`);
    const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Json;
    return { dir, template, resources: template.Resources as Json, packageMs: ms };
  })());
}

async function waitForFile(file: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`no ${file} after ${timeoutMs} ms: the test file packaging the service did not finish`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return readFileSync(file, 'utf8');
}

/** The template's Lambda functions by short name (`plan`, `replayBatch`, ...): their resource id and properties. */
export function packagedFunctions(pkg: PackagedService): Map<string, { id: string; props: Json }> {
  const fns = Object.entries(pkg.resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  return new Map(fns.map(([id, f]) => [(f.Properties.FunctionName as string).replace(`pm-backtester-${STAGE}-`, ''), { id, props: f.Properties as Json }]));
}

/** Unpacks a function's zip (its S3Key names it) into `task-<name><suffix>`: its own /var/task. */
export function unpackFunction(pkg: PackagedService, name: string, suffix = ''): Promise<string> {
  const fn = packagedFunctions(pkg).get(name);
  if (!fn) return Promise.reject(new Error(`no function ${name} in the template`));
  const zip = join(pkg.dir, (fn.props.Code.S3Key as string).split('/').at(-1)!);
  const task = join(pkg.dir, `task-${name}${suffix}`);
  return new Promise((resolve, reject) => execFile('unzip', ['-q', '-o', zip, '-d', task], (err) => (err ? reject(err) : resolve(task))));
}

/**
 * The environment the template gives a function, as a process in `task` sees it: /var/task paths
 * mapped to the unpacked folder, `Ref: DataBucket` the test bucket, the state machine a dummy ARN.
 */
export function functionEnvironment(pkg: PackagedService, name: string, task: string): Record<string, string> {
  const vars = (packagedFunctions(pkg).get(name)!.props.Environment?.Variables ?? {}) as Json;
  const value = (v: unknown): string => {
    if (typeof v === 'string') return v.replace(/^\/var\/task(?=\/|$)/, task);
    const ref = (v as Json).Ref;
    if (ref === 'DataBucket') return TEST_BUCKET;
    if (ref === 'BacktestStateMachine') return 'arn:aws:states:us-east-1:000000000000:stateMachine:x';
    throw new Error(`${name}: no test value for the environment value ${JSON.stringify(v)}`);
  };
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, value(v)]));
}

/** What a Lambda invocation ends with: the handler's result, or its error as Lambda reports it. */
export type LambdaOutcome = { ok: true; result: unknown } | { ok: false; errorType: string; errorMessage: string };

/** Precedes the outcome on the child's stdout, after whatever the handler logged. */
const OUTCOME_MARK = '@@lambda-outcome@@';

/**
 * Calls the handler of the function unpacked in `task` in a fresh process (cwd `task`, so nothing
 * outside the package resolves) with `env` and little else. Rejects only when the process itself
 * dies (a Lambda runtime crash); a thrown error is an outcome with the error's name as
 * `errorType`, as Lambda's Node.js runtime reports it.
 */
export function invokeBundle(pkg: PackagedService, name: string, task: string, event: unknown, env: Record<string, string>): Promise<LambdaOutcome> {
  const [file, exported] = (packagedFunctions(pkg).get(name)!.props.Handler as string).split('.');
  const script = `const MARK = ${JSON.stringify(OUTCOME_MARK)}; const m = await import(${JSON.stringify(join(task, `${file}.mjs`))});
    let outcome;
    try { outcome = { ok: true, result: await m.${exported}(JSON.parse(process.argv[1])) }; } catch (e) { outcome = { ok: false, errorType: e.name, errorMessage: String(e.message) }; }
    process.stdout.write('\\n' + MARK + JSON.stringify(outcome) + '\\n');`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(event)], { cwd: task, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const at = out.lastIndexOf(OUTCOME_MARK);
      if (code === 0 && at >= 0) resolve(JSON.parse(out.slice(at + OUTCOME_MARK.length)) as LambdaOutcome);
      else reject(new Error(`${name}: the process ended with ${signal ?? `exit code ${code}`}: ${err}`));
    });
  });
}

/**
 * A state machine's definition from the template: the JSON of its DefinitionString's Fn::Sub, each
 * `${param}` replaced by what `resolve` makes of the param's value (a `Ref` or `Fn::GetAtt`).
 */
export function readDefinition(pkg: PackagedService, resourceId: string, resolve: (value: Json) => string): Json {
  const sub = pkg.resources[resourceId].Properties.DefinitionString['Fn::Sub'];
  const [text, params] = (Array.isArray(sub) ? sub : [sub, {}]) as [string, Json];
  return JSON.parse(text.replace(/\$\{([0-9a-f]{32})\}/g, (_, k: string) => resolve(params[k] as Json))) as Json;
}
