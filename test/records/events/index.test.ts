import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeArrowFile } from '../../../src/io/arrow/report-tables.js';
import { buildEventsBatch, EVENTS_SCHEMA, readEventRecords } from '../../../src/records/events/arrow.js';
import { checkEventRecord, EVENT_TYPES, renderEventRecord, type EventRecord } from '../../../src/records/events/index.js';
import { parseEventLine, renderEventLine } from '../../../src/records/events/jsonl.js';
import { SAMPLE_EVENTS, T } from '../../helpers/events.js';

// Every registered event type, rendered to its record and read back from JSON and from Arrow.

const all = Object.values(SAMPLE_EVENTS).flat();
const records = all.map((e, i) => renderEventRecord(`p-${i % 3}-α`, e));
const defined = (r: EventRecord) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== null));

describe('the event registry', () => {
  it('has one module per type, each with a sample here', () => {
    const types = EVENT_TYPES.map((t) => t.type);
    expect(new Set(types).size).toBe(types.length);
    expect(Object.keys(SAMPLE_EVENTS).sort()).toEqual([...types].sort());
  });
  it('renders each event into the fields its module declares, amounts as 8-decimal strings cut toward zero', () => {
    for (const r of records) {
      const t = EVENT_TYPES.find((x) => x.type === r.type)!;
      const filled = Object.keys(defined(r)).filter((k) => !['portfolioId', 'time', 'type'].includes(k));
      for (const k of t.required) expect(filled, `${r.type} fills ${k}`).toContain(k);
      for (const k of filled) expect([...t.required, ...t.optional], `${r.type} may fill ${k}`).toContain(k);
    }
    expect(defined(records[0]!)).toEqual({ portfolioId: 'p-0-α', time: T, type: 'riskLevelChange', to: 'NORMAL', uniMMR: '3.12345678' });
    const liquidation = records.find((r) => r.type === 'liquidation')!;
    expect(liquidation).toMatchObject({ uniMMR: 'null', feesUSD: '12.34567891' });
    expect(JSON.parse(liquidation.detail!)).toEqual({ policy: 'stepwise', uniMMRBefore: '1.01000000', legs: [
      { kind: 'UM', name: 'BTCUSDT', quantity: '-0.50000000', price: '60000.10000000', realizedPnl: '-10.00000000', feeUSD: '12.34567891' },
      { kind: 'collateral', name: 'ETH', quantity: '2.00000000', price: '3000.00000000', realizedPnl: '0.00000000', feeUSD: '0.00000000' },
    ] });
    expect(records.find((r) => r.type === 'funding')).toMatchObject({ subject: 'BTCUSDT', amount: '-7.40000000', rate: '0.000123456789', price: '60000.50000000', detail: 'USDT' });
    expect(records.filter((r) => r.type === 'priceGap').map((r) => r.detail)).toEqual(['stale (last 2024-03-01T06:00:00.000Z)', 'missing']);
  });
  it('marks what was found at a bar\'s adverse extreme as intrabar, in the detail (and only then)', () => {
    const details = records.filter((r) => all[records.indexOf(r)]!.type !== 'liquidation' && 'intrabar' in all[records.indexOf(r)]!).map((r) => [r.type, r.detail]);
    expect(details).toEqual([['riskLevelChange', 'intrabar'], ['ordersCancelled', '1 open orders cancelled (intrabar)'], ['liquidationCancelled', 'intrabar'], ['bankruptcy', 'intrabar']]);
    const [atClose, intrabar] = records.filter((r) => r.type === 'liquidation').map((r) => JSON.parse(r.detail!) as Record<string, unknown>);
    expect(atClose).not.toHaveProperty('intrabar');
    expect(intrabar).toMatchObject({ policy: 'full', uniMMRBefore: '0.80000000', intrabar: true });
    expect(records.filter((r) => r.type === 'riskLevelChange' || r.type === 'bankruptcy').filter((r) => r.detail === undefined)).toHaveLength(3);
  });
  it('round-trips every type through an events.jsonl line', () => {
    const lines = records.map(renderEventLine);
    expect(lines[0]).toBe('{"portfolioId":"p-0-α","time":1709280000000,"at":"2024-03-01T08:00:00.000Z","type":"riskLevelChange","to":"NORMAL","uniMMR":"3.12345678"}');
    expect(lines.map((l, i) => parseEventLine(l, 'events.jsonl', i + 1))).toEqual(records);
  });
  it('round-trips every type through events.arrow', async () => {
    const chunks: Uint8Array[] = [];
    for await (const c of encodeArrowFile(EVENTS_SCHEMA, [buildEventsBatch(records.slice(0, 4)), buildEventsBatch(records.slice(4))])) chunks.push(c);
    const table = tableFromIPC(Buffer.concat(chunks));
    let first = 0;
    const back = table.batches.flatMap((b) => {
      const rows = readEventRecords(b, 'events.arrow', first);
      first += b.numRows;
      return rows;
    });
    expect(back).toEqual(records);
  });
  it('checks a record against its module: known type, its required fields, no field it never fills', () => {
    const ok = { portfolioId: 'p', time: 1, type: 'bankruptcy', lossUSD: '1.00000000' };
    expect(defined(checkEventRecord(ok, 'f', 'row 1'))).toEqual(ok);
    expect(() => checkEventRecord({ ...ok, type: 'meteorStrike' }, 'f', 'row 2')).toThrow(/^f: row 2\.type: expected an event type \(riskLevelChange, .*priceGapEnd\), got "meteorStrike"$/);
    expect(() => checkEventRecord({ ...ok, lossUSD: undefined }, 'f', 'row 3')).toThrow(/^f: row 3\.lossUSD: expected a bankruptcy event's lossUSD, got nothing$/);
    expect(() => checkEventRecord({ ...ok, subject: 'BTC' }, 'f', 'row 4')).toThrow(/^f: row 4\.subject: expected no such field in a bankruptcy event \(its fields: lossUSD, detail\)/);
    expect(() => checkEventRecord({ ...ok, lossUSD: 1 }, 'f', 'row 5')).toThrow(/row 5\.lossUSD: expected a string, got 1/);
    expect(() => checkEventRecord({ ...ok, time: -1 }, 'f', 'row 6')).toThrow(/row 6\.time: expected a time in ms/);
    expect(() => checkEventRecord({ ...ok, portfolioId: null }, 'f', 'row 7')).toThrow(/row 7\.portfolioId: expected a string/);
  });
});
