/**
 * Request identifiers: the id (22 random base62 characters, ≈131 bits: for URLs and the back-office API,
 * unguessable) and the ticket people read, `CX-YYYYMMDD-NNNN` with the day in the merchants' time zone.
 */
import { randomBase62 as randomChars } from '../core/ids.js';
import { DEFAULT_TIME_ZONE } from '../core/time-zone.js';

export const REQUEST_ID_LENGTH = 22;

/** A request id: `length` uniformly random base62 characters. */
export function randomBase62(length = REQUEST_ID_LENGTH): string {
  return randomChars(length);
}

export const TICKET_PATTERN = /^[A-Z]{2,8}-\d{8}-\d{4,}$/;

/** A ticket as typed by a merchant ("cx-20261125-0007", full-width digits) → `CX-20261125-0007`. */
export function normalizeTicket(ticket: string): string {
  return ticket.normalize('NFKC').trim().toUpperCase().replace(/[\u2010-\u2015\u2212]/g, '-');
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYYMMDD` of `at` in `timeZone`. */
export function ticketDay(at: Date, timeZone = DEFAULT_TIME_ZONE): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}${parts.month}${parts.day}`;
}
