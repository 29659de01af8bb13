// The bundled sample job's printed results, pinned: a change to the engines or the replay that
// alters any printed number, event or timeline value fails here. The window is the crash day
// (92 liquidated, 41 bankrupt, funding in USDⓈ-M and COIN-M, hourly loan interest, accounts left
// empty by a liquidation); the hashes were taken with the code before issue 16 item 3's scaled
// integers, empty-account rule and balance refresh, which must not change a byte, and before
// reports became datasets (read back through pmbt export, they are the same bytes).
//
// Issue 16 item 2 (what people read): funding and interest payments are events only with
// `events.ledger: true`, so the pinned run asks for the ledger and its events keep their hashes.
// It also added each portfolio's payment totals (`funding`, `interest`) to its summary line and
// the running cash flow (`cashFlowUSD`, the last column) to the timeline: the pins below are of
// the files with those taken out again, which must give the bytes pinned before. Issue 17 item 3
// added the top-up to survive (`topUp`, on by default): taken out the same way; and issue 17
// item 1's distance at the start (`startDistance`), once it became cheap enough to be on by default.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { formatBinanceDecimal } from '../../src/records/binance-format.js';
import { encodeArrowFile, readArrowBatches } from '../../src/io/arrow/report-tables.js';
import { TIMELINE_SCHEMA } from '../../src/records/timeline.js';
import { runPmbt } from '../helpers/pmbt.js';

const dir = mkdtempSync(join(tmpdir(), 'pmbt-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const WINDOW = ['--from', '2024-03-10T12:00:00Z', '--to', '2024-03-11T12:00:00Z'];

/** The sample job, with `events` set, run on the crash day and exported; the exported folder. */
async function runSample(jobId: string, events: Record<string, boolean> | undefined): Promise<string> {
  const job = JSON.parse(readFileSync('data/sample/job.json', 'utf8')) as Record<string, unknown>;
  const jobFile = join(dir, `${jobId}.json`);
  writeFileSync(jobFile, JSON.stringify(events === undefined ? job : { ...job, events }));
  const run = await runPmbt(['run', jobFile, ...WINDOW, '--job-id', jobId, '--output', `${dir}/`]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^liquidated {3}92 \(bankrupt 41\)$/m);
  // The job keeps its reports as one file per batch; pmbt export writes them as the single files
  // the hashes were taken from (before reports became datasets: the same bytes).
  const out = join(dir, `${jobId}.export`);
  const exported = await runPmbt(['export', join(dir, jobId), '--to', out]);
  expect(exported.code, exported.stderr).toBe(0);
  return out;
}

/** A summary line without the payment totals (added by issue 16 item 2), the top-up (issue 17 item 3) and the start distance (item 1), else as written. */
function withoutTotals(line: string): string {
  if (!line.startsWith('{"portfolioId"')) return line;
  const comma = line.endsWith(',') ? ',' : '';
  const { funding, interest, topUp, startDistance, ...before } = JSON.parse(comma ? line.slice(0, -1) : line) as Record<string, unknown>;
  // Every replayed portfolio's line has them (objects, possibly empty): a line without them would pass silently.
  expect(typeof funding, line).toBe('object');
  expect(typeof interest, line).toBe('object');
  expect(typeof topUp, line).toBe('object');
  expect(typeof startDistance, line).toBe('object');
  return JSON.stringify(before) + comma;
}

/** The exported timeline.arrow re-encoded without its last column, cashFlowUSD: the file as written before it. */
async function timelineWithoutCashFlow(file: string): Promise<Uint8Array> {
  const names = TIMELINE_SCHEMA.fields.map((f) => f.name);
  expect(names.at(-1)).toBe('cashFlowUSD');
  const before = names.slice(0, -1);
  const batches = [...readArrowBatches(readFileSync(file))].map((b) => b.select(before));
  const parts: Uint8Array[] = [];
  for await (const c of encodeArrowFile(batches[0]!.schema, batches)) parts.push(c);
  return Buffer.concat(parts);
}

interface EventLine { portfolioId: string; type: string; subject?: string; amount?: string }
const readEvents = (out: string) => readFileSync(join(out, 'events.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as EventLine);
const isPayment = (e: EventLine) => e.type === 'funding' || e.type === 'interest';

/** summary.json without its "job" line (it names the output folder and the job as run). */
const summaryOf = (out: string) => readFileSync(join(out, 'summary.json'), 'utf8').split('\n').filter((l) => !l.startsWith('"job": ')).join('\n');

describe('data/sample/job.json on 2024-03-10T12:00Z – 2024-03-11T12:00Z', () => {
  let ledger: string;
  let plain: string;
  beforeAll(async () => {
    ledger = await runSample('golden', { ledger: true });
    plain = await runSample('golden-default', undefined);
  }, 120_000);

  it('gives the pinned events, timeline and summary, byte for byte (with the ledger)', async () => {
    // Without each portfolio's kernelSteps (how many steps the kernel took, not a result)
    const summary = summaryOf(ledger).split('\n').map(withoutTotals).join('\n');
    expect(summary.match(/"kernelSteps":\d+,/g)).toHaveLength(1000);
    expect({
      'events.jsonl': sha256(readFileSync(join(ledger, 'events.jsonl'))),
      'events.arrow': sha256(readFileSync(join(ledger, 'events.arrow'))),
      'timeline.arrow': sha256(await timelineWithoutCashFlow(join(ledger, 'timeline.arrow'))),
      'summary.json': sha256(summary.replace(/"kernelSteps":\d+,/g, '')),
    }).toEqual({
      'events.jsonl': '6db368747aac1756ae2fc4a0002724847e04688da2375a3ae26e27f2b244258c',
      'events.arrow': '88824ecbb220c4e8c0d76bf2cf93c4c555d261e787f28867b1dd831c597be367',
      // Re-pinned when the kernel began to decide status changes (replay/fast-span.ts
      // runSpanInNewStatus): the events and summary kept their bytes; of the whole sample job's
      // 3,541,630 timeline cells, 379 float64s at those steps moved, by at most 1.9e-14 relative
      // (the kernel's numbers there, as at every other kernel step, instead of the exact engine's).
      'timeline.arrow': '66a87dd9437d1baa38a29fd1edaf4cdb31904270c25b9873092761c103f42a1d',
      'summary.json': '2a73d1014439de61d270ad138c4df937dfdfcb228b97d84d0e5d932c01819144',
    });
  });

  it('by default writes no payments, but their exact totals and the same timeline and summary', () => {
    const all = readEvents(ledger);
    const events = readEvents(plain);
    expect(all.filter((e) => e.type === 'funding').length).toBeGreaterThan(1000);
    expect(all.filter((e) => e.type === 'interest').length).toBeGreaterThan(0);
    expect(events.filter(isPayment)).toEqual([]);
    // Every other event is as the ledger run wrote it, in the same order.
    expect(events).toEqual(all.filter((e) => !isPayment(e)));
    // The ledger changes what the events hold, nothing else.
    expect(sha256(readFileSync(join(plain, 'timeline.arrow')))).toBe(sha256(readFileSync(join(ledger, 'timeline.arrow'))));
    expect(summaryOf(plain)).toBe(summaryOf(ledger));
  });

  it('gives per portfolio funding per symbol and interest per asset that add up the ledger exactly', () => {
    const sums = new Map<string, { funding: Record<string, Dec>; interest: Record<string, Dec> }>();
    for (const e of readEvents(ledger).filter(isPayment)) {
      const p = sums.get(e.portfolioId) ?? { funding: {}, interest: {} };
      const into = e.type === 'funding' ? p.funding : p.interest;
      into[e.subject!] = (into[e.subject!] ?? new Dec(0)).plus(e.amount!);
      sums.set(e.portfolioId, p);
    }
    const render = (m: Record<string, Dec> | undefined) => Object.fromEntries(Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, formatBinanceDecimal(v)]));
    const lines = summaryOf(plain).split('\n').filter((l) => l.startsWith('{"portfolioId"')).map((l) => JSON.parse(l.replace(/,$/, '')) as { portfolioId: string; funding: object; interest: object });
    expect(lines).toHaveLength(1000);
    expect(lines.filter((p) => Object.keys(p.funding).length > 0).length).toBeGreaterThan(500);
    expect(lines.some((p) => Object.keys(p.interest).length > 0)).toBe(true);
    for (const p of lines) {
      expect({ id: p.portfolioId, funding: p.funding, interest: p.interest }).toEqual({ id: p.portfolioId, funding: render(sums.get(p.portfolioId)?.funding), interest: render(sums.get(p.portfolioId)?.interest) });
    }
  });

  it('gives the running cash flow in the timeline, changing only when a payment is made', () => {
    const t = tableFromIPC(readFileSync(join(plain, 'timeline.arrow')));
    const ids = t.getChild('portfolioId')!.toArray() as string[];
    const times = t.getChild('time')!.toArray() as Float64Array;
    const cash = t.getChild('cashFlowUSD')!.toArray() as Float64Array;
    const lines = summaryOf(plain).split('\n').filter((l) => l.startsWith('{"portfolioId"')).map((l) => JSON.parse(l.replace(/,$/, '')) as { portfolioId: string; funding: Record<string, string>; interest: object });
    // Portfolios paying funding in USDⓈ-M USDT contracts only, no interest: funding is due at 00:00,
    // 08:00 and 16:00 UTC, so their cash flow moves only in those hours' buckets, and ends at their
    // USDT total in USD (USDT's index stays within a fraction of a percent of 1 in the sample:
    // 0.5 % of the payments' absolute sum, from the ledger, bounds the difference).
    const size = new Map<string, number>();
    for (const e of readEvents(ledger).filter(isPayment)) size.set(e.portfolioId, (size.get(e.portfolioId) ?? 0) + Math.abs(Number(e.amount)));
    const usdtOnly = new Map(lines.filter((p) => Object.keys(p.interest).length === 0 && Object.keys(p.funding).length > 0 && Object.keys(p.funding).every((s) => s.endsWith('USDT')))
      .map((p) => [p.portfolioId, Object.values(p.funding).reduce((a, v) => a + Number(v), 0)]));
    expect(usdtOnly.size).toBeGreaterThan(100);
    const last = new Map<string, number>();
    ids.forEach((id, i) => {
      const before = last.get(id) ?? 0;
      if (usdtOnly.has(id) && cash[i] !== before) expect(new Date(Number(times[i])).getUTCHours() % 8, `${id} at row ${i + 1}`).toBe(0);
      last.set(id, cash[i]!);
    });
    for (const [id, total] of usdtOnly) expect(Math.abs(last.get(id)! - total), id).toBeLessThanOrEqual(5e-3 * size.get(id)!);
  });
});
