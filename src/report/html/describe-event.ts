import type { EventRecord, LiquidationDetail } from '../../records/events/index.js';
import { describeStatus, formatQuantity, formatUniMMR, formatUSD } from './format.js';
import type { ReportEvent } from './types.js';

/** Chart numbers keep 6 significant digits. */
export const round6 = (v: number): number => Number(v.toPrecision(6));

function parseUniMMR(text: unknown): number | null {
  if (typeof text !== 'string' || text === 'null') return null;
  const n = Number(text);
  return Number.isFinite(n) ? round6(n) : null;
}

function describeLiquidation(e: EventRecord, u: number | null, at: (x: number | null) => string, then: (x: number | null) => string): ReportEvent {
  let before: number | null = null;
  let legs = '';
  let policy = '';
  try {
    const d = JSON.parse(e.detail ?? '{}') as Partial<LiquidationDetail>;
    before = parseUniMMR(d.uniMMRBefore);
    policy = d.policy ?? '';
    const all = d.legs ?? [];
    legs = all.slice(0, 6).map((l) => `${l.kind === 'collateral' ? 'sold' : 'closed'} ${l.name} ${formatQuantity(l.quantity)} at ${formatQuantity(l.price)}`).join(', ') + (all.length > 6 ? `, … (${all.length} legs)` : '');
  } catch {
    legs = '';
  }
  return { time: e.time, type: 'liquidation', uniMMR: before, text: `liquidated${policy ? ` (policy ${policy})` : ''} ${at(before)}: ${legs || 'nothing to close'}; fees ${formatUSD(e.feesUSD ?? '0')} USD; afterwards ${then(u)}` };
}

/** The report's view of one event: its uniMMR (before a liquidation) and one line of text; undefined for the types it does not show. */
export function describeEvent(e: EventRecord): ReportEvent | undefined {
  const u = parseUniMMR(e.uniMMR);
  const at = (x: number | null) => (x === null ? 'with no maintenance margin' : `at uniMMR ${formatUniMMR(x)}`);
  const then = (x: number | null) => (x === null ? 'no maintenance margin left' : `uniMMR ${formatUniMMR(x)}`);
  switch (e.type) {
    case 'riskLevelChange':
      return {
        time: e.time, type: 'riskLevelChange', ...(e.from === undefined ? {} : { from: e.from }), to: e.to, uniMMR: u,
        text: e.from === undefined ? `starts ${describeStatus(e.to ?? '')} ${at(u)}` : `risk level ${describeStatus(e.from)} → ${describeStatus(e.to ?? '')} ${at(u)}`,
      };
    case 'ordersCancelled':
      return { time: e.time, type: 'ordersCancelled', uniMMR: u, text: `${e.detail ?? 'open orders cancelled'} at the liquidation threshold; then ${then(u)}` };
    case 'liquidationCancelled':
      return { time: e.time, type: 'liquidationCancelled', uniMMR: u, text: `liquidation cancelled: ${then(u)} after cancelling the open orders` };
    case 'liquidation':
      return describeLiquidation(e, u, at, then);
    case 'bankruptcy':
      return { time: e.time, type: 'bankruptcy', uniMMR: null, text: `bankrupt: equity still below zero after liquidation; the insurance fund loses ${formatUSD(e.lossUSD ?? '0')} USD` };
    default:
      return undefined;
  }
}
