import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { buildEventsBatch, buildTimelineBatch, encodeArrowFile, EVENTS_SCHEMA, TIMELINE_SCHEMA } from '../../../src/io/arrow/report-tables.js';
import type { EventRecord } from '../../../src/report/events.js';
import type { TimelineRow } from '../../../src/replay/timeline.js';

async function fileOf(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

describe('report tables', () => {
  it('writes timeline rows that read back as they were: repeated and non-ASCII ids, null uniMMR', async () => {
    const row = (portfolioId: string, time: number, uniMMR: number | null): TimelineRow => ({ portfolioId, time, uniMMR, accountEquity: time / 7, actualEquity: -1.5, maintMargin: 0, status: uniMMR === null ? 'NORMAL' : 'MARGIN_CALL', worstTime: time + 1, steps: 60 });
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
    expect(() => buildEventsBatch([{ portfolioId: 'p3', time: 4 } as EventRecord])).toThrow(/type: row 0 has no value/);
  });
});
