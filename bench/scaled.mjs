#!/usr/bin/env node
// Micro-benchmark of the scaled-integer arithmetic (src/domain/scaled.ts) against decimal.js on the
// replay's charges and formulas (docs/performance.md "Scaled integers"). Prints one JSON line of
// nanoseconds per operation, the median of 7 timed rounds. Run: npm run build && node bench/scaled.mjs
import { Dec } from '../dist/domain/decimal.js';
import { add, decOf, divide, multiply, negate, scaledOf } from '../dist/domain/scaled.js';
import { calculateCmNotionalCoinDec, calculateCmNotionalCoin, calculateCmPnl, calculateCmPnlDec } from '../dist/engine/exact/pnl.js';
import { calculateCmFunding } from '../dist/replay/charges.js';

const N = 100_000;
function time(f) {
  for (let i = 0; i < 20_000; i++) f(i);
  const rounds = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f(i);
    rounds.push(Number(process.hrtime.bigint() - t0) / N);
  }
  return Math.round(rounds.sort((a, b) => a - b)[3]);
}

// A sample-like payment: 37 contracts of 10 USD, a float mark and a float rate (their shortest decimals).
const contracts = new Dec('-37'), size = new Dec(10), mark = new Dec(3417.9038999912345), entry = new Dec('3405.18'), rate = new Dec(0.00026288123456789);
const umAmount = new Dec('197.813'), wallet = new Dec('41199.9712345678901234567890123');
const paid = umAmount.times(mark).times(rate).neg();
const [a, m, r, w, p] = [umAmount, mark, rate, wallet, paid].map(scaledOf);
console.log(JSON.stringify({
  cmFundingDec: time(() => contracts.times(size).div(mark).times(rate).neg()),
  cmFundingScaled: time(() => calculateCmFunding(contracts, size, mark, rate)),
  cmPnlDec: time(() => calculateCmPnlDec(contracts, size, entry, mark)),
  cmPnlScaled: time(() => calculateCmPnl(contracts, size, entry, mark)),
  cmNotionalDec: time(() => calculateCmNotionalCoinDec(contracts, size, mark)),
  cmNotionalScaled: time(() => calculateCmNotionalCoin(contracts, size, mark)),
  umFundingDec: time(() => umAmount.times(mark).times(rate).neg()),
  umFundingScaledWithoutDecOf: time(() => negate(multiply(multiply(a, m), r))),
  walletPlusDec: time(() => wallet.plus(paid)),
  walletAddScaledWithoutDecOf: time(() => add(w, p)),
  decOf40Digits: time(() => decOf(add(w, p))),
  scaledOfFreshDec: time((i) => scaledOf(new Dec(3417.9038999912345 + i))),
  newDecFromFloat: time((i) => new Dec(3417.9038999912345 + i)),
  divideScaled: time(() => divide(a, m)),
  node: process.version,
}));
