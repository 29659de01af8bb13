// summary.json's `moved` block: liquidation distances at the start paired by portfolioId.
import { describe, expect, it } from 'vitest';
import { calculateMoved, findLiquidationDistance, MOVED_CLOSEST_LIMIT, readMovedBlock } from '../../src/records/moved.js';

const distance = (down: string | undefined, up: string | undefined) => ({
  family: 'all', rangePct: 50, down: down === undefined ? {} : { marginCall: '-1.00000000', liquidation: down }, up: up === undefined ? {} : { liquidation: up },
});

describe('findLiquidationDistance', () => {
  it('takes the nearer direction without its sign, and null when neither reaches liquidation', () => {
    expect(findLiquidationDistance(distance('-23.45678901', '30.00000000'))).toBe('23.45678901');
    // 9.9 < 10: the rise is nearer (compared as numbers, not text: "9.9" > "10.0" as strings)
    expect(findLiquidationDistance(distance('-10.00000000', '9.90000000'))).toBe('9.90000000');
    expect(findLiquidationDistance(distance(undefined, '12.00000001'))).toBe('12.00000001');
    expect(findLiquidationDistance(distance('-0.00000000', undefined))).toBe('0.00000000');
    expect(findLiquidationDistance(distance(undefined, undefined))).toBeNull();
  });
});

describe('calculateMoved', () => {
  const job = (rangePct: number, entries: [string, string | null][]) => ({ rangePct, byPortfolio: new Map(entries) });

  it('counts closer, further, unchanged, new and gone, and lists the largest moves closer first', () => {
    const previous = job(50, [['a', '20.00000000'], ['b', '10.00000000'], ['c', '5.00000000'], ['d', null], ['e', null], ['gone', '1.00000000'], ['f', '7.12345678']]);
    const current = job(50, [['a', '12.50000001'], ['b', '10.00000000'], ['c', '6.00000000'], ['d', '45.00000000'], ['e', null], ['new', '3.00000000'], ['f', '7.12345677']]);
    const moved = calculateMoved('t-20261123T0600Z', previous, current);
    // a: 12.50000001 − 20 = −7.49999999; d: 45 − 50 (beyond the range counts as 50) = −5; f: −0.00000001;
    // c: +1 (further); b: 0 and e: both beyond (unchanged); new, gone: one side only.
    expect(moved).toEqual({
      previousJob: 't-20261123T0600Z',
      status: 'compared',
      counts: { closer: 3, further: 1, unchanged: 2, new: 1, gone: 1 },
      closest: [
        { portfolioId: 'a', previousPct: '20.00000000', nowPct: '12.50000001', changePp: '-7.49999999' },
        { portfolioId: 'd', previousPct: null, nowPct: '45.00000000', changePp: '-5.00000000' },
        { portfolioId: 'f', previousPct: '7.12345678', nowPct: '7.12345677', changePp: '-0.00000001' },
      ],
    });
    // It reads back as it was written.
    expect(readMovedBlock(JSON.parse(JSON.stringify(moved)), 'summary.json')).toEqual(moved);
  });

  it('a move out of the range counts as further, with each job its own range', () => {
    // now beyond ±20 % (counts as 20) against 15 before: +5, further
    const moved = calculateMoved('p', job(50, [['x', '15.00000000']]), job(20, [['x', null]]));
    expect(moved).toMatchObject({ counts: { closer: 0, further: 1, unchanged: 0, new: 0, gone: 0 }, closest: [] });
  });

  it(`keeps the ${MOVED_CLOSEST_LIMIT} that moved most, ties by portfolioId`, () => {
    const ids = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    // p00…p29 move closer by 0, 1, …, 29 pp except that p28 and p29 tie with p27 at 27 pp.
    const previous = job(50, ids.map((id) => [id, '40.00000000']));
    const current = job(50, ids.map((id, i) => [id, `${40 - Math.min(i, 27)}.00000000`]));
    const moved = calculateMoved('p', previous, current);
    if (moved.status !== 'compared') throw new Error(moved.status);
    expect(moved.counts).toEqual({ closer: 29, further: 0, unchanged: 1, new: 0, gone: 0 });
    expect(moved.closest.map((e) => e.portfolioId)).toEqual(['p27', 'p28', 'p29', ...ids.slice(8, 27).reverse()].slice(0, MOVED_CLOSEST_LIMIT));
    expect(moved.closest[0]!.changePp).toBe('-27.00000000');
  });

  it('readMovedBlock refuses a foreign block naming the field', () => {
    expect(() => readMovedBlock({ previousJob: 'p', status: 'compared', counts: { closer: 1, further: 0, unchanged: 0, new: 0, gone: -1 }, closest: [] }, 'summary.json')).toThrow(/summary\.json: moved\.counts\.gone: expected a count, got -1/);
    expect(() => readMovedBlock({ previousJob: 'p', status: 'compared', counts: { closer: 1, further: 0, unchanged: 0, new: 0, gone: 0 }, closest: [{ portfolioId: 'a', previousPct: '1', nowPct: '0.50000000', changePp: '-0.50000000' }] }, 'summary.json')).toThrow(/moved\.closest\[0\]\.previousPct: expected a percentage with 8 decimals or null/);
    expect(() => readMovedBlock({ previousJob: 'p', status: 'previousUnavailable' }, 'summary.json')).toThrow(/moved\.warning: expected a sentence/);
    expect(() => readMovedBlock({ previousJob: 'p', status: 'maybe' }, 'summary.json')).toThrow(/moved\.status: expected compared, previousWithoutDistance or previousUnavailable/);
  });
});
