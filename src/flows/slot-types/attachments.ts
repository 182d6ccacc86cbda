/**
 * `attachments`: photos and PDFs come from the channel as files, not as text; the flow engine takes them
 * from the activity (type by magic bytes, size and count limits, storage by content hash). Here the type
 * only exists in the registry and tells a merchant who types instead of sending a file what to do.
 */
import { invalid } from './messages.js';
import type { Found, Invalid, SlotContext, SlotType } from './types.js';

export const attachmentsType: SlotType<never> = {
  name: 'attachments',
  extract(_text: string, _ctx: SlotContext): Found<never>[] {
    return [];
  },
  parse(_text: string, _ctx: SlotContext): Invalid {
    return invalid('attachments.not_text');
  },
};
