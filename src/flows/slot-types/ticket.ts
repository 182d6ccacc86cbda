/**
 * `ticket`: a request's ticket number (CX-20261125-0007), found anywhere in the answer ("单号我看下通知……是
 * cx-20261125-0001" → CX-20261125-0001): letters, the 8-digit day and the sequence, dashes and case as the
 * merchant typed them. The value is the canonical form the request store issues.
 */
import { invalid } from './messages.js';
import { normalize, originalSpan } from './normalize.js';
import type { Found, Invalid, SlotContext, SlotType, Valid } from './types.js';

/** Letters, the day (8 digits) and the sequence, with or without dashes or a space between them. */
export const TICKET_PATTERN = /(?<![A-Za-z0-9])([A-Za-z]{2,8})-?(\d{8})-?(\d{4,})(?![0-9])/g;

/** The canonical ticket number of one match of TICKET_PATTERN. */
export function canonicalTicket(m: RegExpMatchArray): string {
  return `${m[1]!.toUpperCase()}-${m[2]}-${m[3]}`;
}

function tickets(text: string): { value: string; start: number; end: number }[] {
  const n = normalize(text);
  return [...n.text.matchAll(TICKET_PATTERN)].map((m) => ({ value: canonicalTicket(m), ...originalSpan(n, m.index, m.index + m[0].length) }));
}

function parse(text: string, _ctx: SlotContext): Valid<string> | Invalid {
  const found = [...new Set(tickets(text).map((t) => t.value))];
  if (found.length === 0) return invalid('ticket.missing');
  if (found.length > 1) return invalid('ticket.multiple', { tickets: found.join('、') });
  return { ok: true, value: found[0]!, display: found[0]! };
}

function extract(text: string, _ctx: SlotContext): Found<string>[] {
  return tickets(text).map((t) => ({ value: t.value, display: t.value, start: t.start, end: t.end }));
}

export const ticketType: SlotType<string> = { name: 'ticket', extract, parse };
