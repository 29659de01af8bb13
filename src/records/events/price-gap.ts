import { defineEventType } from './record.js';

/** A price series the account needs has no usable price from `time` (`lastTime`: its last one). */
export interface PriceGapEvent { type: 'priceGap'; time: number; series: string; reason: string; lastTime?: number }

export const priceGap = defineEventType<PriceGapEvent>({
  type: 'priceGap',
  required: ['subject', 'detail'],
  optional: [],
  render(e, r) {
    r.subject = e.series;
    r.detail = e.lastTime === undefined ? e.reason : `${e.reason} (last ${new Date(e.lastTime).toISOString()})`;
  },
});
