import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeArrowFile } from '../../../src/io/arrow/report-tables.js';
import { buildEventsBatch, EVENTS_SCHEMA, readEventRecords } from '../../../src/records/events/arrow.js';
import type { EventRecord } from '../../../src/records/events/index.js';

async function tableOf(records: EventRecord[]) {
  const parts: Uint8Array[] = [];
  for await (const c of encodeArrowFile(EVENTS_SCHEMA, [buildEventsBatch(records)])) parts.push(c);
  return tableFromIPC(Buffer.concat(parts));
}

describe('events.arrow', () => {
  it('has the record’s fields as columns, in order; only portfolioId, time and type never null', () => {
    expect(EVENTS_SCHEMA.fields.map((f) => `${f.name}${f.nullable ? '?' : ''}`)).toEqual(['portfolioId', 'time', 'type', 'from?', 'to?', 'uniMMR?', 'subject?', 'amount?', 'rate?', 'price?', 'feesUSD?', 'lossUSD?', 'detail?']);
  });
  it('writes absent fields as nulls and reads them back as absent', async () => {
    const events: EventRecord[] = [
      { portfolioId: 'p1', time: 1, type: 'riskLevelChange', to: 'NORMAL', uniMMR: '2.00000000' },
      { portfolioId: 'p1', time: 2, type: 'priceGap', subject: 'index:BTC', detail: 'stale — “quoted” text' },
      { portfolioId: 'p2', time: 3, type: 'priceGapEnd' },
    ];
    const t = await tableOf(events);
    expect(t.getChild('from')!.nullCount).toBe(3);
    const back = readEventRecords(t.batches[0]!, 'events.arrow');
    expect(back.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)))).toEqual(events);
  });
  it('refuses to write a row without a required field', () => {
    expect(() => buildEventsBatch([{ portfolioId: 'p3', time: 4 } as EventRecord])).toThrow(/type: row 1 has no value/);
  });
  it('fails on a row it cannot read: an unknown type, a missing field, naming the file and the row counted from 1', async () => {
    const t = await tableOf([{ portfolioId: 'p', time: 1, type: 'priceGapEnd' }, { portfolioId: 'p', time: 2, type: 'meteorStrike' }]);
    expect(() => readEventRecords(t.batches[0]!, 'out/events.arrow', 100)).toThrow(/^out\/events\.arrow: row 102\.type: expected an event type/);
    const missing = await tableOf([{ portfolioId: 'p', time: 1, type: 'funding', subject: 'BTCUSDT', amount: '1.00000000', rate: '0.0001', detail: 'USDT' }]);
    expect(() => readEventRecords(missing.batches[0]!, 'out/events.arrow')).toThrow(/^out\/events\.arrow: row 1\.price: expected a funding event's price, got nothing$/);
  });
});
