import { defineEventType } from './record.js';

/** Every price the account needs is usable again. */
export interface PriceGapEndEvent { type: 'priceGapEnd'; time: number }

export const priceGapEnd = defineEventType<PriceGapEndEvent>({
  type: 'priceGapEnd',
  required: [],
  optional: [],
  render() {},
});
