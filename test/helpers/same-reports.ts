import { expect } from 'vitest';

/**
 * Asserts two runs of a job wrote the same reports, byte for byte — all but `_SUCCESS`'s `run`
 * (which run made them: a new id each run), which must be present in both and is compared apart.
 * Keys are compared as given; pass maps of key → bytes.
 */
export function expectSameReports(actual: ReadonlyMap<string, Uint8Array>, expected: ReadonlyMap<string, Uint8Array>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [key, bytes] of expected) {
    const got = actual.get(key)!;
    if (key.endsWith('_SUCCESS')) expect(markerWithoutRun(got), key).toEqual(markerWithoutRun(bytes));
    else expect(Buffer.from(got).equals(Buffer.from(bytes)), key).toBe(true);
  }
}

/** The completion marker's JSON with its `run` checked and removed. */
export function markerWithoutRun(bytes: Uint8Array): unknown {
  const { run, ...rest } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { run?: { runId?: unknown; startedBy?: unknown } };
  expect(run?.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
  expect(typeof run?.startedBy).toBe('string');
  return rest;
}
