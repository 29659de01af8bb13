/**
 * A real S3-compatible server (s3rver) for tests, on loopback only.
 *
 * Usage, from any test file:
 *   let s3: S3TestServer;
 *   beforeAll(async () => { s3 = await startS3Server({ buckets: ['test-bucket'] }); });
 *   afterAll(() => s3?.stop());
 *
 * s3rver runs in a child process rather than in the test worker because its listing token uses
 * DES, which OpenSSL 3 only offers under `node --openssl-legacy-provider` (HTTP 500 otherwise),
 * and that flag must not leak into the code under test.
 *
 * PutObject's If-None-Match and If-Match (conditional writes) are added in front of s3rver, which
 * ignores them on PUT; see CHILD_SCRIPT.
 *
 * The clients keep the SDK's default checksum settings, exactly like production. That works because
 * the stores never send a stream as a request body; see src/io/store/s3.ts for why that matters
 * with s3rver (it does not decode `Content-Encoding: aws-chunked` and would store the framing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** A client for the server with production defaults; destroyed by stop(). */
  client(): S3Client;
  stop(): Promise<void>;
}

export interface S3TestServerOptions {
  buckets: readonly string[];
  /** How long to wait for the child to listen; it normally takes well under a second. */
  startTimeoutMs?: number;
}

/** The only address the server binds to and the clients talk to. */
const LOOPBACK = '127.0.0.1';

// s3rver's hard-coded dummy account; any other key fails signature checks.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// Plain CommonJS run by `node` directly, so it needs no TypeScript loader. It exits, removing its
// temp directory, when its stdin closes (which also happens when the test worker is killed without
// running exit handlers) or on SIGTERM/SIGINT.
const CHILD_SCRIPT = `'use strict';
const { rmSync } = require('node:fs');
const [s3rverPath, tempDir, directory, address, bucketsJson] = process.argv.slice(2);
const S3rver = require(s3rverPath);
const quit = (code) => {
  rmSync(tempDir, { recursive: true, force: true });
  process.exit(code);
};
const server = new S3rver({
  address,
  port: 0,
  directory,
  silent: true,
  configureBuckets: JSON.parse(bucketsJson).map((name) => ({ name })),
});
// s3rver 3.7.1 honours If-None-Match and If-Match on GET only; on PUT it ignores them. S3 answers a
// PutObject whose condition fails with 412 PreconditionFailed (If-None-Match: * since August 2024,
// If-Match since November 2024; a missing object under If-Match is 404 NoSuchKey):
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html. This middleware,
// placed before s3rver's own, adds exactly that and serialises conditional PUTs of one key, so
// the one-writer-per-job tests run against S3's semantics. Unconditional requests pass untouched.
const conditionalPuts = new Map();
const preconditionFailed = (ctx, status, code, condition) => {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>' + code + '</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>' + condition + '</Condition></Error>';
};
const unquote = (etag) => String(etag).replace(/"/g, '');
server.middleware.unshift(async (ctx, next) => {
  const ifNoneMatch = ctx.get('if-none-match');
  const ifMatch = ctx.get('if-match');
  if (ctx.method !== 'PUT' || (ifNoneMatch === '' && ifMatch === '') || ctx.query.partNumber !== undefined) return next();
  const [, bucket, ...rest] = ctx.path.split('/').map(decodeURIComponent);
  const key = rest.join('/');
  const id = bucket + '/' + key;
  const previous = conditionalPuts.get(id) || Promise.resolve();
  const turn = previous.then(async () => {
    const metadata = await server.store.getMetadata(bucket, key).catch(() => undefined);
    if (ifNoneMatch !== '' && metadata !== undefined) return preconditionFailed(ctx, 412, 'PreconditionFailed', 'If-None-Match');
    if (ifMatch !== '' && metadata === undefined) return preconditionFailed(ctx, 404, 'NoSuchKey', 'If-Match');
    if (ifMatch !== '' && unquote(metadata.etag) !== unquote(ifMatch)) return preconditionFailed(ctx, 412, 'PreconditionFailed', 'If-Match');
    return next();
  });
  conditionalPuts.set(id, turn.catch(() => undefined));
  await turn;
});
server.run().then(
  (bound) => process.stdout.write(JSON.stringify({ address: bound.address, port: bound.port }) + '\\n'),
  (err) => { process.stderr.write(String((err && err.stack) || err) + '\\n'); quit(1); },
);
process.stdin.on('end', () => quit(0));
process.on('SIGTERM', () => quit(0));
process.on('SIGINT', () => quit(0));
process.stdin.resume();
`;

export async function startS3Server(options: S3TestServerOptions): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pmbt-s3rver-'));
  const script = join(dir, 'server.cjs');
  const dataDir = join(dir, 'data');
  await writeFile(script, CHILD_SCRIPT);
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');

  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', script, s3rverPath, dir, dataDir, LOOPBACK, JSON.stringify(options.buckets)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // Only synchronous work is possible in 'exit'; the child cleans up after itself on SIGTERM.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);

  const clients: S3Client[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const c of clients) c.destroy();
      await stopChild(child);
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    })());

  let port: number;
  try {
    port = await readPort(child, options.startTimeoutMs ?? 10_000);
  } catch (e) {
    await stop();
    throw e;
  }

  const endpoint = `http://${LOOPBACK}:${port}`;
  return {
    endpoint,
    client() {
      const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
      clients.push(c);
      return c;
    },
    stop,
  };
}

function readPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`s3rver did not start: ${why}${err ? `\n${err}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no port after ${timeoutMs} ms`), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e) => fail(String(e)));
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal}`));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      const bound = JSON.parse(line) as { address: string; port: number };
      if (bound.address !== LOOPBACK) reject(new Error(`s3rver bound to ${bound.address}, expected ${LOOPBACK}`));
      else resolve(bound.port);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}
