/**
 * Helpers for driving the Lambda handlers locally: the job's files in the loopback S3 server,
 * a handler bundled like serverless.yml bundles it (esbuild, ESM) and run in a child process that a
 * test can kill, an HTTP proxy that holds chosen requests (a process killed mid-write), and a fake
 * Step Functions endpoint (the AWS JSON protocol the SDK speaks) that runs executions with the
 * local state machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FakeExecution as MemoryFakeExecution } from '../helpers/memory-job-service.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The environment the handlers need to reach the loopback S3 server as the `pm-data` deployment. */
export function s3Env(endpoint: string): Record<string, string> {
  return {
    PMBT_S3_ENDPOINT: endpoint,
    PMBT_S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    PMBT_RULES_DIR: join(ROOT, 'data', 'rules'),
  };
}

/** Sets variables for this test file and returns a function that restores the old values. */
export function setEnv(vars: Record<string, string>): () => void {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Bundles a handler with serverless.yml's esbuild settings (ESM, .mjs, require shim). */
export async function bundleHandler(entry: string, outDir: string): Promise<string> {
  const outfile = join(outDir, entry.replace(/^handlers\//, '').replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    banner: { js: "import { createRequire as __pmbtCreateRequire } from 'node:module'; const require = __pmbtCreateRequire(import.meta.url);" },
  });
  return outfile;
}

/** Precedes the handler's result on the child's stdout, after whatever the handler logged. */
const RESULT_MARK = '@@handler-result@@';

export interface HandlerProcess {
  child: ChildProcess;
  /** Resolves with the handler's result, rejects with its error message or the signal that ended it. */
  result: Promise<unknown>;
}

/** Runs `handler(event)` of a bundled handler in a child process (a Lambda of its own). */
export function runBundledHandler(bundle: string, event: unknown, env: Record<string, string>): HandlerProcess {
  const script = `const RESULT = ${JSON.stringify(RESULT_MARK)}; import(${JSON.stringify(bundle)}).then((m) => m.handler(JSON.parse(process.argv[1])))
    .then((r) => { process.stdout.write('\\n' + RESULT + JSON.stringify(r)); }, (e) => { process.stderr.write(String(e && e.message || e)); process.exitCode = 1; });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(event)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const result = new Promise<unknown>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      const at = out.lastIndexOf(RESULT_MARK);
      if (code === 0 && at >= 0) {
        try {
          resolve(JSON.parse(out.slice(at + RESULT_MARK.length)));
        } catch (e) {
          reject(e as Error);
        }
      }
      else reject(new Error(signal ? `killed by ${signal}` : err || `exit code ${code}`));
    });
  });
  return { child, result };
}

export interface HoldingProxy {
  endpoint: string;
  /** Resolves when the first held request has arrived (its body is never forwarded). */
  held: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Forwards HTTP to `target` unchanged (the Host header too, so signatures stay valid) except the
 * requests `hold` picks: those are never answered, as if the writer died mid-upload.
 */
export async function startHoldingProxy(target: string, hold: (req: IncomingMessage) => boolean): Promise<HoldingProxy> {
  const upstream = new URL(target);
  let onHeld!: (url: string) => void;
  const held = new Promise<string>((r) => (onHeld = r));
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    if (hold(req)) {
      req.resume();
      onHeld(req.url ?? '');
      return;
    }
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.on('error', () => out.destroy());
    req.pipe(out);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    stop: () => closeServer(server, sockets),
  };
}

function closeServer(server: Server, sockets: Set<import('node:net').Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((r) => server.close(() => r()));
}

/** The memory job service's execution record, plus when the execution's work has finished. */
export interface FakeExecution extends MemoryFakeExecution {
  done: Promise<void>;
}

export interface FakeStepFunctions {
  endpoint: string;
  stateMachineArn: string;
  executions: FakeExecution[];
  stop(): Promise<void>;
}

/**
 * Step Functions' StartExecution and DescribeExecution (AWS JSON 1.0, as @aws-sdk/client-sfn sends
 * them). Each started execution runs `run(input)`; its outcome becomes SUCCEEDED or FAILED with the
 * error's name and message, as Step Functions reports a failed Lambda task.
 */
export async function startFakeStepFunctions(run: (input: unknown) => Promise<unknown>): Promise<FakeStepFunctions> {
  const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:pm-backtester-test-backtest';
  const executions: FakeExecution[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(body || '{}') as Record<string, string>;
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(payload));
      };
      if (target === 'AWSStepFunctions.StartExecution') {
        if (input.stateMachineArn !== stateMachineArn) return reply(400, { __type: 'StateMachineDoesNotExist', message: `no ${input.stateMachineArn}` });
        const name = input.name!;
        if (!/^[A-Za-z0-9._-]{1,80}$/.test(name)) return reply(400, { __type: 'InvalidName', message: `bad name ${name}` });
        const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        const execution: FakeExecution = { executionArn, name, input: JSON.parse(input.input!), status: 'RUNNING', done: Promise.resolve() };
        execution.done = run(execution.input).then(
          () => { execution.status = 'SUCCEEDED'; },
          (e: Error) => { execution.status = 'FAILED'; execution.error = e.name; execution.cause = e.message; },
        );
        executions.push(execution);
        return reply(200, { executionArn, startDate: Date.now() / 1000 });
      }
      if (target === 'AWSStepFunctions.DescribeExecution') {
        const e = executions.find((x) => x.executionArn === input.executionArn);
        if (!e) return reply(400, { __type: 'ExecutionDoesNotExist', message: 'no such execution' });
        return reply(200, { executionArn: e.executionArn, stateMachineArn, name: e.name, status: e.status, startDate: Date.now() / 1000, input: JSON.stringify(e.input), ...(e.error ? { error: e.error, cause: e.cause } : {}) });
      }
      return reply(400, { __type: 'UnknownOperationException', message: target });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stateMachineArn, executions, stop: () => closeServer(server, sockets) };
}

/** An HTTP API (payload 2.0) event as API Gateway sends it. */
/** The IAM identity API Gateway puts in a request it authorized (payload 2.0, `requestContext.authorizer.iam`). */
export const TEST_CALLER_ARN = 'arn:aws:iam::111122223333:user/risk-desk';

export function httpEvent(method: string, path: string, options: { body?: string; jobId?: string; isBase64Encoded?: boolean } = {}): Record<string, unknown> {
  const routeKey = method === 'POST' && path === '/backtests' ? 'POST /backtests' : method === 'GET' && path.startsWith('/backtests/') ? 'GET /backtests/{jobId}' : '$default';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r1',
      routeKey,
      stage: '$default',
      authorizer: { iam: { accessKey: 'AKIAIOSFODNN7EXAMPLE', accountId: '111122223333', callerId: 'AIDACKCEVSQ6C2EXAMPLE', cognitoIdentity: null, principalOrgId: null, userArn: TEST_CALLER_ARN, userId: 'AIDACKCEVSQ6C2EXAMPLE' } },
    },
    ...(options.jobId === undefined ? {} : { pathParameters: { jobId: options.jobId } }),
    ...(options.body === undefined ? {} : { body: options.body, isBase64Encoded: options.isBase64Encoded ?? false }),
  };
}
