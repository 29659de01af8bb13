import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../src/domain/types.js';
import { TimelineAccumulator } from '../../src/replay/timeline.js';

const STATUSES: AccountStatus[] = ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION'];

describe('TimelineAccumulator.addSpan', () => {
  it('folds a span into the same rows as one addValues per step', () => {
    // steps 1–4 minutes apart in 10-minute buckets; uniMMR with repeats and NaN (no maintenance
    // margin); cut into spans of random lengths, each in one status
    const step = fc.record({ gap: fc.integer({ min: 1, max: 4 }), u: fc.oneof(fc.constantFrom(Number.NaN, 1.5, 2), fc.double({ min: 0.5, max: 3, noNaN: true })), eq: fc.double({ noNaN: true }) });
    const spans = fc.array(fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 30 }), status: fc.constantFrom(...STATUSES) }), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(spans, (input) => {
      const bySteps = new TimelineAccumulator('p', 600_000);
      const bySpans = new TimelineAccumulator('p', 600_000);
      let time = 1_700_000_000_000;
      for (const span of input) {
        const n = span.steps.length;
        const times = new Float64Array(n + 3);
        const [u, eq, act, mm] = [0, 1, 2, 3].map(() => new Float64Array(n));
        span.steps.forEach((s, i) => {
          time += s.gap * 60_000;
          times[i + 3] = time;
          u![i] = s.u;
          eq![i] = s.eq;
          act![i] = -s.eq;
          mm![i] = i;
          bySteps.addValues(time, Number.isNaN(s.u) ? null : s.u, s.eq, -s.eq, i, span.status);
        });
        // the span's steps sit at [3, 3 + n) of the step times, its values at [0, n)
        bySpans.addSpan(times, 3, 3 + n, 3, u!, eq!, act!, mm!, span.status);
      }
      expect(bySpans.rows).toEqual(bySteps.rows);
    }), { numRuns: 300, seed: Number(process.env.PMBT_SEED ?? 20261121) });
  });
});

describe('TimelineAccumulator rows', () => {
  it('are plain data with TimelineRow\'s fields in its order (JSON and a structured clone keep them all)', () => {
    const acc = new TimelineAccumulator('p', 3_600_000);
    acc.addValues(1_700_000_000_000, null, 10, 11, 0, 'NORMAL');
    acc.cashFlowUSD = 0.5;
    acc.addValues(1_700_003_600_000, 1.25, 10, 11, 8, 'MARGIN_CALL');
    const fields = ['portfolioId', 'time', 'uniMMR', 'accountEquity', 'actualEquity', 'maintMargin', 'status', 'worstTime', 'steps', 'cashFlowUSD'];
    for (const row of acc.rows) expect(Object.keys(row)).toEqual(fields);
    // 1,700,000,000,000 ms is 22:13:20 UTC: its bucket starts at 22:00 (1,699,999,200,000)
    expect(acc.rows[0]).toEqual({ portfolioId: 'p', time: 1_699_999_200_000, uniMMR: null, accountEquity: 10, actualEquity: 11, maintMargin: 0, status: 'NORMAL', worstTime: 1_700_000_000_000, steps: 1, cashFlowUSD: 0 });
    expect(JSON.parse(JSON.stringify(acc.rows))).toEqual(acc.rows);
    expect(structuredClone(acc.rows)).toEqual(acc.rows);
    expect(acc.rows[1]).toMatchObject({ uniMMR: 1.25, status: 'MARGIN_CALL', cashFlowUSD: 0.5 });
  });
});
