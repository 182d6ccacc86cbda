/** Slot types of the flow engine: the contract, the registry, and the helpers other parts may reuse. */
export type { Found, Invalid, SlotContext, SlotLocale, SlotOptions, SlotType, Valid } from './types.js';
export { SLOT_TYPES } from './registry.js';
export { formatFen } from './amount.js';
export { todayIn, isoOf, displayOf, displayIso, durationIn, addDaysIso } from './date.js';
export { maskPhone } from './phone.js';
