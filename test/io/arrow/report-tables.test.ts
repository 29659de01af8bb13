import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeArrowFile, readArrowBatches } from '../../../src/io/arrow/report-tables.js';
import { buildEventsBatch, EVENTS_SCHEMA } from '../../../src/records/events/arrow.js';
import type { EventRecord } from '../../../src/records/events/index.js';
import { buildTimelineBatch, TIMELINE_SCHEMA, type TimelineRow } from '../../../src/records/timeline.js';

async function fileOf(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

describe('report tables', () => {
  it('writes timeline rows that read back as they were: repeated and non-ASCII ids, null uniMMR', async () => {
    const row = (portfolioId: string, time: number, uniMMR: number | null): TimelineRow => ({ portfolioId, time, uniMMR, accountEquity: time / 7, actualEquity: -1.5, maintMargin: 0, status: uniMMR === null ? 'NORMAL' : 'MARGIN_CALL', worstTime: time + 1, steps: 60, cashFlowUSD: -time / 1e6 });
    const rows = [row('fund-α', 0, 1.25), row('fund-α', 3_600_000, null), row('基金', 7_200_000, 0.5), row('', 10_800_000, null), row('fund-α', 14_400_000, 3)];
    const t = tableFromIPC(await fileOf(encodeArrowFile(TIMELINE_SCHEMA, [buildTimelineBatch(rows)])));
    expect(t.toArray().map((r) => r.toJSON())).toEqual(rows);
  });

  it('writes events with absent fields as nulls, and refuses a row without a required field', async () => {
    const events: EventRecord[] = [
      { portfolioId: 'p1', time: 1, type: 'riskLevelChange', to: 'NORMAL', uniMMR: '2.00000000' },
      { portfolioId: 'p1', time: 2, type: 'priceGap', subject: 'index:BTC', detail: 'stale — “quoted” text' },
      { portfolioId: 'p2', time: 3, type: 'priceGapEnd' },
    ];
    const t = tableFromIPC(await fileOf(encodeArrowFile(EVENTS_SCHEMA, [buildEventsBatch(events)])));
    expect(t.toArray().map((r) => Object.fromEntries(Object.entries(r.toJSON() as Record<string, unknown>).filter(([, v]) => v !== null)))).toEqual(events);
    expect(t.getChild('from')!.nullCount).toBe(3);
    expect(() => buildEventsBatch([{ portfolioId: 'p3', time: 4 } as EventRecord])).toThrow(/type: row 1 has no value/);
  });

  it('writes a file with its schema and no rows when there is nothing to write, and appends batches in order', async () => {
    const empty = tableFromIPC(await fileOf(encodeArrowFile(EVENTS_SCHEMA, [buildEventsBatch([])])));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => f.name)).toEqual(EVENTS_SCHEMA.fields.map((f) => f.name));
    const row = (portfolioId: string, time: number): TimelineRow => ({ portfolioId, time, uniMMR: 2, accountEquity: 1, actualEquity: 1, maintMargin: 0.5, status: 'NORMAL', worstTime: time, steps: 1, cashFlowUSD: 0 });
    const file = await fileOf(encodeArrowFile(TIMELINE_SCHEMA, [buildTimelineBatch([row('a', 0)]), buildTimelineBatch([]), buildTimelineBatch([row('b', 1), row('c', 2)])]));
    expect([...readArrowBatches(file)].map((b) => b.numRows)).toEqual([1, 2]);
    expect(tableFromIPC(file).getChild('portfolioId')!.toArray()).toEqual(['a', 'b', 'c']);
  });
});
