import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { renderEventRecord } from '../../../src/records/events/index.js';
import { parseEventLine, readEventLines, renderEventLine } from '../../../src/records/events/jsonl.js';
import { SAMPLE_EVENTS } from '../../helpers/events.js';

const good = renderEventLine(renderEventRecord('p1', SAMPLE_EVENTS.interest[0]!));

async function readAll(text: string): Promise<unknown[]> {
  async function* lines() {
    yield* text.split('\n');
  }
  const out: unknown[] = [];
  for await (const r of readEventLines(lines(), 'out/job/events.jsonl')) out.push(r);
  return out;
}

describe('events.jsonl', () => {
  it('reads lines whatever the order of their keys', () => {
    const o = JSON.parse(good) as Record<string, unknown>;
    const reversed = JSON.stringify(Object.fromEntries(Object.entries(o).reverse()));
    expect(parseEventLine(reversed, 'f', 1)).toEqual(parseEventLine(good, 'f', 1));
  });
  it('reads every line, in order', async () => {
    const records = await readAll([good, good.replace('"p1"', '"p2"')].join('\n'));
    expect(records.map((r) => (r as { portfolioId: string }).portfolioId)).toEqual(['p1', 'p2']);
  });
  it.each([
    ['malformed JSON', good.slice(0, -1), /^out\/job\/events\.jsonl: line 2: expected an event record \(a JSON object\), got text that is not JSON/],
    ['an empty line', '', /^out\/job\/events\.jsonl: line 2: expected an event record \(a JSON object\), got text that is not JSON/],
    ['not an object', '[1,2]', /^out\/job\/events\.jsonl: line 2: expected an event record \(a JSON object\), got \[1,2\]$/],
    ['an unknown type', good.replace('"type":"interest"', '"type":"meteorStrike"'), /^out\/job\/events\.jsonl: line 2\.type: expected an event type \(.*\), got "meteorStrike"$/],
    ['a missing field', good.replace(/,"amount":"[^"]*"/, ''), /^out\/job\/events\.jsonl: line 2\.amount: expected a interest event's amount, got nothing$/],
    ['a missing time', good.replace(/"time":\d+,/, ''), /^out\/job\/events\.jsonl: line 2\.time: expected a time in ms/],
    ['an `at` that is not its time', good.replace('"at":"2024-03-01T08', '"at":"2024-03-01T09'), /^out\/job\/events\.jsonl: line 2\.at: expected the time as ISO-8601 \(2024-03-01T08:00:00\.000Z\)/],
    ['a field its type never fills', good.replace('"type":"interest"', '"type":"interest","lossUSD":"1"'), /^out\/job\/events\.jsonl: line 2\.lossUSD: expected no such field in a interest event/],
  ])('fails on %s, naming the file and the line counted from 1', async (_what, bad, message) => {
    const error = await readAll(`${good}\n${bad}\n${good}`).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
  });
});
