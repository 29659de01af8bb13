import { InputError } from '../../domain/errors.js';
import { describeJson, parseJsonAt } from '../lines.js';
import { checkEventRecord } from './index.js';
import type { EventRecord } from './record.js';

// events.jsonl: one event record a line (docs/formats.md "Outputs").

// A portfolio's funding payments come in runs with one time: the ISO text is made once a run.
let lastTime = Number.NaN;
let lastIso = '';
const isoOf = (time: number) => (time === lastTime ? lastIso : ((lastTime = time), (lastIso = new Date(time).toISOString())));

/**
 * One events.jsonl line: fields in EVENT_RECORD_FIELDS order with the time also as ISO-8601 (`at`)
 * after it; JSON.stringify leaves the undefined ones out.
 */
export function renderEventLine(r: EventRecord): string {
  return JSON.stringify({
    portfolioId: r.portfolioId, time: r.time, at: isoOf(r.time), type: r.type, from: r.from, to: r.to, uniMMR: r.uniMMR, subject: r.subject,
    amount: r.amount, rate: r.rate, price: r.price, feesUSD: r.feesUSD, lossUSD: r.lossUSD, detail: r.detail,
  });
}

const AT: ReadonlySet<string> = new Set(['at']);

/** One line (`lineNumber` counted from 1) read back as its record; anything else throws, naming the file and line. */
export function parseEventLine(line: string, file: string, lineNumber: number): EventRecord {
  const where = `line ${lineNumber}`;
  const o = parseJsonAt(line, file, where, 'an event record (a JSON object)');
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError(file, where, 'an event record (a JSON object)', describeJson(o));
  const fields = o as Record<string, unknown>;
  const r = checkEventRecord(fields, file, where, AT);
  if (fields.at !== isoOf(r.time)) throw new InputError(file, `${where}.at`, `the time as ISO-8601 (${isoOf(r.time)})`, describeJson(fields.at));
  return r;
}

/** The records of events.jsonl's lines, in order; the first line it cannot read throws (no line is skipped). */
export async function* readEventLines(lines: AsyncIterable<string>, file: string): AsyncIterable<EventRecord> {
  let n = 0;
  for await (const line of lines) yield parseEventLine(line, file, ++n);
}
