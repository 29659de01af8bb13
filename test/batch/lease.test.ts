// One writer per job: the lease a run holds on its job's folder (src/batch/lease.ts), on the memory
// and local stores (the S3 store's conditional writes are in the store contract, against s3rver).
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLeaseHeld, createRunId, holdJobLease, JobLeaseError, newLease, releaseLease, renewLease, takeLease, type LeaseClock } from '../../src/batch/lease.js';
import { createLocalStore } from '../../src/io/store/local.js';
import { createMemoryStore } from '../../src/io/store/memory.js';
import type { ObjectStore } from '../../src/io/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'pmbt-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-12-02T12:00:00Z');
const clock = (over: Partial<LeaseClock> = {}): LeaseClock => ({ now: NOW, host: 'here', isAlive: () => true, ...over });
const run = (n: number) => ({ runId: `20261202T120000Z-0000000${n}`, startedBy: `user${n}@here` });
const lease = (n: number, ttlMs = 60_000) => ({ ...newLease('job', run(n), { ttlMs }, NOW), startedAt: new Date(NOW).toISOString() });
const holderOf = async (store: ObjectStore) => (JSON.parse(new TextDecoder().decode(await store.read('out/job/_lease.json', { maxBytes: 4096 }))) as { runId: string }).runId;

describe.each([
  ['memory', () => createMemoryStore()],
  ['local', () => createLocalStore(mkdtempSync(join(dir, 'store-')))],
])('the job lease on the %s store', (_name, makeStore) => {
  it('is taken by one run; another is refused naming the holder; the holder may take it again', async () => {
    const store = makeStore();
    await takeLease(store, 'out/job', lease(1), clock());
    const refused = takeLease(store, 'out/job', lease(2), clock());
    await expect(refused).rejects.toBeInstanceOf(JobLeaseError);
    await expect(refused).rejects.toThrow(/^job job is running: run 20261202T120000Z-00000001, started by user1@here at 2026-12-02T12:00:00.000Z, holds .*_lease\.json until 2026-12-02T12:01:00.000Z; wait for it to finish, or delete that file if the run is dead$/);
    // a retried step of the same run
    await expect(takeLease(store, 'out/job', lease(1), clock())).resolves.toMatchObject({ lease: { runId: run(1).runId } });
    expect(await holderOf(store)).toBe(run(1).runId);
  });

  it('is taken over when expired, or when its local process is gone from this host — not when alive or elsewhere', async () => {
    const store = makeStore();
    await takeLease(store, 'out/job', { ...lease(1), process: { host: 'here', pid: 4242 } }, clock());
    // alive on this host, or on another host whose processes this one cannot see: refused
    await expect(takeLease(store, 'out/job', lease(2), clock({ isAlive: () => true }))).rejects.toBeInstanceOf(JobLeaseError);
    await expect(takeLease(store, 'out/job', lease(2), clock({ host: 'elsewhere', isAlive: () => false }))).rejects.toBeInstanceOf(JobLeaseError);
    await takeLease(store, 'out/job', lease(2), clock({ isAlive: (pid) => pid !== 4242 }));
    expect(await holderOf(store)).toBe(run(2).runId);
    await expect(takeLease(store, 'out/job', lease(3), clock({ now: NOW + 59_999 }))).rejects.toBeInstanceOf(JobLeaseError);
    await takeLease(store, 'out/job', lease(3), clock({ now: NOW + 60_000 }));
    expect(await holderOf(store)).toBe(run(3).runId);
  });

  it('a stale lease taken over by many runs at once goes to exactly one', async () => {
    const store = makeStore();
    await takeLease(store, 'out/job', lease(1, 1), clock());
    const later = clock({ now: NOW + 10 });
    const outcomes = await Promise.allSettled([2, 3, 4, 5, 6].map((n) => takeLease(store, 'out/job', lease(n), later)));
    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(JobLeaseError);
    expect(await holderOf(store)).toBe((winners[0] as PromiseFulfilledResult<{ lease: { runId: string } }>).value.lease.runId);
  });

  it('a renewal after another run took the lease fails; release removes only its own run\'s lease', async () => {
    const store = makeStore();
    const held = await takeLease(store, 'out/job', lease(1, 1), clock());
    const renewed = await renewLease(store, 'out/job', held, '2026-12-02T13:00:00.000Z');
    expect(renewed.lease.expiresAt).toBe('2026-12-02T13:00:00.000Z');
    await expect(checkLeaseHeld(store, 'out/job', run(1).runId)).resolves.toBeUndefined();
    await store.write('out/job/_lease.json', JSON.stringify(lease(2))); // taken over meanwhile
    await expect(renewLease(store, 'out/job', renewed, '2026-12-02T14:00:00.000Z')).rejects.toThrow(/^run 20261202T120000Z-00000001 of job job lost its lease .* to another run; its outputs are not complete$/);
    await expect(checkLeaseHeld(store, 'out/job', run(1).runId)).rejects.toThrow(/no longer holds .*: run 20261202T120000Z-00000002 \(started by user2@here\) holds it; not writing its outputs$/);
    expect(await releaseLease(store, 'out/job', run(1).runId)).toBe(false);
    expect(await holderOf(store)).toBe(run(2).runId);
    expect(await releaseLease(store, 'out/job', run(2).runId)).toBe(true);
    expect(await store.exists('out/job/_lease.json')).toBe(false);
  });
});

describe('a kept lease (a local run)', () => {
  it('is renewed while held, reports its loss on check(), and is gone after release', async () => {
    const store = createMemoryStore();
    const me = { runId: createRunId(new Date()), startedBy: 'me@here' };
    const keeper = await holdJobLease(store, 'out/job', 'job', me, { ttlMs: 60_000, renewEveryMs: 5, localProcess: true });
    const first = keeper.held().lease;
    expect(first.process).toEqual({ host: hostname(), pid: process.pid });
    await new Promise((r) => setTimeout(r, 40));
    expect(Date.parse(keeper.held().lease.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    keeper.check();
    await store.write('out/job/_lease.json', JSON.stringify(lease(2)));
    await new Promise((r) => setTimeout(r, 40));
    expect(() => keeper.check()).toThrow(JobLeaseError);
    await keeper.release();
    // a lost lease is the other run's: release leaves it
    expect(await holderOf(store)).toBe(run(2).runId);
  });
});
