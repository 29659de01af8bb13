import { describe, expect, it } from 'vitest';
import { InputError, MissingPriceError } from '../../src/domain/errors.js';
import { closePriceGap, openPriceGap } from '../../src/replay/price-gaps.js';
import { MINUTE } from '../helpers/series.js';
import { at, bookOf, pricesAt, stateOf } from '../helpers/replay.js';

// BTC's index has one row, at minute 0; the rest every 30 minutes to minute 90; staleness 45 minutes.
const book = bookOf([...pricesAt([0, 30, 60, 90]).filter(([t, s]) => s !== 'BTC' || t === at(0)), [at(60), 'ETH', 'index', 2000]], 45 * MINUTE);
const tl = book.timeline;

describe('openPriceGap', () => {
  it('opens one gap for a stale price, naming the series and its last time, and counts every skipped step', () => {
    const state = stateOf({}, book);
    openPriceGap(state, new MissingPriceError('index', 'BTC', at(60)), tl, 2);
    openPriceGap(state, new MissingPriceError('index', 'BTC', at(90)), tl, 3);
    // minute 60 − minute 0 = 3,600,000 ms > the 2,700,000 ms limit
    expect(state.result.events).toEqual([{ type: 'priceGap', time: at(60), series: 'index:BTC', reason: 'stale: last price older than the staleness limit of 2700000 ms', lastTime: at(0) }]);
    expect(state.result.gapSteps).toBe(2);
    expect(state.inGap).toBe(true);
  });
  it('says "no price yet" before a series\' first row', () => {
    const state = stateOf({}, book);
    openPriceGap(state, new MissingPriceError('index', 'ETH', at(30)), tl, 1);
    expect(state.result.events).toEqual([{ type: 'priceGap', time: at(30), series: 'index:ETH', reason: 'no price yet', lastTime: undefined }]);
  });
  it('fails the portfolio when the file has no such series at all', () => {
    const state = stateOf({}, book);
    const open = () => openPriceGap(state, new MissingPriceError('mark', 'ETHUSDT', at(0)), tl, 0);
    expect(open).toThrow(InputError);
    expect(open).toThrow('prices: mark:ETHUSDT: expected a mark price series for ETHUSDT (portfolio test needs it), got none in the file');
  });
});

describe('closePriceGap', () => {
  it('ends an open gap once', () => {
    const state = stateOf({}, book);
    state.inGap = true;
    closePriceGap(state, at(90));
    closePriceGap(state, at(90));
    expect(state.result.events).toEqual([{ type: 'priceGapEnd', time: at(90) }]);
    expect(state.inGap).toBe(false);
  });
});
