/**
 * An HTTP proxy on loopback that injects network faults between an S3 client and the loopback S3
 * server (test/helpers/s3-server.ts), for the fault tests (docs/testing.md "Fault injection").
 *
 * For a seeded share of requests it does one of:
 * - `drop`: closes the connection without answering (the client sees "socket hang up");
 * - `reset`: resets the connection (TCP RST: ECONNRESET);
 * - `stall`: answers nothing for `stallMs` (longer than the client's request timeout), then closes;
 * - `truncate`: forwards the response headers as they are, then half the body, then closes;
 * - `truncate-length`: sends half the body as if it were all of it (Content-Length matching the
 *   half), a well-formed response that only a checksum can tell from the real one.
 * The others are forwarded unchanged (Host header included, so signatures stay valid).
 *
 * Faults are drawn per request in arrival order from a seeded generator, so a seed gives the same
 * sequence of faults; which request meets which fault may vary with concurrency. The proxy never
 * loops or retries by itself: one request in, at most one forwarded.
 */
import { mulberry32 } from '../engine/parity-compare.js';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULT_KINDS = ['drop', 'reset', 'stall', 'truncate', 'truncate-length'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectedFault {
  kind: FaultKind;
  method: string;
  url: string;
  /**
   * For a stall: whether the client closed the connection before the proxy did, i.e. its request
   * timeout ended the stall (what the tests assert instead of timing anything).
   */
  closedByClient?: boolean;
}

export interface FaultPlan {
  seed: number;
  /** Share of requests that meet a fault, 0 to 1 (0: a clean proxy). */
  rate: number;
  /** Chooses the fault of each request instead of the seeded draw (a test aiming at one request). */
  pick?: (req: { method: string; url: string; index: number }) => FaultKind | undefined;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Starts a new sequence of faults (and a new record of them). */
  reset(plan: FaultPlan): void;
  /** Requests seen and faults injected since the last reset. */
  readonly requests: number;
  readonly faults: readonly InjectedFault[];
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The server to forward to; must be a loopback address. */
  target: string;
  /** How long a stalled request is held before its connection is closed; above the client's timeout. */
  stallMs: number;
}


export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.target);
  if (upstream.hostname !== '127.0.0.1') throw new Error(`fault proxy: target must be on 127.0.0.1, got ${options.target}`);
  let next = mulberry32(0);
  let rate = 0;
  let pick: FaultPlan['pick'];
  let requests = 0;
  let faults: InjectedFault[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const draw = (): FaultKind | undefined => {
    const hit = next() < rate;
    const kind = FAULT_KINDS[Math.floor(next() * FAULT_KINDS.length)]!;
    return hit ? kind : undefined;
  };

  const server = createServer((req, res) => {
    const method = req.method ?? '';
    const url = req.url ?? '';
    const kind = pick ? pick({ method, url, index: requests }) : draw();
    requests++;
    const fault: InjectedFault | undefined = kind === undefined ? undefined : { kind, method, url };
    if (fault) faults.push(fault);
    if (kind === 'drop') return void req.socket.destroy();
    if (kind === 'reset') return void req.socket.resetAndDestroy();
    if (kind === 'stall') {
      req.resume();
      let byProxy = false;
      req.socket.once('close', () => { fault!.closedByClient = !byProxy; });
      const timer = setTimeout(() => {
        timers.delete(timer);
        byProxy = true;
        req.socket.destroy();
      }, options.stallMs);
      timers.add(timer);
      return;
    }
    forward(upstream, req, res, kind);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reset(plan: FaultPlan) {
      next = mulberry32(plan.seed);
      rate = plan.rate;
      pick = plan.pick;
      requests = 0;
      faults = [];
    },
    get requests() { return requests; },
    get faults() { return faults; },
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Forwards one request; a truncating kind cuts the response body in half. */
function forward(upstream: URL, req: IncomingMessage, res: ServerResponse, kind: 'truncate' | 'truncate-length' | undefined): void {
  const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
    if (kind === undefined) {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      return;
    }
    // Buffered whole: the body is cut at a known point whatever the upstream's chunking.
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      const half = body.subarray(0, Math.floor(body.length / 2));
      const headers = { ...up.headers };
      // No body (a HEAD, an empty PUT answer): nothing to cut, and its Content-Length stays.
      if (body.length === 0) {
        res.writeHead(up.statusCode ?? 502, headers);
        res.end();
        return;
      }
      delete headers['transfer-encoding'];
      if (kind === 'truncate-length') {
        res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(half.length) });
        res.end(half);
        return;
      }
      res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
      res.write(half, () => res.destroy());
    });
    up.on('error', () => res.destroy());
  });
  out.on('error', () => res.destroy());
  req.on('error', () => out.destroy());
  req.pipe(out);
}
