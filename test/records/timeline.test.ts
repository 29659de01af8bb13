import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeArrowFile } from '../../src/io/arrow/report-tables.js';
import { STORED_TIMELINE_SCHEMA, buildTimelineBatch, buildTimelineBatchOfBlocks, readTimelineColumns, readTimelineRows, ROW_ACTUAL, ROW_CASH_FLOW, ROW_EQUITY, ROW_MARGIN, ROW_STEPS, ROW_UNIMMR, statusCode, TimelineBlock, TIMELINE_SCHEMA, type TimelineRow } from '../../src/records/timeline.js';

const row = (portfolioId: string, time: number, uniMMR: number | null): TimelineRow => ({ portfolioId, time, uniMMR, accountEquity: time / 7, actualEquity: -1.5, maintMargin: 0, status: uniMMR === null ? 'NORMAL' : 'MARGIN_CALL', worstTime: time + 1, steps: 60, cashFlowUSD: time / 3_600_000 - 1.25 });
const ROWS = [row('fund-α', 0, 1.25), row('fund-α', 3_600_000, null), row('基金', 7_200_000, 0.5), row('', 10_800_000, null), row('fund-α', 14_400_000, 3)];

async function tableOf(rows: TimelineRow[][]) {
  const parts: Uint8Array[] = [];
  for await (const c of encodeArrowFile(TIMELINE_SCHEMA, rows.map((r) => buildTimelineBatch(r)))) parts.push(c);
  return tableFromIPC(Buffer.concat(parts));
}

describe('timeline.arrow', () => {
  it('round-trips rows through the writer and the reader', async () => {
    const t = await tableOf([ROWS.slice(0, 2), ROWS.slice(2)]);
    let first = 0;
    const back = t.batches.flatMap((b) => {
      const rows = readTimelineRows(b, 'timeline.arrow', first);
      first += b.numRows;
      return rows;
    });
    expect(back).toEqual(ROWS);
  });
  it('reads columns: NaN for no uniMMR, raw UTF-8 ids', async () => {
    const c = readTimelineColumns((await tableOf([ROWS])).batches[0]!, 'timeline.arrow');
    expect(c.length).toBe(5);
    expect(Array.from(c.uniMMR)).toEqual([1.25, Number.NaN, 0.5, Number.NaN, 3]);
    expect(new TextDecoder().decode(c.portfolioId.bytes.subarray(c.portfolioId.offsets[2], c.portfolioId.offsets[3]))).toBe('基金');
    expect(Array.from(c.steps)).toEqual([60, 60, 60, 60, 60]);
    expect(Array.from(c.cashFlowUSD)).toEqual([-1.25, -0.25, 0.75, 1.75, 2.75]);
  });
  it('reads a timeline written before the cash flow column as NaN cash flow (not a made-up 0)', async () => {
    const t = await tableOf([ROWS]);
    const before = t.batches[0]!.select(TIMELINE_SCHEMA.fields.map((f) => f.name).filter((n) => n !== 'cashFlowUSD'));
    expect(before.schema.fields.map((f) => f.name)).not.toContain('cashFlowUSD');
    const c = readTimelineColumns(before, 'old/timeline.arrow');
    expect(Array.from(c.cashFlowUSD)).toEqual([Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
    expect(Array.from(c.uniMMR)).toEqual([1.25, Number.NaN, 0.5, Number.NaN, 3]);
  });
  it('fails on a status that is not one of the five, naming the file and the row counted from 1', async () => {
    const bad = { ...ROWS[1]!, status: 'PANIC' } as unknown as TimelineRow;
    const t = await tableOf([[ROWS[0]!, bad]]);
    expect(() => readTimelineRows(t.batches[0]!, 'out/timeline.arrow', 40)).toThrow(/^out\/timeline\.arrow: row 42\.status: expected NORMAL, MARGIN_CALL, .*got "PANIC"$/);
  });
});

describe('TimelineBlock', () => {
  // The rows above, one block a run of the same id (as a batch holds one block a portfolio).
  const blocksOf = (rows: readonly TimelineRow[]) => {
    const blocks: TimelineBlock[] = [];
    for (const r of rows) {
      if (blocks.at(-1)?.portfolioId !== r.portfolioId) blocks.push(new TimelineBlock(r.portfolioId, 1));
      const b = blocks.at(-1)!;
      const o = b.addRow(r.time, r.status, r.worstTime);
      const v = b.values;
      [v[o + ROW_UNIMMR], v[o + ROW_EQUITY], v[o + ROW_ACTUAL], v[o + ROW_MARGIN], v[o + ROW_STEPS], v[o + ROW_CASH_FLOW]] = [r.uniMMR ?? Number.NaN, r.accountEquity, r.actualEquity, r.maintMargin, r.steps, r.cashFlowUSD];
    }
    return blocks;
  };
  const bytesOf = async (schema: typeof TIMELINE_SCHEMA, batch: ReturnType<typeof buildTimelineBatch>) => {
    const parts: Uint8Array[] = [];
    for await (const c of encodeArrowFile(schema, [batch])) parts.push(c);
    return Buffer.concat(parts);
  };
  it('gives back its rows, growing past its first capacity', () => {
    const blocks = blocksOf(ROWS);
    expect(blocks.map((b) => b.length)).toEqual([2, 1, 1, 1]);
    expect(blocks.flatMap((b) => b.rows())).toEqual(ROWS);
    expect(statusCode('BANKRUPTED')).toBe(4);
  });
  it('buildTimelineBatchOfBlocks writes the bytes buildTimelineBatch writes for the same rows, plain and stored', async () => {
    const blocks = blocksOf(ROWS);
    expect(await bytesOf(TIMELINE_SCHEMA, buildTimelineBatchOfBlocks(blocks))).toEqual(await bytesOf(TIMELINE_SCHEMA, buildTimelineBatch(ROWS)));
    expect(await bytesOf(STORED_TIMELINE_SCHEMA, buildTimelineBatchOfBlocks(blocks, true))).toEqual(await bytesOf(STORED_TIMELINE_SCHEMA, buildTimelineBatch(ROWS, true)));
    expect(await bytesOf(TIMELINE_SCHEMA, buildTimelineBatchOfBlocks([]))).toEqual(await bytesOf(TIMELINE_SCHEMA, buildTimelineBatch([])));
  });
});
