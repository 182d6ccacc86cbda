/**
 * Card-number (PAN) masking. The rule (see DOMAIN.md, "Card data and privacy"): a card number a merchant
 * types — 13–19 digits passing the Luhn check, spaces or dashes allowed between digits — is masked to
 * first 6 + last 4 before it is stored, logged, shown to an agent or sent to a language model.
 *
 * ```ts
 * maskCardNumbers('卡号6222 0212 3456 7890 123帮我退款');
 * // → { text: '卡号622202*********0123帮我退款', count: 1 }
 * ```
 *
 * What counts as one candidate: a maximal run of digits in which digits may be separated by ONE separator
 * (space or dash). Two separators in a row, or any other character, end the run. The whole run is masked
 * or left alone: a 20-digit number is not a card, and neither are its 16-digit pieces.
 *
 * Trade-offs, on purpose:
 * - Masking is the safe side. A 13–19 digit run that passes Luhn is masked even when it is not a card: a
 *   13–14 digit timestamp or a phone number typed with its country code gets masked too; we accept that.
 * - A 16–19 digit run is masked even when it fails Luhn: a card number with one digit mistyped still
 *   gives the card away, and nothing else merchants type here is that long except bank account numbers,
 *   which are sensitive too. (13–15 digits keep the Luhn test: phone numbers and timestamps live there.)
 * - One exception, because merchants type their 15-digit merchant ID (商户编号) all the time and one in
 *   ten passes Luhn by chance: a 15-digit run is a card only when it starts with a prefix that issues
 *   15-digit cards (American Express 34/37, the old JCB 1800/2131, enRoute 2014/2149). Merchant IDs
 *   (UnionPay's start with 8) are left alone; card numbers of 15 digits are still masked.
 *   Shorter numbers (12-digit 参考号, 6-digit 凭证号, 8-digit terminal IDs) are never touched.
 * - Chinese input methods in full-width mode type ０-９ and full-width space/dash; those count as digits
 *   and separators too (as does the no-break space that pasting from a web page brings). The masked
 *   output always uses ASCII digits and has no separators.
 * - Numbers stored as JavaScript numbers (not strings) are not looked at by `maskDeep`: activity JSON and
 *   chat text carry card numbers as text.
 *
 * Cost: one linear regular-expression scan per string (the pattern cannot backtrack: digits and
 * separators are disjoint sets and a separator must be followed by a digit); strings without digits
 * return at once. It runs on every message.
 */

// ── Scanning ────────────────────────────────────────────────────────────────────────────────────────

const DIGIT = '[0-9\\uFF10-\\uFF19]';
const SEPARATOR = '[ \\-\\u00A0\\u3000\\uFF0D]';
/** A maximal run of digits with single separators between them (global: `replace` resets it per call). */
const RUN = new RegExp(`${DIGIT}+(?:${SEPARATOR}${DIGIT}+)*`, 'g');
/** Quick rejection: most chat messages have no digit at all. */
const ANY_DIGIT = /[0-9\uFF10-\uFF19]/;

export const MIN_PAN_LENGTH = 13;
/** From this length on, a digit run is masked whether or not it passes Luhn. */
const LONG_PAN_LENGTH = 16;
/** Issuers of 15-digit cards (ISO/IEC 7812 ranges): American Express, legacy JCB, enRoute. */
const PAN15_PREFIX = /^(34|37|1800|2131|2014|2149)/;
export const MAX_PAN_LENGTH = 19;

/** The digits of a run, ASCII, separators removed. */
function runDigits(run: string): string {
  let out = '';
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) out += run[i];
    else if (c >= 0xff10 && c <= 0xff19) out += String.fromCharCode(c - 0xff10 + 0x30);
  }
  return out;
}

/** The PAN digits if this run is a card number, otherwise `undefined`. */
function cardDigits(run: string): string | undefined {
  // Cheap length test first: a run holds at most run.length digits.
  if (run.length < MIN_PAN_LENGTH) return undefined;
  const digits = runDigits(run);
  if (digits.length < MIN_PAN_LENGTH || digits.length > MAX_PAN_LENGTH) return undefined;
  // 16–19 digits: no identifier of this domain is that long except card and bank account numbers,
  // and a mistyped card number (failing Luhn) still gives most of the card away: always masked.
  if (digits.length >= LONG_PAN_LENGTH) return digits;
  if (digits.length === 15 && !PAN15_PREFIX.test(digits)) return undefined;
  return luhnValid(digits) ? digits : undefined;
}

function maskDigits(digits: string): string {
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

// ── Public API ──────────────────────────────────────────────────────────────────────────────────────

/**
 * The Luhn (mod 10) check. `digits` must be ASCII digits only (no separators); anything else, and the
 * empty string, is invalid.
 */
export function luhnValid(digits: string): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = digits.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    if (double) sum += d * 2 > 9 ? d * 2 - 9 : d * 2;
    else sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Replaces every card number in `text` with its masked form (first 6 + one `*` per middle digit + last
 * 4, separators dropped) and says how many were masked. Text without card numbers comes back unchanged
 * (the same string).
 */
export function maskCardNumbers(text: string): { text: string; count: number } {
  if (text.length < MIN_PAN_LENGTH || !ANY_DIGIT.test(text)) return { text, count: 0 };
  let count = 0;
  const masked = text.replace(RUN, (run) => {
    const digits = cardDigits(run);
    if (digits === undefined) return run;
    count++;
    return maskDigits(digits);
  });
  return { text: count === 0 ? text : masked, count };
}

/** Whether `text` holds at least one card number (same rules as `maskCardNumbers`). */
export function containsCardNumber(text: string): boolean {
  if (text.length < MIN_PAN_LENGTH || !ANY_DIGIT.test(text)) return false;
  // matchAll works on a copy of the regular expression, so the shared one's lastIndex is left alone.
  for (const match of text.matchAll(RUN)) {
    if (cardDigits(match[0]) !== undefined) return true;
  }
  return false;
}

/**
 * A deep copy of `value` with every string in it masked — object keys included — for whole activities,
 * log objects, stored JSON. The input is never mutated. `count` is the number of card numbers masked.
 *
 * Copied: plain objects (own enumerable string keys; symbol keys are carried over as they are), arrays,
 * `Map`, `Set`, `Date`, and `Error`s (kept as errors with the same prototype, so `instanceof` and pino's
 * error serializer still work; `message`, `stack`, `cause` and own enumerable fields masked). Cycles are
 * preserved. Other class instances (Buffers, typed arrays, URLs, …) are returned as they are, by
 * reference: they are not JSON, and copying them field by field would break them.
 */
export function maskDeep<T>(value: T, options: { keepKey?: (key: string) => boolean } = {}): { value: T; count: number } {
  const state: DeepState = { count: 0, seen: new Map<object, unknown>(), keepKey: options.keepKey };
  return { value: maskValue(value, state) as T, count: state.count };
}

/**
 * Identifier and address fields of an activity: machine values, never typed by a merchant, that a
 * digit run can sit in by chance (a millisecond timestamp in a client activity id, a SHA-256 in a file
 * URL). Masking them would break the protocol (an echo that no longer matches, a URL that 404s).
 */
const IDENTIFIER_KEY = /^(id|.+Id|.+ID|.+Url|url|watermark|etag|eTag)$/;

/** An activity with every human-written string masked and its identifiers left intact. */
export function maskActivity<T>(activity: T): { value: T; count: number } {
  return maskDeep(activity, { keepKey: (key) => IDENTIFIER_KEY.test(key) });
}

// ── Deep copy ───────────────────────────────────────────────────────────────────────────────────────

interface DeepState {
  count: number;
  seen: Map<object, unknown>;
  keepKey: ((key: string) => boolean) | undefined;
}

function maskString(text: string, state: DeepState): string {
  const result = maskCardNumbers(text);
  state.count += result.count;
  return result.text;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype;
}

function maskValue(value: unknown, state: DeepState): unknown {
  if (typeof value === 'string') return maskString(value, state);
  if (typeof value !== 'object' || value === null) return value;

  const known = state.seen.get(value);
  if (known !== undefined) return known;

  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    state.seen.set(value, copy);
    for (const item of value) copy.push(maskValue(item, state));
    return copy;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Map) {
    const copy = new Map<unknown, unknown>();
    state.seen.set(value, copy);
    for (const [k, v] of value) copy.set(maskValue(k, state), maskValue(v, state));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set<unknown>();
    state.seen.set(value, copy);
    for (const v of value) copy.add(maskValue(v, state));
    return copy;
  }
  if (value instanceof Error) return maskError(value, state);
  if (!isPlainObject(value)) return value;

  const copy: Record<PropertyKey, unknown> = Object.create(Object.getPrototypeOf(value) as object | null);
  state.seen.set(value, copy);
  copyFields(value as Record<string, unknown>, copy, state);
  return copy;
}

function copyFields(from: Record<string, unknown>, to: Record<PropertyKey, unknown>, state: DeepState): void {
  for (const key of Object.keys(from)) {
    const v = from[key];
    if (typeof v === 'string' && state.keepKey?.(key)) to[key] = v;
    else to[maskString(key, state)] = maskValue(v, state);
  }
  for (const sym of Object.getOwnPropertySymbols(from)) {
    if (Object.prototype.propertyIsEnumerable.call(from, sym)) to[sym] = (from as Record<symbol, unknown>)[sym];
  }
}

function maskError(error: Error, state: DeepState): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  state.seen.set(error, copy);
  // Same shape as a native error: message, stack and cause are own, non-enumerable properties.
  const hidden = (key: string, v: unknown): void => {
    Object.defineProperty(copy, key, { value: v, writable: true, configurable: true, enumerable: false });
  };
  hidden('message', maskString(error.message, state));
  if (typeof error.stack === 'string') hidden('stack', maskString(error.stack, state));
  if ('cause' in error) hidden('cause', maskValue(error.cause, state));
  copyFields(error as unknown as Record<string, unknown>, copy as unknown as Record<PropertyKey, unknown>, state);
  return copy;
}
