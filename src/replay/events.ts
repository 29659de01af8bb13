import type { Dec } from '../domain/decimal.js';
import type { AccountStatus } from '../domain/types.js';

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

/**
 * Everything a replay reports besides the timeline. Amounts are exact decimals in the unit named;
 * `time` is when it happened (a funding row's own time, jitter included).
 */
export type ReplayEvent =
  | { type: 'riskLevelChange'; time: number; from: AccountStatus | null; to: AccountStatus; uniMMR: Dec | null }
  | { type: 'ordersCancelled'; time: number; count: number; uniMMR: Dec | null }
  | { type: 'liquidationCancelled'; time: number; uniMMR: Dec | null }
  | { type: 'liquidation'; time: number; policy: 'full' | 'stepwise'; uniMMRBefore: Dec | null; uniMMRAfter: Dec | null; legs: LiquidatedLeg[]; feesUSD: Dec }
  | { type: 'bankruptcy'; time: number; deficitUSD: Dec }
  | { type: 'funding'; time: number; symbol: string; asset: string; rate: Dec; markPrice: Dec; amount: Dec }
  | { type: 'interest'; time: number; asset: string; kind: 'loan' | 'negativeBalance'; amount: Dec }
  | { type: 'action'; time: number; action: string; detail: string }
  | { type: 'actionRefused'; time: number; action: string; reason: string }
  | { type: 'priceGap'; time: number; series: string; reason: string; lastTime?: number }
  | { type: 'priceGapEnd'; time: number };

export type ReplayEventType = ReplayEvent['type'];
