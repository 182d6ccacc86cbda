/**
 * The sales-slip identifiers (README, "Reading sales slips"): fixed-length digit or alphanumeric
 * codes, plus the card's last 4 digits.
 *
 * ```ts
 * SLOT_TYPES.voucher_no.extract('昨天刷了1280元，凭证号000123，想撤销', ctx);
 * // → [{ value: '000123', display: '000123', start: 13, end: 19 }]
 * SLOT_TYPES.reference_no.parse('12345678901', ctx);
 * // → { ok: false, reason: 'reference_no.length', message: { 'zh-CN': '参考号应为12位数字，您输入了11位。', … } }
 * ```
 *
 * Accepted forms: full-width digits, spaces or dashes between digit groups ("1234 5678 9012"), the label in
 * front of the answer ("参考号：…"). Extraction needs the label merchants write next to the number, except
 * for the lengths merchants give without one (15 digits → 商户编号, 12 → 参考号, 8 → 终端编号, 6 → 凭证号: a
 * merchant quotes the voucher, rarely the batch; digits that read as a date are left alone).
 */
import { FILLER, ID_LABELS, idLabelBefore, type IdType } from './labels.js';
import { invalid, type Vars } from './messages.js';
import { DIGIT_WORD, digitsOf, normalize, originalSpan, SPOKEN_DIGIT, trimAnswer } from './normalize.js';
import type { Found, Invalid, SlotContext, SlotType, Valid } from './types.js';

/** Four digits read out one by one ("七三零九", "五 五 八 二"), no other number word around them. */
const NOT_A_NUMBER_WORD = (dir: '<!' | '!') => `(?${dir}${DIGIT_WORD.slice(0, -1)}十百千万\\d])`;
const SPOKEN_FOUR = new RegExp(`${NOT_A_NUMBER_WORD('<!')}((?:${DIGIT_WORD}[\\s-]?){3}${DIGIT_WORD})${NOT_A_NUMBER_WORD('!')}`, 'g');

interface CodeSpec {
  name: IdType;
  length: number;
  /** Letters allowed too (terminal IDs on some acquirers, auth codes). */
  alphanumeric: boolean;
  /** Extract a bare run of exactly `length` digits, without a label. */
  bare: boolean;
  words: { name: string; spec: string; nameEn: string; specEn: string };
}

const SPECS: CodeSpec[] = [
  { name: 'merchant_id', length: 15, alphanumeric: false, bare: true, words: { name: '商户编号', spec: '15位数字', nameEn: 'merchant ID', specEn: '15 digits' } },
  { name: 'terminal_id', length: 8, alphanumeric: true, bare: true, words: { name: '终端编号', spec: '8位数字或字母', nameEn: 'terminal ID', specEn: '8 letters or digits' } },
  { name: 'batch_no', length: 6, alphanumeric: false, bare: false, words: { name: '批次号', spec: '6位数字', nameEn: 'batch number', specEn: '6 digits' } },
  { name: 'voucher_no', length: 6, alphanumeric: false, bare: true, words: { name: '凭证号', spec: '6位数字', nameEn: 'voucher (trace) number', specEn: '6 digits' } },
  { name: 'reference_no', length: 12, alphanumeric: false, bare: true, words: { name: '参考号', spec: '12位数字', nameEn: 'reference number', specEn: '12 digits' } },
  { name: 'auth_code', length: 6, alphanumeric: true, bare: false, words: { name: '授权码', spec: '6位数字或字母', nameEn: 'authorisation code', specEn: '6 letters or digits' } },
  { name: 'card_last4', length: 4, alphanumeric: false, bare: false, words: { name: '卡号后4位', spec: '4位数字', nameEn: 'last 4 digits of the card', specEn: '4 digits' } },
];

/** Types whose bare runs are a guess by length: they fill an empty slot, never change a value. */
const GUESSED_BARE = new Set<IdType>(['terminal_id', 'voucher_no']);

/** Bare runs of a type's length that are something else: a date written as digits (20261201, 261201). */
const BARE_NOT: Partial<Record<IdType, RegExp>> = {
  terminal_id: /^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/,
  voucher_no: /^\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$|^0+$/,
};

/** A card number masked by src/privacy/card-mask.ts (622202*********0123), or as slips print it (6222 02** **** 0123). */
const MASKED_CARD = /(?<![0-9a-z*])[0-9*xX•]+(?:[ -][0-9*xX•]+)*(?![0-9a-z*])/gi;

function maskedCardLast4(run: string): string | undefined {
  const compact = run.replace(/[ -]/g, '');
  if (compact.length < 13 || compact.length > 19) return undefined;
  if ((compact.match(/[*xX•]/g) ?? []).length < 3) return undefined;
  const last4 = /([0-9]{4})$/.exec(compact);
  return last4 ? last4[1] : undefined;
}

function hasMaskedCard(text: string): boolean {
  for (const m of text.matchAll(MASKED_CARD)) if (maskedCardLast4(m[0]) !== undefined) return true;
  return false;
}

/** Digit runs with any spaces or dashes inside ("6222 0212-3456…"). */
const LONG_DIGIT_RUN = /[0-9]+(?:[\s-]+[0-9]+)*/g;

function hasCardLengthRun(text: string): boolean {
  for (const m of text.matchAll(LONG_DIGIT_RUN)) if (digitsOf(m[0]).length >= 13) return true;
  return false;
}

function makeCodeType(spec: CodeSpec): SlotType<string> {
  const { name, length, alphanumeric } = spec;
  const vars: Vars = { ...spec.words };
  const group = alphanumeric ? '[0-9a-z]+' : '[0-9]+';
  const afterLabel = new RegExp(`^${group}(?:[ -]${group})*`, 'i');
  const labelOnly = new RegExp(`(?:${ID_LABELS[name]})${FILLER}`, 'gi');
  const valid = (value: string): Valid<string> => ({ ok: true, value, display: value });
  const canonical = (s: string): string => (alphanumeric ? s.toUpperCase() : s);

  function extract(text: string, _ctx: SlotContext): Found<string>[] {
    const n = normalize(text);
    const found: Found<string>[] = [];
    const seen = new Set<number>();
    const push = (start: number, end: number, raw: string, guessed = false): void => {
      if (seen.has(start)) return;
      seen.add(start);
      const value = canonical(raw);
      found.push({ value, display: value, ...originalSpan(n, start, end), ...(guessed ? { guessed } : {}) });
    };

    // Labelled: take the groups after the label until they make exactly `length` characters. Every label
    // is tried, also one inside the words after another ("on the terminal merchant 830… terminal 78015040").
    for (const m of n.text.matchAll(labelOnly)) {
      const valueStart = m.index + m[0].length;
      const groups = afterLabel.exec(n.text.slice(valueStart));
      if (!groups) continue;
      let acc = '';
      for (const g of groups[0].matchAll(new RegExp(group, 'gi'))) {
        acc += g[0];
        if (acc.length >= length) {
          if (acc.length === length && (!alphanumeric || /[0-9]/.test(acc))) {
            push(valueStart, valueStart + g.index + g[0].length, acc);
          }
          break;
        }
      }
    }

    // A card number masked upstream, or printed masked on the slip: its last 4.
    if (name === 'card_last4') {
      for (const m of n.text.matchAll(MASKED_CARD)) {
        const last4 = maskedCardLast4(m[0]);
        if (last4 === undefined || idLabelBefore(n.text, m.index, 'card_last4')) continue;
        push(m.index, m.index + m[0].length, last4);
      }
    }

    // Bare: a digit run of exactly this length that no label claims and no currency follows. Numbers
    // typed one after another ("866607855624255 47915443 昨天") are read one by one when the run as a whole
    // is no such number.
    if (spec.bare) {
      const runs: { index: number; text: string }[] = [];
      for (const m of n.text.matchAll(/[0-9]+(?:[ -][0-9]+)*/g)) {
        // Only spaces separate numbers; a dash joins the parts of one (010-62345678 is a phone number).
        // …and a run is one number only as numbers are grouped when printed: "最后一位是7 13653243947" is a
        // digit and a phone number, not a 12-digit reference number.
        // "最后一位是5 187 3039 5685" ends with a mobile number grouped as it is read (3-4-4): no run of its own.
        const groups = m[0].split(' ');
        const phoneTail = groups.length > 3 && /^1[3-9]\d$/.test(groups.at(-3)!) && groups.slice(-2).every((g) => /^\d{4}$/.test(g));
        const grouped = groups.every((g) => g.length <= 8) && !phoneTail;
        if ((digitsOf(m[0]).length === length && grouped) || !/ /.test(m[0]) || /-/.test(m[0])) runs.push({ index: m.index, text: m[0] });
        else for (const g of m[0].matchAll(/[0-9]+/g)) runs.push({ index: m.index + g.index, text: g[0] });
      }
      for (const m of runs) {
        const start = m.index;
        const end = start + m.text.length;
        if (digitsOf(m.text).length !== length) continue;
        // Eight digits may be a date (20261201), six a date too (261201): only other lengths are left alone.
        if (BARE_NOT[name]?.test(digitsOf(m.text))) continue;
        // A comma before it only matters after a digit (1,234): "帮我看看，830807522787231" names a merchant.
        const before = n.text[start - 1] ?? '';
        if (/[a-z*.¥$+]/i.test(before) || (before === ',' && /[0-9]/.test(n.text[start - 2] ?? '')) || /[a-z*]/i.test(n.text[end] ?? '')) continue;
        // "0086 139 0013 9000" is a mobile number with its country code, not a 15-digit 商户编号.
        if (/^00861[3-9]\d{9}$/.test(digitsOf(m.text))) continue;
        // "CX-20261204-0001" is a ticket number, not a 12-digit reference number.
        if (/[a-z]{2,8}-?$/i.test(n.text.slice(Math.max(0, start - 9), start))) continue;
        if (/^\s*(?:[元块万]|yuan|rmb)/i.test(n.text.slice(end))) continue;
        if (idLabelBefore(n.text, start)) continue;
        // 15 and 12 digits are nothing else; 8 and 6 are a guess (GUESSED_BARE).
        push(start, end, digitsOf(m.text), GUESSED_BARE.has(name));
      }
    }
    return found.sort((a, b) => a.start - b.start);
  }

  function parse(text: string, ctx: SlotContext): Valid<string> | Invalid {
    const n = normalize(text).text;
    if (name === 'card_last4') {
      // Never accept or keep a full card number, whether it passes the Luhn check or not.
      if (hasCardLengthRun(n)) return invalid('card_last4.full_card_number');
      for (const m of n.matchAll(MASKED_CARD)) {
        const last4 = maskedCardLast4(m[0]);
        if (last4 !== undefined) return valid(last4);
      }
      // Read out as four digits ("七三零九", "五 五 八 二"; too short for a spoken run elsewhere): the one not said
      // to be wrong ("是七三零九，不是七三零六").
      const spoken = [...text.matchAll(SPOKEN_FOUR)].filter((m) => !/不是\s*$/.test(text.slice(0, m.index)));
      if (spoken.length === 1) return valid([...spoken[0]![1]!.replace(/[\s-]/g, '')].map((c) => SPOKEN_DIGIT[c]).join(''));
    }

    // The value under its own label, even among other numbers ("参考号123456789012，凭证号000123").
    const own = extract(text, ctx);
    if (own.length === 1) return valid(own[0]!.value);

    // A card number (masked upstream) where this number was expected.
    if (name !== 'card_last4' && hasMaskedCard(n)) return invalid(`${name}.card_number`, vars, 'code.card_number');

    const rest = trimAnswer(n.replace(labelOnly, ' '));
    // Number-like groups (each with a digit) joined by spaces or dashes: "1234 5678 9012".
    // An ordinal ("the 2nd one") says which sale, not a number of it.
    let candidates = [...rest.matchAll(/[0-9a-z]*[0-9][0-9a-z]*(?:[\s-]+[0-9a-z]*[0-9][0-9a-z]*)*/gi)].map((m) => m[0]).filter((c) => !/^\d{1,2}(?:st|nd|rd|th)$/i.test(c));
    // Letter-only groups count when the whole answer is the code ("ABCD 1234", "ABCDEF") — not words
    // ("changed his mind" spells no terminal ID).
    const whole = /^[0-9a-z]+(?:[\s-]+[0-9a-z]+)*$/i.test(rest) && (/[0-9]/.test(rest) || !/[\s-]/.test(rest)) ? rest.replace(/[\s-]/g, '') : undefined;
    if (alphanumeric && whole !== undefined && (whole.length === length || candidates.length === 0)) candidates = [rest];

    if (candidates.length === 0) return invalid(`${name}.missing`, vars, 'code.missing');
    if (candidates.length > 1) return invalid(`${name}.multiple`, vars, 'code.multiple');
    const compact = candidates[0]!.replace(/[\s-]/g, '');
    if (!alphanumeric && /[a-z]/i.test(compact)) return invalid(`${name}.format`, vars, 'code.format');
    if (compact.length !== length) {
      const key = name === 'card_last4' ? 'card_last4.length' : 'code.length';
      return invalid(`${name}.length`, { ...vars, count: compact.length }, key);
    }
    return valid(canonical(compact));
  }

  return { name, extract, parse };
}

export const CODE_TYPES: Record<IdType, SlotType<string>> = Object.fromEntries(
  SPECS.map((spec) => [spec.name, makeCodeType(spec)]),
) as Record<IdType, SlotType<string>>;
