import { Dec, ZERO } from '../../domain/decimal.js';
import type { MarginOpenOrder } from '../../domain/types.js';

export interface OrderLegValue {
  indexPrice: Dec;
  collateralRate: Dec;
}

/**
 * Open loss of one cross-margin order (docs/margin-rules.md §2, the documented default): selling qs of S for
 * qb of B loses max(0, qs·P_S·cr_S − qb·P_B·cr_B) of collateral value if it fills.
 */
export function calculateOrderOpenLoss(order: MarginOpenOrder, base: OrderLegValue, quote: OrderLegValue): Dec {
  const baseValue = order.openQty.times(base.indexPrice).times(base.collateralRate);
  const quoteValue = order.openQty.times(order.price).times(quote.indexPrice).times(quote.collateralRate);
  const loss = order.side === 'BUY' ? quoteValue.minus(baseValue) : baseValue.minus(quoteValue);
  return Dec.max(ZERO, loss);
}
