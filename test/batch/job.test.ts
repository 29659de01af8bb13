import { describe, expect, it } from 'vitest';
import { parseJobSpec, renderJobSpec } from '../../src/batch/job.js';

// The job spec's `events` (docs/formats.md "Job spec"): what the events report holds beyond what
// people read — every funding and interest payment (ledger), and JSON lines beside the Arrow (lines).

const JOB = { jobId: 'j', prices: 'p.arrow', portfolios: 'p.jsonl' };

describe('job spec events', () => {
  it('defaults to neither the ledger nor JSON lines, and renders them filled in', () => {
    const spec = parseJobSpec(JOB);
    expect(spec.events).toEqual({ ledger: false, lines: false });
    expect(renderJobSpec(spec).events).toEqual({ ledger: false, lines: false });
  });
  it('takes each on its own, and reads back what it renders', () => {
    expect(parseJobSpec({ ...JOB, events: { ledger: true } }).events).toEqual({ ledger: true, lines: false });
    expect(parseJobSpec({ ...JOB, events: { lines: true } }).events).toEqual({ ledger: false, lines: true });
    const spec = parseJobSpec({ ...JOB, events: { ledger: true, lines: true } });
    expect(parseJobSpec(renderJobSpec(spec))).toEqual(spec);
  });
  it('refuses anything but true or false, and unknown fields, naming the field', () => {
    expect(() => parseJobSpec({ ...JOB, events: { ledger: 'yes' } }, 'job.json')).toThrow(/^job\.json: events\.ledger: expected true or false, got "yes"$/);
    expect(() => parseJobSpec({ ...JOB, events: { lines: 1 } }, 'job.json')).toThrow(/^job\.json: events\.lines: expected true or false, got 1$/);
    expect(() => parseJobSpec({ ...JOB, events: { ledgers: true } }, 'job.json')).toThrow(/job\.json: events.*ledgers/);
    expect(() => parseJobSpec({ ...JOB, events: true }, 'job.json')).toThrow(/job\.json: events: /);
  });
});
