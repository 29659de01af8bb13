import { describe, expect, it } from 'vitest';
import { bookOf, at } from '../helpers/replay.js';
import { EXTREME_CLOSE, EXTREME_HIGH, EXTREME_LOW } from '../../src/replay/step-market.js';
import { MINUTE } from '../helpers/series.js';

// BTC's index at minutes 0 and 30 (0.1, as written); USDT's at every step; staleness 20 minutes.
const book = bookOf([[at(0), 'BTC', 'index', 0.1], [at(30), 'BTC', 'index', 40_000], ...[0, 25, 30].map((m) => [at(m), 'USDT', 'index', 1] as [number, string, 'index', number])], 20 * MINUTE);

describe('ExactPriceBook', () => {
  it('gives each row the decimal of its shortest text, not its binary value', () => {
    expect(book.marketAt(0).indexPrices.get('BTC')!.toString()).toBe('0.1');
  });
  it('hides a price older than the staleness limit, and one that is not in the file', () => {
    const at25 = book.marketAt(1);
    expect(at25.time).toBe(at(25));
    expect(at25.indexPrices.get('BTC')).toBeUndefined();
    expect(at25.markPrices.get('BTCUSDT')).toBeUndefined();
    expect(book.marketAt(2).indexPrices.get('BTC')!.toString()).toBe('40000');
  });
  it('gives every caller at a step the same market, its lookups the same as a fresh book\'s', () => {
    expect(book.marketAt(2)).toBe(book.marketAt(2));
    const fresh = bookOf([[at(0), 'BTC', 'index', 0.1], [at(30), 'BTC', 'index', 40_000], ...[0, 25, 30].map((m) => [at(m), 'USDT', 'index', 1] as [number, string, 'index', number])], 20 * MINUTE);
    for (const step of [0, 1, 2]) for (const name of ['BTC', 'USDT', 'ETH']) {
      expect(book.marketAt(step).indexPrices.get(name)?.toString()).toBe(fresh.marketAt(step).indexPrices.get(name)?.toString());
      expect(book.marketAt(step).markPrices.get(name)).toBeUndefined();
    }
  });
  it('makes one decimal per row, shared', () => {
    expect(book.valueOfRow(0)).toBe(book.valueOfRow(0));
  });
  it('keeps the close, low and high decimals of a row apart, one of each per row', () => {
    const bars = bookOf([[at(0), 'BTC', 'index', 0.3, 0.7, 0.1], [at(1), 'BTC', 'index', 0.5, 0.6, 0.4]]);
    const groups = Int32Array.of(0);
    const price = (step: number, choice: number) => bars.extremeMarketAt(step, groups, Int8Array.of(choice)).indexPrices.get('BTC')!;
    expect([EXTREME_CLOSE, EXTREME_LOW, EXTREME_HIGH].map((c) => price(0, c).toString())).toEqual(['0.3', '0.1', '0.7']);
    expect([EXTREME_CLOSE, EXTREME_LOW, EXTREME_HIGH].map((c) => price(1, c).toString())).toEqual(['0.5', '0.4', '0.6']);
    expect(price(1, EXTREME_LOW)).toBe(price(1, EXTREME_LOW));
    expect(price(0, EXTREME_CLOSE)).toBe(bars.valueOfRow(0));
  });
});
