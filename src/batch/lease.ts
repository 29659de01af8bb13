import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { InputError } from '../domain/errors.js';
import { describeValue, parseJsonText, readObject, readString } from '../domain/json-fields.js';
import { joinKey } from '../io/store/keys.js';
import type { ObjectStore } from '../io/store/types.js';

// One writer per job (docs/formats.md "One writer per job"): a run holds `<job>/_lease.json` from
// its first write to its last. The lease is created with a conditional write (S3: If-None-Match: *;
// locally link(2)), so of two runs started together exactly one gets it and the other is refused
// with JobLeaseError before it touches the job's files. A lease ends when its run releases it,
// when it expires (a run that lives longer renews it), or — for a local run — when the process
// that holds it is gone from this host; a stale lease is taken over with a conditional replace of
// exactly the lease that was found stale.

export const LEASE_FILE = '_lease.json';
const MAX_LEASE_BYTES = 64 * 1024;

/** Who is running a job: the content of its lease, also recorded in run.json and _SUCCESS. */
export interface RunIdentity {
  /** Unique per run: `<UTC time>-<random>` (createRunId). */
  runId: string;
  /** Who asked for the run: an IAM caller, a schedule, `user@host` for the CLI. */
  startedBy: string;
}

export interface JobLease extends RunIdentity {
  version: 1;
  jobId: string;
  startedAt: string;
  /** After this the lease is stale whoever holds it; a run that lives longer renews it. */
  expiresAt: string;
  /** Local runs only: a lease whose process is gone from this host is stale at once. */
  process?: { host: string; pid: number };
}

/** A lease as this run holds it: its content and the tag a renewal or takeover must match. */
export interface HeldLease {
  lease: JobLease;
  tag: string;
}

/** The job is held by another run, or this run lost its lease: nothing of the job was written. */
export class JobLeaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobLeaseError';
  }
}

/** `20261202T130102Z-1a2b3c4d`: sortable, readable in a Step Functions execution name (≤ 80 chars with a 52-char job id). */
export function createRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

export const leaseKey = (jobKey: string) => joinKey(jobKey, LEASE_FILE);

/** Whether a process of this host is alive (signal 0 tests without signalling; EPERM means it exists). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LeaseClock {
  now: number;
  host: string;
  isAlive: (pid: number) => boolean;
}

function parseLease(bytes: Uint8Array, uri: string): JobLease | undefined {
  try {
    const o = readObject(uri, '', parseJsonText(uri, new TextDecoder().decode(bytes)));
    const proc = o.process === undefined ? undefined : readObject(uri, 'process', o.process);
    if (proc !== undefined && (typeof proc.pid !== 'number' || typeof proc.host !== 'string')) return undefined;
    return {
      version: 1,
      jobId: readString(uri, 'jobId', o.jobId),
      runId: readString(uri, 'runId', o.runId),
      startedBy: readString(uri, 'startedBy', o.startedBy),
      startedAt: readString(uri, 'startedAt', o.startedAt),
      expiresAt: readString(uri, 'expiresAt', o.expiresAt),
      ...(proc === undefined ? {} : { process: { host: proc.host as string, pid: proc.pid as number } }),
    };
  } catch {
    return undefined;
  }
}

const renderLease = (lease: JobLease) => `${JSON.stringify(lease, null, 2)}\n`;

/** Stale: expired, unreadable (writes are whole, so only a foreign file), or its local process is gone. */
function isStale(lease: JobLease | undefined, clock: LeaseClock): boolean {
  if (lease === undefined) return true;
  const expires = Date.parse(lease.expiresAt);
  if (!(expires > clock.now)) return true;
  return lease.process !== undefined && lease.process.host === clock.host && !clock.isAlive(lease.process.pid);
}

function busyMessage(uri: string, held: JobLease): string {
  return `job ${held.jobId} is running: run ${held.runId}, started by ${held.startedBy} at ${held.startedAt}, holds ${uri} until ${held.expiresAt}; wait for it to finish, or delete that file if the run is dead`;
}

/**
 * Takes the job's lease for `lease.runId`, or refuses with JobLeaseError while another live run
 * holds it. Taking a lease this run already holds (a retried step) returns it as it is.
 */
export async function takeLease(store: ObjectStore, jobKey: string, lease: JobLease, clock: LeaseClock): Promise<HeldLease> {
  const key = leaseKey(jobKey);
  const body = renderLease(lease);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await store.writeIf(key, body, { absent: true })) return store.readTagged(key, { maxBytes: MAX_LEASE_BYTES }).then(({ tag }) => ({ lease, tag }));
    let found;
    try {
      found = await store.readTagged(key, { maxBytes: MAX_LEASE_BYTES });
    } catch {
      continue; // released between the two requests: try to create it again
    }
    const current = parseLease(found.bytes, store.uriOf(key));
    if (current?.runId === lease.runId) return { lease: current, tag: found.tag };
    if (!isStale(current, clock)) throw new JobLeaseError(busyMessage(store.uriOf(key), current!));
    // Replace exactly the stale lease that was read: of two runs taking it over, one wins.
    if (await store.writeIf(key, body, { tag: found.tag })) return store.readTagged(key, { maxBytes: MAX_LEASE_BYTES }).then(({ tag }) => ({ lease, tag }));
  }
  const now = await store.readTagged(key, { maxBytes: MAX_LEASE_BYTES });
  const holder = parseLease(now.bytes, store.uriOf(key));
  throw new JobLeaseError(holder ? busyMessage(store.uriOf(key), holder) : `job ${lease.jobId}: could not take ${store.uriOf(key)}`);
}

/** Extends a held lease; JobLeaseError when another run has taken it meanwhile. */
export async function renewLease(store: ObjectStore, jobKey: string, held: HeldLease, expiresAt: string): Promise<HeldLease> {
  const key = leaseKey(jobKey);
  const lease = { ...held.lease, expiresAt };
  if (!(await store.writeIf(key, renderLease(lease), { tag: held.tag }))) {
    throw new JobLeaseError(`run ${held.lease.runId} of job ${held.lease.jobId} lost its lease ${store.uriOf(key)} to another run; its outputs are not complete`);
  }
  const { tag } = await store.readTagged(key, { maxBytes: MAX_LEASE_BYTES });
  return { lease, tag };
}

/** Throws JobLeaseError unless `runId` holds the job's lease: a step about to publish checks it. */
export async function checkLeaseHeld(store: ObjectStore, jobKey: string, runId: string): Promise<void> {
  const key = leaseKey(jobKey);
  const holder = (await store.exists(key)) ? parseLease(await store.read(key, { maxBytes: MAX_LEASE_BYTES }), store.uriOf(key)) : undefined;
  if (holder?.runId !== runId) {
    const who = holder === undefined ? 'nobody holds it' : `run ${holder.runId} (started by ${holder.startedBy}) holds it`;
    throw new JobLeaseError(`run ${runId} of the job no longer holds ${store.uriOf(key)}: ${who}; not writing its outputs`);
  }
}

/** Removes the lease if `runId` holds it (a run ends, or the API clears a run it knows has ended). */
export async function releaseLease(store: ObjectStore, jobKey: string, runId: string): Promise<boolean> {
  const key = leaseKey(jobKey);
  if (!(await store.exists(key))) return false;
  const holder = parseLease(await store.read(key, { maxBytes: MAX_LEASE_BYTES }), store.uriOf(key));
  if (holder?.runId !== runId) return false;
  await store.delete(key);
  return true;
}

/** Reads a run id (createRunId's form) from an event, a manifest item or a record. */
export function readRunId(src: string, path: string, v: unknown): string {
  const runId = readString(src, path, v);
  if (!RUN_ID_PATTERN.test(runId)) throw new InputError(src, path, 'a run id like 20261202T130102Z-1a2b3c4d', describeValue(runId));
  return runId;
}

/** Reads a run identity from an event or a record (`run: { runId, startedBy }`). */
export function readRunIdentity(src: string, path: string, raw: unknown): RunIdentity {
  const o = readObject(src, path, raw);
  const runId = readRunId(src, `${path}.runId`, o.runId);
  const startedBy = readString(src, `${path}.startedBy`, o.startedBy);
  if (startedBy.length === 0 || startedBy.length > 256) throw new InputError(src, `${path}.startedBy`, 'who started the run, 1 to 256 characters', `${startedBy.length} characters`);
  return { runId, startedBy };
}

/** `user@host`: who started a run from this machine's CLI. */
export function describeLocalUser(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host still says where the run came from.
  }
  return `${user}@${hostname()}`;
}

export const systemLeaseClock = (): LeaseClock => ({ now: Date.now(), host: hostname(), isAlive: isProcessAlive });

/** How long a lease lasts and, for a run that renews it, how often it does. */
export interface LeaseTerms {
  ttlMs: number;
  /** Renew while the run lives (local runs); none for a lease a later step releases (the plan's). */
  renewEveryMs?: number;
  /** Local runs: this process, so a lease left by a killed run is stale at once on this host. */
  localProcess?: boolean;
}

/** A held lease kept alive by renewal; check() throws once it is lost, release() ends it. */
export interface LeaseKeeper {
  held(): HeldLease;
  check(): void;
  release(): Promise<void>;
}

export function newLease(jobId: string, run: RunIdentity, terms: LeaseTerms, now: number): JobLease {
  return {
    version: 1,
    jobId,
    runId: run.runId,
    startedBy: run.startedBy,
    startedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + terms.ttlMs).toISOString(),
    ...(terms.localProcess === true ? { process: { host: hostname(), pid: process.pid } } : {}),
  };
}

/** Takes the job's lease for this run and renews it every `terms.renewEveryMs` until released. */
export async function holdJobLease(store: ObjectStore, jobKey: string, jobId: string, run: RunIdentity, terms: LeaseTerms): Promise<LeaseKeeper> {
  const clock = systemLeaseClock();
  let held = await takeLease(store, jobKey, newLease(jobId, run, terms, clock.now), clock);
  let lost: JobLeaseError | undefined;
  let renewing: Promise<void> = Promise.resolve();
  const timer = terms.renewEveryMs === undefined ? undefined : setInterval(() => {
    renewing = renewing.then(async () => {
      if (lost !== undefined) return;
      try {
        held = await renewLease(store, jobKey, held, new Date(Date.now() + terms.ttlMs).toISOString());
      } catch (e) {
        // A store fault is tried again next time, until the lease would have expired.
        if (e instanceof JobLeaseError) lost = e;
        else if (Date.now() >= Date.parse(held.lease.expiresAt)) lost = new JobLeaseError(`could not renew ${store.uriOf(leaseKey(jobKey))} before it expired: ${(e as Error).message}`);
      }
    });
  }, terms.renewEveryMs);
  // A renewal must not keep a finished CLI alive.
  timer?.unref();
  return {
    held: () => held,
    check() {
      if (lost !== undefined) throw lost;
    },
    async release() {
      if (timer !== undefined) clearInterval(timer);
      await renewing;
      if (lost === undefined) await releaseLease(store, jobKey, run.runId);
    },
  };
}
