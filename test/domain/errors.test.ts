import { describe, expect, it } from 'vitest';
import { InputError, InvariantError, MissingPriceError } from '../../src/domain/errors.js';

describe('MissingPriceError', () => {
  it('is an InputError about the market with the message a missing price always had, and says which series by field', () => {
    const e = new MissingPriceError('mark', 'BTCUSDT', 1_700_000_000_000);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe('market: markPrices.BTCUSDT: expected a mark price for position symbol BTCUSDT, got none');
    expect([e.source, e.path, e.kind, e.seriesName, e.time]).toEqual(['market', 'markPrices.BTCUSDT', 'mark', 'BTCUSDT', 1_700_000_000_000]);
    expect(new MissingPriceError('index', 'BTC', undefined).message).toBe('market: indexPrices.BTC: expected an index price for asset BTC, got none');
  });
});

describe('InvariantError', () => {
  it('is not an InputError, so the CLI reports it as an internal error (exit 1)', () => {
    const e = new InvariantError('cannot happen');
    expect(e).not.toBeInstanceOf(InputError);
    expect([e.name, e.message]).toEqual(['InvariantError', 'cannot happen']);
  });
});

describe('InputError', () => {
  // Found by the fuzz test (test/fuzz/inputs.test.ts): a JSON key with a line break, e.g. a job spec
  // {"jobId":"j","a\nb":1}, made rejectUnknownKeys' message two lines on stderr and in the API's error.
  it('keeps its message on one line when a field name or value holds a line break', () => {
    const e = new InputError('job.json', 'a\nb', 'one of the fields jobId', 'unknown field "a\r\nb\u2028"');
    expect(e.message).toBe('job.json: a\\nb: expected one of the fields jobId, got unknown field "a\\r\\nb\\u2028"');
    expect(e.path).toBe('a\nb');
  });
});
