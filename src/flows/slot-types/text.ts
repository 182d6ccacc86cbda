/**
 * `text`: free text (a reason, a note), trimmed, `options.minLength`..`options.maxLength` characters
 * (default 2..500). A card number inside is masked (src/privacy/card-mask.ts) in both the value and the
 * display, so it is never kept. Free text is not extracted from other messages: the engine asks for it.
 */
import { maskCardNumbers } from '../../privacy/card-mask.js';
import { invalid } from './messages.js';
import { charCount } from './normalize.js';
import type { Found, Invalid, SlotContext, SlotType, Valid } from './types.js';

const DEFAULT_MIN = 2;
const DEFAULT_MAX = 500;

function parse(text: string, ctx: SlotContext): Valid<string> | Invalid {
  const min = ctx.options?.minLength ?? DEFAULT_MIN;
  const max = ctx.options?.maxLength ?? DEFAULT_MAX;
  const value = maskCardNumbers(text.trim()).text;
  const count = charCount(value);
  if (count < min) return invalid('text.too_short', { min, count });
  if (count > max) return invalid('text.too_long', { max, count });
  return { ok: true, value, display: value };
}

function extract(_text: string, _ctx: SlotContext): Found<string>[] {
  return [];
}

export const textType: SlotType<string> = { name: 'text', extract, parse };
