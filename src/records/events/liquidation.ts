import type { Dec } from '../../domain/decimal.js';
import { defineEventType, formatAmount as f, formatUniMMR } from './record.js';

/** A leg closed or sold by a liquidation. */
export interface LiquidatedLeg {
  kind: 'UM' | 'CM' | 'collateral';
  /** Symbol for a position, asset for sold collateral. */
  name: string;
  /** Position quantity closed (signed, as held) or collateral amount sold (native). */
  quantity: Dec;
  price: Dec;
  /** Realized PnL of a closed position (margin asset / coin); 0 for collateral. */
  realizedPnl: Dec;
  /** Fee charged for this leg, USD, after the cap. */
  feeUSD: Dec;
}

export interface LiquidationEvent {
  type: 'liquidation';
  time: number;
  /** A name in the replay's liquidation-policy table. */
  policy: string;
  uniMMRBefore: Dec | null;
  uniMMRAfter: Dec | null;
  legs: LiquidatedLeg[];
  feesUSD: Dec;
  /** Triggered at the bar's adverse extreme and filled at its prices ∓ slippage (docs/margin-rules.md §7). */
  intrabar?: true;
}

/** The record's `detail`: the policy, uniMMR before, and the legs with 8-decimal amounts; `intrabar` only when true. */
export interface LiquidationDetail {
  policy: string;
  uniMMRBefore: string;
  intrabar?: true;
  legs: { kind: LiquidatedLeg['kind']; name: string; quantity: string; price: string; realizedPnl: string; feeUSD: string }[];
}

export const liquidation = defineEventType<LiquidationEvent>({
  type: 'liquidation',
  required: ['uniMMR', 'feesUSD', 'detail'],
  optional: [],
  render(e, r) {
    r.uniMMR = formatUniMMR(e.uniMMRAfter);
    r.feesUSD = f(e.feesUSD);
    const detail: LiquidationDetail = {
      policy: e.policy,
      uniMMRBefore: formatUniMMR(e.uniMMRBefore),
      ...(e.intrabar === true ? { intrabar: true as const } : {}),
      legs: e.legs.map((l) => ({ kind: l.kind, name: l.name, quantity: f(l.quantity), price: f(l.price), realizedPnl: f(l.realizedPnl), feeUSD: f(l.feeUSD) })),
    };
    r.detail = JSON.stringify(detail);
  },
});
