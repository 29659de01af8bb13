import { defineEventType } from './record.js';

/** A scheduled action the account could not take, and why. */
export interface ActionRefusedEvent { type: 'actionRefused'; time: number; action: string; reason: string }

export const actionRefused = defineEventType<ActionRefusedEvent>({
  type: 'actionRefused',
  required: ['subject', 'detail'],
  optional: [],
  render(e, r) {
    r.subject = e.action;
    r.detail = e.reason;
  },
});
