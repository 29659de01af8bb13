import { describe, expect, it } from 'vitest';
import { UNDECIDED, type KernelNumbers, type RiskKernel } from '../../src/risk/kernel.js';
import { findKernelPlotPoint } from '../../src/risk/plotted.js';

// The kernel's plotted point (src/risk/plotted.ts) stands only where its bound fixes roundForPlot's
// result and the status; a kernel that answers what we tell it shows each case.

function fakeKernel(sides: number, n: Partial<KernelNumbers>): RiskKernel {
  const last: KernelNumbers = { adjusted: 1, margin: 1, uniMMR: Number.NaN, adjustedError: 0, marginError: 0, uniMMRError: Number.NaN, ...n };
  return { evaluations: 0, last, sidesAt: () => sides, findFirstStop: () => 0, selectFamily: () => undefined };
}

describe('findKernelPlotPoint', () => {
  it('takes the kernel\'s uniMMR when its bound keeps the 8-decimal cut', () => {
    expect(findKernelPlotPoint(fakeKernel(0, { uniMMR: 6.153512575, uniMMRError: 1e-12 }), 0)).toEqual({ uniMMR: 6.15351, status: 0 });
  });
  it('takes it when the cut is not fixed but every cut in the bound plots the same', () => {
    // 6.15351258 ± 1e-9 cuts to …57 or …58: both plot 6.15351.
    expect(findKernelPlotPoint(fakeKernel(0b001, { uniMMR: 6.15351258, uniMMRError: 1e-9 }), 0)).toEqual({ uniMMR: 6.15351, status: 1 });
  });
  it('refuses a bound across a plotted digit, an undecided status and an unbounded uniMMR', () => {
    expect(findKernelPlotPoint(fakeKernel(0, { uniMMR: 6.153525, uniMMRError: 1e-8 }), 0)).toBeUndefined();
    expect(findKernelPlotPoint(fakeKernel(UNDECIDED, { uniMMR: 6.15351258, uniMMRError: 1e-12 }), 0)).toBeUndefined();
    expect(findKernelPlotPoint(fakeKernel(0, { uniMMR: 6.15351258, uniMMRError: Number.NaN }), 0)).toBeUndefined();
  });
  it('plots no uniMMR without any margin term, and the status from the sides', () => {
    expect(findKernelPlotPoint(fakeKernel(0b111, { margin: 0, marginError: 0, adjusted: -5 }), 0)).toEqual({ uniMMR: null, status: 3 });
  });
});
