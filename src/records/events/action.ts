import { defineEventType } from './record.js';

/** A scheduled action applied, with what it did. */
export interface ActionEvent { type: 'action'; time: number; action: string; detail: string }

export const action = defineEventType<ActionEvent>({
  type: 'action',
  required: ['subject', 'detail'],
  optional: [],
  render(e, r) {
    r.subject = e.action;
    r.detail = e.detail;
  },
});
