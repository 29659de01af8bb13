import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from '../../src/domain/decimal.js';
import { describeExposure, describeExposureAfterCharges, findNextEventfulStep, findUnfundedPerpetuals, isDayTick, isHourTick, isNegativeSum } from '../../src/replay/eventful-steps.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { flatUm } from '../helpers/rules.js';
import { at, bookOf, pricesAt, rulesTimelineOf } from '../helpers/replay.js';

const rules = rulesTimelineOf().base;
const RULE = flatUm('0.01');
// Steps at minutes 0, 30, 59 and 61 (indices 0–3); a BTCUSDT funding row at minute 30 belongs to step 1.
const tl = bookOf([...pricesAt([0, 30, 59, 61]), [at(30), 'BTCUSDT', 'funding', 0.0001]]).timeline;
const long = { umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }] };

describe('describeExposure', () => {
  it('sees loans, negative futures balances and the symbols held', () => {
    const p = portfolioOf({ balances: [{ asset: 'USDT', crossMarginBorrowed: '100', crossMarginFree: '100' }, { asset: 'BTC', umWalletBalance: '-0.1' }], ...long }, rules);
    expect(describeExposure(p)).toEqual({ hasLoans: true, hasNegativeFutures: true, symbols: new Set(['BTCUSDT']) });
    expect(describeExposure(portfolioOf({ balances: [{ asset: 'USDT', umWalletBalance: '5' }] }, rules))).toEqual({ hasLoans: false, hasNegativeFutures: false, symbols: new Set() });
  });
});

describe('the exposure after charges', () => {
  it('keeps the loans and symbols, and finds a futures balance funding took below zero', () => {
    const p = portfolioOf({ balances: [{ asset: 'USDT', crossMarginBorrowed: '100', crossMarginFree: '100', umWalletBalance: '1' }], ...long }, rules);
    const before = describeExposure(p);
    expect(before.hasNegativeFutures).toBe(false);
    p.balances[0]!.umWalletBalance = new Dec('-0.5');
    expect(describeExposureAfterCharges(p, before)).toEqual({ hasLoans: true, hasNegativeFutures: true, symbols: before.symbols });
    expect(describeExposureAfterCharges(p, before)).toEqual(describeExposure(p));
  });
  it('isNegativeSum is decimal.js\'s a.plus(b).isNegative(), signed zeros included', () => {
    const dec = fc.oneof(fc.constantFrom('0', '-0', '1', '-1', '0.5', '-0.5'), fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: -12, max: 4 })).map(([m, k]) => `${m}e${k}`)).map((x) => new Dec(x));
    fc.assert(fc.property(dec, dec, (a, b) => isNegativeSum(a, b) === a.plus(b).isNegative()), { numRuns: 2000, seed: Number(process.env.PMBT_SEED ?? 20261202) });
    // −0 + −0 is −0 (negative), 1 + −1 is +0.
    expect([isNegativeSum(new Dec('-0'), new Dec('-0')), isNegativeSum(new Dec(1), new Dec(-1)), isNegativeSum(new Dec('-0'), new Dec(0))]).toEqual([true, false, false]);
  });
});

describe('ticks', () => {
  it('marks the steps that start a UTC hour or day, whatever the account holds', () => {
    // step 0 starts the window at 00:00 (a new hour and day); minute 61 is the next hour's first step
    expect([0, 1, 2, 3].map((k) => isHourTick(tl, k))).toEqual([true, false, false, true]);
    expect([0, 1, 2, 3].map((k) => isDayTick(tl, k))).toEqual([true, false, false, false]);
  });
});

describe('findNextEventfulStep', () => {
  const none = { hasLoans: false, hasNegativeFutures: false, symbols: new Set<string>() };
  it('finds funding only for a symbol held, hour ticks only with loans, and the next action', () => {
    expect(findNextEventfulStep(tl, none, [], 0, 1)).toBe(4);
    expect(findNextEventfulStep(tl, { ...none, symbols: new Set(['BTCUSDT']) }, [], 0, 1)).toBe(1);
    expect(findNextEventfulStep(tl, { ...none, symbols: new Set(['ETHUSDT']) }, [], 0, 1)).toBe(4);
    expect(findNextEventfulStep(tl, { ...none, hasLoans: true }, [], 0, 1)).toBe(3);
    // an action at minute 45 is taken at the first step at or after it: minute 59, step 2
    const actions = portfolioOf({ actions: [{ time: at(45), type: 'borrow', asset: 'USDT', amount: '1' }] }, rules).actions;
    expect(findNextEventfulStep(tl, none, actions, 0, 1)).toBe(2);
    expect(findNextEventfulStep(tl, none, actions, 1, 1)).toBe(4);
  });
});

describe('findUnfundedPerpetuals', () => {
  it('lists perpetuals held or traded without a funding series, never dated futures', () => {
    const withoutFunding = bookOf(pricesAt([0])).timeline;
    const p = portfolioOf({
      umPositions: [{ symbol: 'BTCUSDT', positionAmt: '1', entryPrice: '40000' }, { symbol: 'BTCUSDT_240628', positionAmt: '1', entryPrice: '40000' }],
      actions: [{ time: at(1), type: 'trade', market: 'UM', symbol: 'ETHUSDT', side: 'BUY', qty: '1' }],
    }, rulesTimelineOf({ umBrackets: { BTCUSDT: RULE, BTCUSDT_240628: RULE, ETHUSDT: RULE } }).base);
    expect(findUnfundedPerpetuals(p, withoutFunding)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(findUnfundedPerpetuals(p, tl)).toEqual(['ETHUSDT']);
  });
});
