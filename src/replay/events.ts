// The event union is owned by the records (src/records/events/: one module per type, with its
// record fields and rendering); the replay's emitters import it from here.
export type { LiquidatedLeg, ReplayEvent, ReplayEventType } from '../records/events/index.js';
