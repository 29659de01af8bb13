// Float64 mirror of src/engine/exact/status.ts, on status codes.

export const STATUS_CODES = ['NORMAL', 'MARGIN_CALL', 'REDUCE_ONLY', 'FORCE_LIQUIDATION', 'BANKRUPTED'] as const;
export const NORMAL = 0;
export const MARGIN_CALL = 1;
export const REDUCE_ONLY = 2;
export const FORCE_LIQUIDATION = 3;
/** Not a status: the kernel could not evaluate the step (a price or rule is missing). */
export const NEEDS_EXACT = -1;

/** uniMMR is NaN when there is no maintenance margin (exact: null). */
export function findAccountStatus(adjustedEquity: number, uniMMR: number, marginCall: number, reduceOnly: number, liquidation: number): number {
  if (adjustedEquity < 0) return FORCE_LIQUIDATION;
  if (Number.isNaN(uniMMR)) return NORMAL;
  if (uniMMR <= liquidation) return FORCE_LIQUIDATION;
  if (uniMMR <= reduceOnly) return REDUCE_ONLY;
  if (uniMMR <= marginCall) return MARGIN_CALL;
  return NORMAL;
}
