/**
 * `phone`: a mainland China mobile number (1[3-9] and 9 more digits), with or without +86 / 0086 / 86 in
 * front, spaces or dashes anywhere between digits. Value: the 11 digits; display: masked in the middle,
 * `138****8000` (the confirmation summary is shown in chats and transcripts).
 */
import { PHONE_LABELS, FILLER, idLabelBefore } from './labels.js';
import { invalid } from './messages.js';
import { digitsOf, normalize, originalSpan, trimAnswer } from './normalize.js';
import type { Found, Invalid, SlotContext, SlotType, Valid } from './types.js';

const MOBILE = /^1[3-9]\d{9}$/;
/** 0 + a 2–3 digit area code + a 7–8 digit number. */
const LANDLINE = /^0[1-9]\d{8,10}$/;
const IN_TEXT = /(?<![\d+*a-z]|\d-)(?:(?:\+|00)\s*86[\s-]*|86[\s-]+)?1[3-9]\d(?:[\s-]?\d){8}(?!\d|-\d)/gi;
const LABEL = new RegExp(`(?:${PHONE_LABELS})${FILLER}`, 'gi');

export function maskPhone(digits: string): string {
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** The national number: country code dropped. */
function national(digits: string): string {
  if (digits.length === 15 && digits.startsWith('0086')) return digits.slice(4);
  if (digits.length === 13 && digits.startsWith('86')) return digits.slice(2);
  return digits;
}

function extract(text: string, _ctx: SlotContext): Found<string>[] {
  const n = normalize(text);
  const found: Found<string>[] = [];
  for (const m of n.text.matchAll(IN_TEXT)) {
    if (idLabelBefore(n.text, m.index, 'phone')) continue;
    const value = national(digitsOf(m[0]));
    if (!MOBILE.test(value)) continue;
    found.push({ value, display: maskPhone(value), ...originalSpan(n, m.index, m.index + m[0].length) });
  }
  return found;
}

function parse(text: string, _ctx: SlotContext): Valid<string> | Invalid {
  // Digits said one by one ("一三三 八七六五 二零九四") are digits already: normalize() reads them.
  // "(0755) 8621 3370 ext. 12", "010-6552 3318 转 8": one landline, its area code in brackets and its extension
  // aside — told as such, not as two numbers.
  const answer = trimAnswer(
    normalize(text)
      .text.replace(LABEL, ' ')
      .replace(/[(（]\s*(0\d{2,3})\s*[)）]\s*/g, '$1 ')
      .replace(/(?:\bext\.?|\bextension|转|分机)\s*\d{1,5}/gi, ' '),
  );
  const runs = [...answer.matchAll(/\+?[0-9]+(?:[\s-]+[0-9]+)*/g)].map((m) => m[0]);
  if (runs.length === 0) return invalid('phone.missing');
  if (runs.length > 1) return invalid('phone.multiple');
  const value = national(digitsOf(runs[0]!));
  // An area code in front (010-6234 5678, 0755 12345678): a landline, which cannot receive the SMS.
  if (LANDLINE.test(value)) return invalid('phone.format', {}, 'phone.landline');
  if (value.length !== 11) return invalid('phone.length', { count: value.length });
  if (!MOBILE.test(value)) return invalid('phone.format');
  return { ok: true, value, display: maskPhone(value) };
}

export const phoneType: SlotType<string> = { name: 'phone', extract, parse };
