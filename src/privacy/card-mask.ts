/**
 * Card-number (PAN) masking. The rule (README, "Card data and privacy"): a card number a merchant
 * types — 13–19 digits passing the Luhn check, separators allowed between digits — is masked to first 6 +
 * last 4 before it is stored, logged, shown to an agent or sent to a language model.
 *
 * ```ts
 * maskCardNumbers('卡号6222 - 0212 - 3456 - 7890 128帮我退款');
 * // → { text: '卡号622202*********0128帮我退款', count: 1 }
 * ```
 *
 * What is read as a card number:
 * - A **group** is a run of digits (ASCII or full-width ０-９). Two groups are **joined** when 1–3
 *   separator characters stand between them: anything but a letter (Chinese characters included), a
 *   digit, a combining mark or a masking character (`*`, `＊`, `•`, `●`). So spaces of every kind (double,
 *   full-width, no-break, tabs), dashes (also full-width, en, em), dots, slashes, underscores, `|`, `:`,
 *   brackets, commas and line breaks (one group per line) all join; "商户号…，终端号…" does not.
 * - Joined groups may hold a card number next to other numbers ("6222021234567890128, 000123"), so they
 *   are not judged as one: every **window** of consecutive joined groups holding 13–19 digits is, and the
 *   union of the windows that qualify is masked. One group qualifies as before this version: 16–19 digits
 *   always (a mistyped card is still a card, and nothing else merchants type here is that long except bank
 *   account numbers, sensitive too), 13–15 digits when they pass Luhn; a run of more than 19 digits is not a
 *   card, and neither are its pieces. Several groups qualify when
 *   - every group but the last has 3 digits or more (dates and times, `2026-12-03 14:30:22`, have two);
 *   - the number starts with a digit card issuers use, 2–6 or 9 (ISO/IEC 7812: 1 is airlines, 7 petroleum,
 *     8 telecom and health, 0 is not issued; 1 starts Chinese mobile numbers, 8 UnionPay merchant IDs, 0
 *     most 凭证号 such as `000123`);
 *   - no group is an 8-digit date (`20261203`, how merchants type a transaction date);
 *   - and it passes Luhn, or it has 16–19 digits written in fours (`4-4-4-4`, `4-4-4-4-3`: a card with a
 *     mistyped digit, written like a card).
 *   Joined by a comma, semicolon or line break (items of a list, or lines) it must also have a common card
 *   length, 15, 16 or 19, and pass Luhn: four 4-digit amounts `2280, 2300, 4500, 6700` are not a card for
 *   being in fours, and a 参考号 with a 凭证号 `523456789012, 000123` (18 digits) never is.
 * - 15 digits are a card only with a prefix that issues 15-digit cards (American Express 34/37, the old JCB
 *   1800/2131, enRoute 2014/2149), whatever the grouping: merchants type their 15-digit merchant ID (商户
 *   编号, UnionPay's start with 8) all the time, and one in ten passes Luhn by chance.
 * - The masked form is first 6 + one `*` per middle digit + last 4, in ASCII digits, separators dropped.
 *   When qualifying windows overlap (a terminal ID that passes Luhn together with the start of the card
 *   next to it), the whole union is masked alike: its first 6 and last 4 stay, which hides the start of
 *   the card and part of the other number — the safe side.
 * - Masked text masks to itself: a group directly next to three or more masking characters (our own
 *   `622202*********0128`, a slip's `622202******0128`) is part of a masked number and joins nothing.
 *
 * A number **split over two messages** ("6222 0212", then "3456 7890 128"): `maskCardNumbersAfter` takes
 * the unmasked groups the previous message of the same sender ended with (its `tail`, at most 18 digits,
 * kept per conversation by `SplitCardMemory`; nothing but up to three separators may follow them) as if a
 * line break joined them to the groups this message starts with (after up to three separators) — so a window across the two needs 15, 16 or 19 digits passing Luhn. This message's digits of
 * such a card are masked but the card's last 4 (`*******0128`, at least three `*`); when this message
 * holds only those last 4 it is left alone. The previous message was stored as it came, holding no card
 * by itself: its part of the card (the first digits) stays there.
 *
 * Trade-offs, measured (`maskCardNumbers` against the earlier version, which joined digits across ONE
 * space or dash only and masked the whole run or nothing):
 * - Over the knowledge base, the flows, every test and fixture (36 000 lines) and the 247 labelled
 *   conversations of test/fixtures/conversation-eval (1 266 merchant messages, run message after message
 *   through the split memory), nothing is masked that the earlier version left alone; the one difference
 *   is a card typed with double spaces, now masked.
 * - Numbers that are not cards are still masked when they look like one (the safe side). On random
 *   merchant numbers typed bare, with only separators between them: a 12-digit 参考号 and a 6-digit 凭证号
 *   (`523456789012 654321`) 5 % (earlier version: 100 %, as 18 digits); an 8-digit terminal ID and a
 *   凭证号 6 % (earlier: 10 %); two terminal IDs after a comma 6 % (earlier: 0); terminal ID / 凭证号 /
 *   amount separated by slashes 12 % (earlier: 0); four 4-digit amounts separated by commas 7 % (earlier:
 *   0), by spaces 68 % (earlier: 100 %); a 参考号 and a 凭证号 after a comma or on two lines 0 (earlier:
 *   0); a phone number and a 凭证号 0 (earlier: 100 %); a date and a time `20261203 143022` 0 (earlier:
 *   10 %). A single run of 13–14 digits passing Luhn (a timestamp, a phone number with its country code)
 *   is masked as before. With a word between them ("终端号…凭证号…") numbers are never joined.
 * - Across two messages, bare answers to the flow's questions in its order (terminal ID → date, → amount;
 *   凭证号 → 参考号; 参考号 → last 4) are never joined: 0 in 20 000 random pairs each. Answered out of
 *   order, a card's last 4 followed by a 参考号 (16 digits) is joined when it passes Luhn with a first
 *   digit 2–6 or 9 (6 %): the 参考号 is then masked but its last 4 and the flow asks for it again.
 * - Not caught: a card written in groups of one or two digits, with separators longer than three
 *   characters, with letters or masking characters between its digits, split after its first one or two
 *   digits, over more than two messages, or over two messages when its first part is a card number by
 *   itself (13–15 digits passing Luhn: masked there, the rest not); a card of 13, 14, 17 or 18 digits split
 *   over two messages, or written with commas or one group per line; and the part of a split card the
 *   first message held.
 * - Numbers stored as JavaScript numbers (not strings) are not looked at by `maskDeep`: activity JSON and
 *   chat text carry card numbers as text.
 *
 * Cost: linear. One pass over the characters for digit groups, a look at the at most three characters
 * between neighbours, at most 19 windows from a group (none from a short one standing alone); strings
 * without digits return at once. It runs on every message and every log line: about 8 µs for a typical
 * message with six numbers and a card (the earlier version: 3 µs).
 */

// ── Rules ───────────────────────────────────────────────────────────────────────────────────────────

export const MIN_PAN_LENGTH = 13;
export const MAX_PAN_LENGTH = 19;
/** From this length on, a single digit run is masked whether or not it passes Luhn. */
const LONG_PAN_LENGTH = 16;
/** Issuers of 15-digit cards (ISO/IEC 7812 ranges): American Express, legacy JCB, enRoute. */
const PAN15_PREFIX = /^(34|37|1800|2131|2014|2149)/;
/** First digits of cards (ISO/IEC 7812 MII 2–6: Mastercard, Amex/JCB/Diners, Visa, UnionPay…; 9: national). */
const CARD_FIRST_DIGIT = /^[2-69]/;
/** Longest run of separator characters between two groups of one number. */
const MAX_GAP = 3;
/** Shortest group that may stand before another one in a number written in groups. */
const MIN_INNER_GROUP = 3;
/** Masking characters next to a group, in a row, that make it part of an already masked number. */
const SEAL_RUN = 3;
/** Most digits a previous message's tail can give a card continued in the next message. */
const MAX_TAIL_DIGITS = MAX_PAN_LENGTH - 1;

/** Quick rejection: most chat messages have no digit at all. */
const ANY_DIGIT = /[0-9\uFF10-\uFF19]/;
const LETTER_DIGIT_OR_MARK = /[\p{L}\p{N}\p{M}]/u;

function isMaskCode(c: number): boolean {
  return c === 0x2a || c === 0xff0a || c === 0x2022 || c === 0x25cf;
}

/** Whether the UTF-16 unit `c` may stand between two groups of one number. */
function isSeparator(c: number): boolean {
  if (c < 0x80) return !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2a);
  if (c >= 0xd800 && c <= 0xdfff) return false; // half of an emoji or a rare CJK character
  return !isMaskCode(c) && !LETTER_DIGIT_OR_MARK.test(String.fromCharCode(c));
}

/** Separators that end an item of a list (`1280, 2300, 4500`) or a line, rather than a group of one number. */
function isListSeparator(c: number): boolean {
  return c === 0x2c || c === 0x3b || c === 0x0a || c === 0x0d || c === 0x3001 || c === 0xff0c || c === 0xff1b || c === 0x2028 || c === 0x2029;
}

const NO_GAP = 0;
const GAP = 1;
const LIST_GAP = 2;

/**
 * What text[from, to) is between two groups: NO_GAP (too long, too short — `min` — or not only
 * separators), a GAP of at most MAX_GAP separators, or a LIST_GAP (one of them ends a list item or a line).
 */
function gapBetween(text: string, from: number, to: number, min: number): number {
  if (to - from < min || to - from > MAX_GAP) return NO_GAP;
  let kind = GAP;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!isSeparator(c)) return NO_GAP;
    if (isListSeparator(c)) kind = LIST_GAP;
  }
  return kind;
}

/** Whether `count` masking characters stand in text from `from` on (`step` 1) or before it (`step` -1). */
function maskRun(text: string, from: number, step: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (!isMaskCode(text.charCodeAt(from + k * step))) return false;
  return true;
}

/** ASCII digits of a group (full-width ones converted). */
function asciiDigits(group: string): string {
  let out = '';
  for (let i = 0; i < group.length; i++) {
    const c = group.charCodeAt(i);
    out += c >= 0xff10 ? String.fromCharCode(c - 0xff10 + 0x30) : group[i];
  }
  return out;
}

interface Group {
  /** Position in the text; -1 for a group of the previous message's tail. */
  start: number;
  end: number;
  digits: string;
  /** Joined to the group before it (same chain). */
  joined: boolean;
  /** Joined to the group before it by a list separator or a line break. */
  listed: boolean;
  /** Next to a run of masking characters: part of a masked number, joins nothing. */
  sealed: boolean;
  /** From the previous message. */
  prior: boolean;
}

/** Groups i..j written as a card: fours, then a last group of 1–4 digits. */
function inFours(groups: Group[], i: number, j: number): boolean {
  for (let k = i; k < j; k++) if (groups[k]!.digits.length !== 4) return false;
  return groups[j]!.digits.length <= 4;
}

/** An 8-digit date (yyyymmdd), as merchants type a transaction date: no part of a card written in groups. */
const DATE8 = /^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;

function qualifies(groups: Group[], i: number, j: number, digits: string): boolean {
  const n = digits.length;
  if (n < MIN_PAN_LENGTH || n > MAX_PAN_LENGTH) return false;
  if (n === 15 && !PAN15_PREFIX.test(digits)) return false;
  if (i === j) return n >= LONG_PAN_LENGTH || luhnValid(digits);
  if (n !== 15 && !CARD_FIRST_DIGIT.test(digits)) return false;
  let listed = false;
  for (let k = i; k <= j; k++) {
    if (groups[k]!.digits.length === 8 && DATE8.test(groups[k]!.digits)) return false;
    if (k > i && groups[k]!.listed) listed = true;
  }
  // Items of a list, lines, or two messages: only a card of a common length (15, 16, 19) passing Luhn.
  if (listed) return (n === 15 || n === 16 || n === 19) && luhnValid(digits);
  return luhnValid(digits) || (n >= LONG_PAN_LENGTH && inFours(groups, i, j));
}

function maskDigits(digits: string): string {
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

/** The digit groups a message ended with, unmasked, that a card number may continue from (ASCII digits). */
export type DigitTail = readonly string[];

function scan(text: string, tail: DigitTail | undefined): { text: string; count: number; tail: DigitTail } {
  const none = { text, count: 0, tail: [] as DigitTail };
  if (!ANY_DIGIT.test(text)) return none;
  const prior = tail ?? [];
  if (text.length < MIN_PAN_LENGTH && prior.length === 0) {
    // Too short for a card; only its tail matters (a number may go on in the next message).
    return { text, count: 0, tail: tailOf(text, groupsOf(text, []), -1) };
  }
  const groups = groupsOf(text, prior);
  const regions = cardRegions(groups);
  let count = 0;
  let out = '';
  let at = 0;
  for (const [s, e] of regions) {
    let first = s;
    let replacement: string;
    if (groups[s]!.prior) {
      // Continued from the previous message: mask this message's part but the card's last 4.
      first = prior.length;
      let mine = '';
      for (let k = first; k <= e; k++) mine += groups[k]!.digits;
      if (mine.length <= 4) continue; // only the last 4 here: nothing to hide
      replacement = '*'.repeat(Math.max(SEAL_RUN, mine.length - 4)) + mine.slice(-4);
    } else {
      let all = '';
      for (let k = s; k <= e; k++) all += groups[k]!.digits;
      replacement = maskDigits(all);
    }
    count++;
    out += text.slice(at, groups[first]!.start) + replacement;
    at = groups[e]!.end;
  }
  // The next message may continue only digits no card took.
  const tailAfter = regions.length > 0 ? regions.at(-1)![1] : -1;
  return { text: count === 0 ? text : out + text.slice(at), count, tail: tailOf(text, groups, tailAfter) };
}

function isDigitCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19);
}

/** The previous message's tail (if any) followed by this text's digit groups, with their joins. */
function groupsOf(text: string, prior: DigitTail): Group[] {
  const groups: Group[] = prior.map((digits, k) => ({ start: -1, end: -1, digits, joined: k > 0, listed: false, sealed: false, prior: true }));
  let before = groups[groups.length - 1];
  const length = text.length;
  let start = 0;
  while (start < length) {
    if (!isDigitCode(text.charCodeAt(start))) {
      start++;
      continue;
    }
    let end = start;
    let fullWidth = false;
    for (let c = text.charCodeAt(end); end < length && isDigitCode(c); c = text.charCodeAt(++end)) fullWidth ||= c > 0x39;
    const sealed = maskRun(text, start - 1, -1, SEAL_RUN) || maskRun(text, end, 1, SEAL_RUN);
    let gap = NO_GAP;
    if (before && !before.sealed && !sealed) {
      // The end of the previous message counts as a line break.
      if (before.prior) gap = gapBetween(text, 0, start, 0) === NO_GAP ? NO_GAP : LIST_GAP;
      else gap = gapBetween(text, before.end, start, 1);
    }
    const raw = text.slice(start, end);
    before = { start, end, digits: fullWidth ? asciiDigits(raw) : raw, joined: gap !== NO_GAP, listed: gap === LIST_GAP, sealed, prior: false };
    groups.push(before);
    start = end;
  }
  return groups;
}

/** [first, last] group indexes of each stretch to mask, in order: the union of qualifying windows. */
function cardRegions(groups: Group[]): [number, number][] {
  const regions: [number, number][] = [];
  for (let i = 0; i < groups.length; i++) {
    // Most groups are short and stand alone: no window starts there.
    const size = groups[i]!.digits.length;
    if (size < MIN_PAN_LENGTH && (size < MIN_INNER_GROUP || !groups[i + 1]?.joined)) continue;
    let best = -1;
    let digits = '';
    for (let j = i; j < groups.length; j++) {
      const g = groups[j]!;
      if (j > i && (!g.joined || groups[j - 1]!.digits.length < MIN_INNER_GROUP)) break;
      digits += g.digits;
      if (digits.length > MAX_PAN_LENGTH) break;
      // A window of the previous message alone was judged with it.
      if (!g.prior && qualifies(groups, i, j, digits)) best = j;
    }
    if (best < 0) continue;
    const last = regions.at(-1);
    if (last && i <= last[1]) last[1] = Math.max(last[1], best);
    else regions.push([i, best]);
  }
  return regions;
}

/** The unmasked groups `text` ends with (after group `after`), if nothing but separators follows them. */
function tailOf(text: string, groups: Group[], after: number): DigitTail {
  const last = groups.length - 1;
  if (last <= after || groups[last]!.prior || groups[last]!.sealed || gapBetween(text, groups[last]!.end, text.length, 0) === NO_GAP) return [];
  const tail: string[] = [];
  let digits = 0;
  for (let k = last; k > after && !groups[k]!.prior; k--) {
    digits += groups[k]!.digits.length;
    if (digits > MAX_TAIL_DIGITS) break;
    tail.unshift(groups[k]!.digits);
    if (!groups[k]!.joined) break;
  }
  return tail;
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
  const { text: masked, count } = scan(text, undefined);
  return { text: masked, count };
}

/**
 * `maskCardNumbers` for one message of a conversation, given the `tail` the previous message of the same
 * sender ended with: also masks a card number begun there and continued here (this message's part,
 * but the card's last 4). Returns this message's tail for the next one. `SplitCardMemory` keeps tails.
 */
export function maskCardNumbersAfter(tail: DigitTail | undefined, text: string): { text: string; count: number; tail: DigitTail } {
  return scan(text, tail);
}

/** Whether `text` holds at least one card number (same rules as `maskCardNumbers`). */
export function containsCardNumber(text: string): boolean {
  return scan(text, undefined).count > 0;
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
